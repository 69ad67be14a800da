import { z } from 'zod';
import { EVENT_TYPES } from '../domain/events';
import { WEBHOOK_FORMATS } from '../domain/webhooks';

/**
 * The bodies whose handlers check them by hand (each setting against the stored rule, every
 * problem named at once), as zod schemas for the OpenAPI document. Each mirrors the code named
 * in its comment; test/unit/shared/http/openapi checks that they accept and refuse alike.
 */

const approver = z.union([
  z.object({ '@odata.type': z.literal('#microsoft.graph.singleUser'), userId: z.string(), description: z.string().nullish(), isBackup: z.boolean().optional() }).loose(),
  z.object({ '@odata.type': z.literal('#microsoft.graph.groupMembers'), groupId: z.string(), description: z.string().nullish(), isBackup: z.boolean().optional() }).loose(),
]);

const approvalStage = z
  .object({
    approvalStageTimeOutInDays: z.int().min(1).max(7).optional(),
    isApproverJustificationRequired: z.boolean().optional(),
    escalationTimeInMinutes: z.int().min(0).optional(),
    isEscalationEnabled: z.boolean().optional(),
    primaryApprovers: z.array(approver).nullish(),
    escalationApprovers: z.array(approver).nullish(),
    quorum: z.object({ approvalsRequired: z.int().min(1).max(25).optional(), denyMode: z.enum(['any', 'majority']).optional() }).nullish(),
  })
  .loose();

/** What every rule PATCH may carry besides its settings (checked against the stored rule). */
const ruleHead = { '@odata.type': z.string().optional(), id: z.string().optional(), target: z.unknown().optional() };

/**
 * PATCH …/roleManagementPolicies/{id}/rules/{ruleId}: one rule's settings, by rule type
 * (shared/domain/policy/validate.ts `patchRule`; the settings per type are its RULE_SETTINGS).
 * Which type applies is the stored rule's, so the body is any one of these.
 */
export const rulePatchBody = z
  .union([
    z.strictObject({ ...ruleHead, isExpirationRequired: z.boolean().optional(), maximumDuration: z.string().meta({ description: 'ISO 8601 duration, e.g. PT8H' }).optional() }),
    z.strictObject({ ...ruleHead, enabledRules: z.array(z.enum(['MultiFactorAuthentication', 'Justification', 'Ticketing'])).optional() }),
    z.strictObject({
      ...ruleHead,
      setting: z
        .object({
          isApprovalRequired: z.boolean().optional(),
          isApprovalRequiredForExtension: z.boolean().optional(),
          isRequestorJustificationRequired: z.boolean().optional(),
          approvalMode: z.string().optional(),
          approvalStages: z.array(approvalStage).max(3).optional(),
        })
        .loose()
        .optional(),
    }),
    z.strictObject({ ...ruleHead, isEnabled: z.boolean().optional(), claimValue: z.string().nullish().meta({ description: 'c1 to c99; required when isEnabled is true' }) }),
    z.strictObject({
      ...ruleHead,
      notificationType: z.string().optional(),
      recipientType: z.enum(['Requestor', 'Approver', 'Admin']).optional(),
      notificationLevel: z.enum(['None', 'Critical', 'All']).optional(),
      isDefaultRecipientsEnabled: z.boolean().optional(),
      notificationRecipients: z.array(z.string().regex(/^[^@\s]+@[^@\s]+\.[^@\s]+$/)).optional(),
    }),
  ])
  .meta({ description: "One rule's settings; which ones apply is decided by the stored rule's @odata.type." });

/** PATCH …/roleManagementPolicies/{id}: only the pimWebhooks extension (shared/app/policies.ts, shared/domain/webhooks.ts). */
export const policyPatchBody = z.object({
  pimWebhooks: z
    .array(
      z.object({
        id: z.string().min(1),
        url: z.url(),
        format: z.enum(WEBHOOK_FORMATS),
        events: z.array(z.enum(EVENT_TYPES)).nullish(),
        signingKeyName: z.string().nullish().meta({ description: 'A key named in PIM_WEBHOOK_KEYS; required for format json.' }),
      }),
    )
    .nullish(),
  pimRevokeSessionsOnEarlyEnd: z
    .boolean()
    .nullish()
    .meta({ description: "Extension: revoke the user's sign-in sessions when the role or group membership ends early (null: on for privileged roles, off otherwise)." }),
});

/** PATCH of an approval step: the decision (shared/domain/approval.ts `decide`). */
export const approvalDecisionBody = z
  .object({
    reviewResult: z.enum(['Approve', 'Deny']),
    justification: z.string().max(500).nullish().meta({ description: "Required when the stage's isApproverJustificationRequired is true." }),
  })
  .loose();

/** ARM's decision on an approval stage: the decision, in `properties` or bare (shared/http/arm/approvalResources.ts). */
export const armApprovalDecisionBody = z.union([z.object({ properties: approvalDecisionBody }).loose(), approvalDecisionBody]);

/** ARM's PATCH of a role management policy (shared/http/arm/policies.ts `readPolicyPatch`, shared/http/arm/policyRules.ts). */
export const armPolicyPatchBody = z.object({
  id: z.unknown().optional(),
  name: z.unknown().optional(),
  type: z.unknown().optional(),
  properties: z
    .object({
      rules: z.array(z.object({ id: z.string(), ruleType: z.string(), target: z.unknown().optional() }).loose()).optional(),
      isInheritedBySubscopes: z.boolean().optional().meta({ description: 'Extension (not in ARM): sub-scopes follow this policy.' }),
    })
    .loose(),
});

/** ARM's PUT of a role management policy assignment (shared/http/arm/policies.ts `checkAssignmentBody`). */
export const armPolicyAssignmentBody = z
  .object({ properties: z.object({ scope: z.string().optional(), roleDefinitionId: z.string().optional(), policyId: z.string().optional() }).loose().optional() })
  .loose();
