import { randomUUID } from 'node:crypto';
import type { Caller } from '../domain/caller';
import { badRequest, type DomainError } from '../domain/errors';
import type { RolePolicy } from '../domain/policy/types';
import { advance, newRequestState, type RequestEvent } from '../domain/requestState';
import type { Schedule, ScheduleKind, ScheduleRequest } from '../domain/schedules';
import type { AccessTargets } from '../ports/access';
import type { ApprovalRepository } from '../ports/approvals';
import type { AzureResources } from '../ports/azure';
import type { BreakGlassAccounts } from '../ports/breakGlass';
import type { DirectoryPrincipal } from '../ports/principals';
import type { Versioned } from '../ports/repository';
import type { ScheduleRepository } from '../ports/schedules';
import type { ActivationWorkflow } from '../ports/workflow';
import type { PolicyDeps } from './policies';
import type { RequestBody } from './requestBody';
import { targetResource } from './targets';
import { scopeOf } from '../domain/target';

/**
 * What the schedule-request use cases share (the admin actions in scheduleRequests.ts and
 * selfActivate in activation.ts): their dependencies, the context of one action, and the
 * request, error and audit targets they build from it. Its own module, so neither use case
 * imports the other.
 */

export interface ScheduleDeps extends PolicyDeps {
  schedules: ScheduleRepository;
  approvals: ApprovalRepository;
  /** Where access is granted and removed, one adapter per kind of target. */
  access: AccessTargets;
  /** Present where requests may start or wake activation workflows (HTTP with a durable client). */
  workflow?: ActivationWorkflow;
  /** Azure Resource Manager, where Azure roles are served. */
  azure?: AzureResources;
  /** The emergency access accounts PIM never takes access from (absent: none). */
  breakGlass?: BreakGlassAccounts;
}

export const NAMES: Record<ScheduleKind, { noun: string; audit: string }> = {
  eligibility: { noun: 'eligible assignment', audit: 'eligible member' },
  assignment: { noun: 'active assignment', audit: 'member' },
};

/** One action being decided: what was asked, by whom, and what is stored now. */
export interface ActionContext {
  deps: ScheduleDeps;
  kind: ScheduleKind;
  caller: Caller;
  body: RequestBody;
  /** The target's policy; null for actions that check no rule (removal, deactivation, asks). */
  policy: RolePolicy | null;
  now: Date;
  /** The slot's live schedule, if any. */
  live: Versioned<Schedule> | undefined;
  /** For an activation: the live eligibilities that cover its target (same scope or an ancestor). */
  covering: Array<Versioned<Schedule>>;
  correlationId: string;
  roleName: string;
  principalName: string;
  /** What the principal is (a user, a group, a service principal), as the directory said. */
  principalKind: DirectoryPrincipal['kind'];
}

/** The policy of an action that checks rules. */
export function requirePolicy(ctx: ActionContext): RolePolicy {
  if (!ctx.policy) throw new Error(`The ${ctx.body.action} action was decided without its policy.`);
  return ctx.policy;
}

/** A new request row for the action, in the status the request state machine gives a new request on `created`. */
export function newRequest(ctx: ActionContext, created: RequestEvent, start: Date | null, end: Date | null, targetScheduleId: string | null): ScheduleRequest {
  const { body } = ctx;
  const { status } = advance(newRequestState(ctx.caller.oid), created);
  return {
    // ARM's client names its request (the {name} in the PUT); Graph's does not.
    id: body.requestId ?? randomUUID(),
    kind: ctx.kind,
    action: body.action,
    principalId: body.principalId,
    target: body.target,
    appScopeId: null,
    justification: body.justification,
    ticketInfo: body.ticketInfo,
    scheduleInfo: {
      startDateTime: (start ?? ctx.now).toISOString(),
      expiration: end
        ? { type: body.scheduleInfo.expiration.type === 'afterDuration' ? 'afterDuration' : 'afterDateTime', endDateTime: end.toISOString(), duration: body.scheduleInfo.expiration.duration }
        : { type: 'noExpiration', endDateTime: null, duration: null },
    },
    status,
    createdDateTime: ctx.now.toISOString(),
    completedDateTime: status === 'Provisioned' || status === 'Revoked' ? ctx.now.toISOString() : null,
    createdBy: { user: { id: ctx.caller.oid, displayName: ctx.caller.name ?? null } },
    approvalId: null,
    targetScheduleId,
    isValidationOnly: body.isValidationOnly,
    // The condition asked; actions that keep or inherit one (update, activation) put the one their grant carries.
    condition: body.condition ?? null,
  };
}

export function assignmentExists(ctx: ActionContext): DomainError {
  return badRequest(
    `${ctx.principalName} already has an ${NAMES[ctx.kind].noun} to ${ctx.roleName} at scope '${scopeOf(ctx.body.target)}'; use adminUpdate or adminExtend to change it.`,
    'RoleAssignmentExists',
  );
}

export function targets(ctx: ActionContext, modified: Array<{ displayName: string; oldValue: string | null; newValue: string | null }>) {
  return [
    { id: ctx.body.principalId, displayName: ctx.principalName, type: 'User' as const, modifiedProperties: [] },
    targetResource(ctx.body.target, ctx.roleName, modified),
  ];
}
