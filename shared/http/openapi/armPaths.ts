import type { z } from 'zod';
import { approvalResources } from '../arm/approvalResources';
import type { ArmResource } from '../arm/dispatch';
import { ARM_POLICY_RESOURCE_TYPES } from '../arm/policies';
import { armBody } from '../arm/requestBody';
import type { ArmRouteRoot } from '../arm/router';
import { scheduleResources } from '../arm/scheduleResources';
import { armApprovalDecisionBody, armPolicyAssignmentBody, armPolicyPatchBody } from '../handParsedBodies';
import { PIM_API_VERSION } from '../arm/errors';
import type { PathParameter } from './paths';

/**
 * The ARM surface arrives on one catch-all route per scope root (`subscriptions/{*rest}`, …),
 * which a client never sees: it sees ARM's paths, `{scope}/providers/Microsoft.Authorization/
 * {type}/{name}`. This module lists those paths for each root, from the resource types the
 * dispatcher serves (functions/http/arm.ts) and what each type does with each method.
 */

export interface ArmOperation {
  path: string;
  parameters: PathParameter[];
  method: string;
  resourceType: string;
  apiVersions: readonly string[];
  summary: string;
  collection: boolean;
  body?: { name: string; schema: z.ZodType };
}

type Step = { suffix: string; params: string[]; method: string; summary: string; collection?: boolean; body?: { name: string; schema: z.ZodType } };

const item = (name: string) => `/{${name}}`;
const scheduleRequestSteps = (name: string): Step[] => [
  { suffix: '', params: [], method: 'GET', summary: 'List requests', collection: true },
  { suffix: item(name), params: [name], method: 'GET', summary: 'Get a request' },
  { suffix: item(name), params: [name], method: 'PUT', summary: 'Create a request (name it with a new GUID)', body: { name: 'ArmScheduleRequestBody', schema: armBody } },
  { suffix: `${item(name)}/cancel`, params: [name], method: 'POST', summary: 'Cancel a pending request' },
];
const readOnlySteps = (name: string): Step[] => [
  { suffix: '', params: [], method: 'GET', summary: 'List', collection: true },
  { suffix: item(name), params: [name], method: 'GET', summary: 'Get one' },
];

/** What each resource type of the dispatcher does, by method; a type missing here fails the build of the document. */
const STEPS: Record<string, Step[]> = {
  roleEligibilityScheduleRequests: scheduleRequestSteps('roleEligibilityScheduleRequestName'),
  roleAssignmentScheduleRequests: scheduleRequestSteps('roleAssignmentScheduleRequestName'),
  roleEligibilitySchedules: readOnlySteps('roleEligibilityScheduleName'),
  roleAssignmentSchedules: readOnlySteps('roleAssignmentScheduleName'),
  roleEligibilityScheduleInstances: readOnlySteps('roleEligibilityScheduleInstanceName'),
  roleAssignmentScheduleInstances: readOnlySteps('roleAssignmentScheduleInstanceName'),
  roleManagementPolicies: [
    ...readOnlySteps('roleManagementPolicyName'),
    { suffix: item('roleManagementPolicyName'), params: ['roleManagementPolicyName'], method: 'PATCH', summary: 'Change rules of a role management policy', body: { name: 'ArmRoleManagementPolicyPatchBody', schema: armPolicyPatchBody } },
    { suffix: item('roleManagementPolicyName'), params: ['roleManagementPolicyName'], method: 'DELETE', summary: 'Reset a policy to what it inherits' },
  ],
  roleManagementPolicyAssignments: [
    ...readOnlySteps('roleManagementPolicyAssignmentName'),
    { suffix: item('roleManagementPolicyAssignmentName'), params: ['roleManagementPolicyAssignmentName'], method: 'PUT', summary: 'Assign a role its policy', body: { name: 'ArmRoleManagementPolicyAssignmentBody', schema: armPolicyAssignmentBody } },
    { suffix: item('roleManagementPolicyAssignmentName'), params: ['roleManagementPolicyAssignmentName'], method: 'DELETE', summary: 'Remove a policy assignment' },
  ],
  roleAssignmentApprovals: [
    ...readOnlySteps('approvalId'),
    { suffix: `${item('approvalId')}/stages`, params: ['approvalId'], method: 'GET', summary: "List an approval's stages", collection: true },
    { suffix: `${item('approvalId')}/stages${item('stageId')}`, params: ['approvalId', 'stageId'], method: 'GET', summary: 'Get a stage' },
    ...['PUT', 'PATCH'].map((method) => ({
      suffix: `${item('approvalId')}/stages${item('stageId')}`,
      params: ['approvalId', 'stageId'],
      method,
      summary: 'Approve or deny a stage',
      body: { name: 'ArmApprovalDecisionBody', schema: armApprovalDecisionBody },
    })),
  ],
};

/** The scopes under each root, as ARM writes them; approvals are tenant-wide, everything else needs a scope. */
const SCOPES: Record<ArmRouteRoot['name'], { prefixes: string[]; scoped: boolean }> = {
  Subscriptions: {
    prefixes: [
      '/subscriptions/{subscriptionId}',
      '/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}',
      '/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/{resourceProviderNamespace}/{resourceType}/{resourceName}',
    ],
    scoped: true,
  },
  ManagementGroups: { prefixes: ['/providers/Microsoft.Management/managementGroups/{managementGroupId}'], scoped: true },
  SubscriptionAlias: { prefixes: ['/providers/Microsoft.Subscription/subscriptions/{subscriptionId}'], scoped: true },
  Tenant: { prefixes: [''], scoped: false },
};

const SCOPE_LESS = new Set(['roleAssignmentApprovals']);

/**
 * The dispatcher's resource types with their api-versions. Building the resources only makes
 * closures (the environment is never called), so the document reads the very objects served.
 */
function servedTypes(): Record<string, ArmResource> {
  const env = {
    deps: () => {
      throw new Error('not for serving');
    },
    depsWithWorkflow: () => {
      throw new Error('not for serving');
    },
  };
  const policies = Object.fromEntries(ARM_POLICY_RESOURCE_TYPES.map((t) => [t, { apiVersions: [PIM_API_VERSION], handle: () => Promise.reject(new Error('not for serving')) }]));
  return { ...scheduleResources(env), ...approvalResources(env), ...policies };
}

const param = (name: string): PathParameter => ({ name, in: 'path', required: true, schema: { type: 'string' } });

export function armOperations(root: ArmRouteRoot): ArmOperation[] {
  const scopes = SCOPES[root.name];
  const ops: ArmOperation[] = [];
  for (const [type, resource] of Object.entries(servedTypes())) {
    const steps = STEPS[type];
    if (!steps) throw new Error(`The OpenAPI document does not describe the ARM resource type '${type}': add it to STEPS.`);
    if (SCOPE_LESS.has(type) === scopes.scoped) continue;
    for (const prefix of scopes.prefixes) {
      const scopeParams = [...prefix.matchAll(/\{(\w+)\}/g)].map((m) => param(m[1] ?? ''));
      for (const step of steps) {
        ops.push({
          path: `${prefix}/providers/Microsoft.Authorization/${type}${step.suffix}`,
          parameters: [...scopeParams, ...step.params.map(param)],
          method: step.method,
          resourceType: type,
          apiVersions: resource.apiVersions,
          summary: `${type}: ${step.summary}`,
          collection: step.collection === true,
          ...(step.body ? { body: step.body } : {}),
        });
      }
    }
  }
  return ops;
}
