import { MIN_BEFORE_DEACTIVATION_MS } from '../domain/activation';
import { scheduleIdFor, siblingId } from './ids';
import { type GrantCondition, sameCondition } from '../domain/condition';
import { badRequest, breakGlassProtected, conflict, DomainError, forbidden, mfaRequired } from '../domain/errors';
import type { EnablementRule, ExpirationRule } from '../domain/policy/types';
import { moveRequest } from '../domain/requestState';
import {
  isInEffect,
  isLive,
  type RequestAction,
  resolveWindow,
  type Schedule,
  type ScheduleKind,
  type ScheduleRequest,
  type Slot,
  STALLED_AFTER_MS,
} from '../domain/schedules';
import type { Caller } from '../domain/caller';
import { afterCommit } from './afterCommit';
import { activate } from './activation';
import type { Versioned } from '../ports/repository';
import type { WrittenVersions } from '../ports/schedules';
import { auditRecord } from './audit';
import { domainEvent } from './events';
import { alreadyInDirectory, revokeUnlessNeeded, settleAudit, settleSchedule } from './settleSchedule';
import type { AuditRecord } from '../ports/audit';
import { keepForEvents, policyFor } from './policies';
import { checkTarget } from './targets';
import { revokeSessionsWithRemoval } from './sessionRevocation';
import { sameTarget, scopeOf, type Target } from '../domain/target';
import { type ActionContext, assignmentExists, NAMES, newRequest, requirePolicy, type ScheduleDeps, targets } from './requestContext';
import { parseRequestBody, type RequestBody, type TargetBody } from './requestBody';

export type { ActionContext, ScheduleDeps } from './requestContext';

/** Entra lets admins extend a time-bound assignment in its last 14 days. */
const EXTEND_WINDOW_MS = 14 * 86_400_000;
/** ...and renew one up to 90 days after it expired. */
const RENEW_WINDOW_MS = 90 * 86_400_000;

/**
 * Handles POST roleEligibilityScheduleRequests / roleAssignmentScheduleRequests for the admin
 * actions (assign, update, remove, extend, renew) and a user's selfDeactivate of an
 * eligibility. Everything is checked before anything is written; a request that fails
 * changes nothing.
 */
export async function submitScheduleRequest<F>(
  deps: ScheduleDeps,
  kind: ScheduleKind,
  caller: Caller,
  rawBody: unknown,
  correlationId: string,
  surface: TargetBody<F>,
): Promise<ScheduleRequest> {
  const body = parseRequestBody(rawBody, surface);
  authorize(kind, caller, body);
  const roleName = await checkTarget(deps, body.target, body.condition ?? null);
  const principal = await deps.directory.getPrincipal(body.principalId);
  if (!principal) throw badRequest(`principalId '${body.principalId}' is not a user or group in this directory.`, 'InvalidPrincipal');
  if (principal.kind === 'group' && body.target.kind === 'directoryRole' && !(await deps.directory.getGroup(principal.id))?.isAssignableToRole) {
    // Why: Entra lets only role-assignable groups (isAssignableToRole, set at creation) hold directory roles.
    throw badRequest(`Group '${principal.displayName}' is not role-assignable; only groups created with isAssignableToRole can be eligible for or hold directory roles.`, 'InvalidPrincipal');
  }
  // Removals, deactivations and asks check no policy rule: they do not read the policy.
  const policy = RULELESS_ACTIONS.includes(body.action) ? null : (await policyFor(deps, body.target)).value;
  // Why: the events this request causes are read by this process's consumers with the policy (mail, webhooks); just read, it saves them a read.
  if (policy) keepForEvents(body.target, policy);
  // The workflow (or another admin) may change the slot between our read and our write: then
  // the action is decided again on what is stored now, a few times, before answering 409.
  for (let attempt = 1; ; attempt++) {
    const now = deps.clock.now();
    // The slot's live schedule and, for an activation, the eligibilities that cover it: point reads, read at once.
    // A change of a live schedule writes at the version it read: the first try may take it as
    // this process last wrote it (a stale one fails the write, and the next try reads).
    const cached = attempt === 1 && !body.isValidationOnly && CHANGING_ACTIONS.includes(body.action);
    const [live, covering] = await Promise.all([
      deps.schedules.liveInSlot(kind, body, { cached }),
      body.action === 'selfActivate' ? eligibilitiesCovering(deps, body) : Promise.resolve([]),
    ]);
    const context: ActionContext = { deps, kind, caller, body, policy, now, live, covering, correlationId, roleName, principalName: principal.displayName, principalKind: principal.kind };
    try {
      return await runAction(context);
    } catch (error) {
      // Why: an answer decided on a kept copy (not written) is decided again on the stored state.
      const again = error instanceof DomainError && (error.code === 'ConcurrentModification' || cached);
      if (!again || attempt >= MAX_ATTEMPTS) throw error;
    }
  }
}

const MAX_ATTEMPTS = 4;

/** Actions that change the slot's live schedule, at the version they found it at. */
const CHANGING_ACTIONS: readonly RequestAction[] = ['adminRemove', 'selfDeactivate', 'adminUpdate', 'adminExtend'];

/**
 * The target's scope and every scope above it, nearest first. An Azure scope's management
 * groups are known only to Azure; the other kinds' scopes name their ancestors themselves.
 */
async function scopesCovering(deps: ScheduleDeps, target: Target): Promise<string[] | undefined> {
  if (target.kind !== 'azureRole' || !deps.azure) return undefined;
  const above = await deps.azure.ancestorsOf(target.scope);
  return above === undefined ? undefined : [target.scope, ...above];
}

/**
 * The live eligibilities that let the principal activate the target: their own (at its scope
 * or above), else, for a directory role, one held by a role-assignable group they belong to
 * now (eligibility through group membership). The principal's own is read first, so the
 * common case costs no directory call.
 */
async function eligibilitiesCovering(deps: ScheduleDeps, slot: Slot): Promise<Array<Versioned<Schedule>>> {
  const own = await deps.schedules.liveCovering('eligibility', slot, await scopesCovering(deps, slot.target));
  if (own.some((s) => s.value.status === 'Provisioned') || slot.target.kind !== 'directoryRole') return own;
  const groups = await deps.directory.groupsOf(slot.principalId);
  const viaGroups = await Promise.all(groups.map((groupId) => deps.schedules.liveCovering('eligibility', { principalId: groupId, target: slot.target })));
  return [...own, ...viaGroups.flat().map((s) => ({ ...s, value: { ...s.value, memberType: 'Group' as const } }))];
}

const RULELESS_ACTIONS: readonly RequestAction[] = ['adminRemove', 'selfDeactivate', 'selfExtend', 'selfRenew'];

async function runAction(context: ActionContext): Promise<ScheduleRequest> {
  const { body, kind } = context;
  switch (body.action) {
    case 'adminAssign':
      return assign(context);
    case 'adminRenew':
      return renew(context);
    case 'adminUpdate':
      return update(context);
    case 'adminExtend':
      return extend(context);
    case 'adminRemove':
    case 'selfDeactivate':
      return remove(context);
    case 'selfActivate':
      if (kind === 'assignment') return activate(context);
      throw badRequest('selfActivate is not valid for eligibility requests; activate through roleAssignmentScheduleRequests.', 'InvalidRequestAction');
    case 'selfExtend':
    case 'selfRenew':
      return askAdmin(context);
    default: {
      const never: never = body.action;
      throw badRequest(`Unknown action ${String(never)}.`);
    }
  }
}

function authorize(kind: ScheduleKind, caller: Caller, body: RequestBody): void {
  if (body.action.startsWith('admin')) {
    // Why: only PIM administrators may hand out or take away privileged roles.
    if (!caller.isAdmin) throw forbidden(`Only PIM administrators can ${body.action} ${NAMES[kind].noun}s.`);
    return;
  }
  // Why: a user acts on their own assignments only, whatever principalId the body names.
  if (body.principalId !== caller.oid) throw forbidden(`${body.action} acts on your own assignments only: principalId must be your object id.`);
}

function rules(ctx: ActionContext): { expiration: ExpirationRule; enablement: EnablementRule } {
  const level = ctx.kind === 'eligibility' ? 'Eligibility' : 'Assignment';
  const policy = requirePolicy(ctx);
  const expiration = policy.rules.find((r) => r.id === `Expiration_Admin_${level}`);
  const enablement = policy.rules.find((r) => r.id === `Enablement_Admin_${level}`);
  if (expiration?.['@odata.type'] !== '#microsoft.graph.unifiedRoleManagementPolicyExpirationRule' || enablement?.['@odata.type'] !== '#microsoft.graph.unifiedRoleManagementPolicyEnablementRule') {
    throw new Error(`Policy ${policy.id} lacks its admin ${level} rules.`);
  }
  return { expiration, enablement };
}

/** Justification, ticket and MFA, as the role's admin-side enablement rule asks. */
function checkEnablement(ctx: ActionContext, enablement: EnablementRule): void {
  const failures: string[] = [];
  if (enablement.enabledRules.includes('Justification') && !ctx.body.justification) failures.push('Justification');
  if (enablement.enabledRules.includes('Ticketing') && !ctx.body.ticketInfo.ticketNumber) failures.push('Ticketing');
  if (failures.length > 0) {
    throw new DomainError(
      'RoleAssignmentRequestPolicyValidationFailed',
      `The following policy rules failed: ${failures.join(', ')}. ${failures.includes('Justification') ? 'Give a justification. ' : ''}${failures.includes('Ticketing') ? 'Give ticketInfo.ticketNumber.' : ''}`.trim(),
      400,
    );
  }
  if (enablement.enabledRules.includes('MultiFactorAuthentication') && !ctx.caller.amr.includes('mfa')) {
    throw mfaRequired(`This role's policy: ${NAMES[ctx.kind].noun}s`);
  }
}

async function assign(ctx: ActionContext): Promise<ScheduleRequest> {
  const { expiration, enablement } = rules(ctx);
  const window = resolveWindow(ctx.body.scheduleInfo, expiration, ctx.now, `${NAMES[ctx.kind].noun}s`);
  checkEnablement(ctx, enablement);
  if (ctx.live) throw assignmentExists(ctx);
  return createSchedule(ctx, window.start, window.end);
}

async function renew(ctx: ActionContext): Promise<ScheduleRequest> {
  if (ctx.live) throw badRequest(`The ${NAMES[ctx.kind].noun} has not expired; use adminExtend to lengthen it.`, 'RoleAssignmentExists');
  const expired = (await ctx.deps.schedules.schedulesOf(ctx.kind, ctx.body.principalId)).filter(
    (s) =>
      s.principalId === ctx.body.principalId &&
      sameTarget(s.target, ctx.body.target) &&
      s.status === 'Expired' &&
      s.endDateTime !== null &&
      ctx.now.getTime() - Date.parse(s.endDateTime) <= RENEW_WINDOW_MS,
  );
  if (expired.length === 0) throw badRequest(`There is no ${NAMES[ctx.kind].noun} that expired in the last 90 days to renew.`, 'RoleAssignmentDoesNotExist');
  const { expiration, enablement } = rules(ctx);
  const window = resolveWindow(ctx.body.scheduleInfo, expiration, ctx.now, `${NAMES[ctx.kind].noun}s`);
  checkEnablement(ctx, enablement);
  // Why: a renewal that names no condition renews what expired; dropping its condition would grant more than before.
  const latest = expired.reduce((a, b) => ((a.endDateTime ?? '') >= (b.endDateTime ?? '') ? a : b));
  const request = await createSchedule(ctx, window.start, window.end, ctx.body.condition !== undefined ? ctx.body.condition : (latest.condition ?? null));
  if (!ctx.body.isValidationOnly) await completeAsks(ctx, 'selfRenew');
  return request;
}

async function createSchedule(ctx: ActionContext, start: Date, end: Date | null, condition: GrantCondition | null = ctx.body.condition ?? null): Promise<ScheduleRequest> {
  const eligible = ctx.kind === 'eligibility';
  const schedule: Schedule = {
    id: scheduleIdFor(ctx.body),
    kind: ctx.kind,
    principalId: ctx.body.principalId,
    target: ctx.body.target,
    appScopeId: null,
    startDateTime: start.toISOString(),
    endDateTime: end?.toISOString() ?? null,
    // An active assignment is provisioned once the directory holds it (at its start).
    status: eligible ? 'Provisioned' : 'PendingProvisioning',
    memberType: 'Direct',
    assignmentType: eligible ? null : 'Assigned',
    createdUsing: '',
    createdDateTime: ctx.now.toISOString(),
    modifiedDateTime: ctx.now.toISOString(),
    roleAssignmentOriginId: null,
    // Why: a role someone assigned outside PIM must outlive this schedule.
    grantedByPim: eligible ? undefined : !(await alreadyInDirectory(ctx.deps, ctx.body, condition)),
    condition,
  };
  const startsLater = start.getTime() > ctx.now.getTime();
  const request = { ...newRequest(ctx, { type: 'scheduleCreated', kind: ctx.kind, startsLater }, start, end, schedule.id), id: ctx.body.requestId ?? siblingId(schedule.id), condition };
  schedule.createdUsing = request.id;
  if (ctx.body.isValidationOnly) return request;
  const assigned = await domainEvent(ctx.deps, eligible ? 'eligibility.assigned' : 'assignment.assigned', { slot: ctx.body, request, schedule, actor: ctx.caller, data: { scheduleId: schedule.id } });
  const audit = auditRecord({
    activity: `Add ${NAMES[ctx.kind].audit} to role in PIM completed (${end ? 'timebound' : 'permanent'})`,
    operationType: 'Assign',
    caller: ctx.caller,
    correlationId: ctx.correlationId,
    at: ctx.now,
    targets: targets(ctx, [
      { displayName: 'startDateTime', oldValue: null, newValue: schedule.startDateTime },
      { displayName: 'endDateTime', oldValue: null, newValue: schedule.endDateTime },
      ...(condition ? [{ displayName: 'condition', oldValue: null, newValue: condition.condition }] : []),
    ]),
    details: { requestId: request.id, scheduleId: schedule.id, justification: ctx.body.justification ?? undefined, ticketNumber: ctx.body.ticketInfo.ticketNumber ?? undefined },
  });
  if (!(await ctx.deps.schedules.create(schedule, request, { events: [assigned], audit: [audit] }))) throw assignmentExists(ctx);
  if (!eligible && !startsLater) {
    // If the directory is unreachable now, the reconcile timer grants it shortly.
    const synced = await afterCommit(ctx.correlationId, 'granting the assignment', () => settleSchedule(ctx.deps, schedule, ctx.correlationId));
    if (synced?.status === 'Provisioned') return { ...moveRequest(request, { type: 'provisioned' }), completedDateTime: ctx.now.toISOString() };
  }
  return request;
}

async function update(ctx: ActionContext): Promise<ScheduleRequest> {
  const live = requireLive(ctx);
  const { expiration, enablement } = rules(ctx);
  const window = resolveWindow(ctx.body.scheduleInfo, expiration, ctx.now, `${NAMES[ctx.kind].noun}s`);
  checkEnablement(ctx, enablement);
  return change(ctx, live, { startDateTime: window.start.toISOString(), endDateTime: window.end?.toISOString() ?? null, ...conditionPatch(ctx) }, 'Update', window.start, window.end);
}

/** An update or extension changes the condition only where the body gives one (null: clears it). */
function conditionPatch(ctx: ActionContext): Pick<Schedule, 'condition'> | Record<string, never> {
  return ctx.body.condition !== undefined ? { condition: ctx.body.condition } : {};
}

/**
 * selfExtend / selfRenew: the holder asks; an admin decides (by adminExtend / adminRenew of the
 * same assignment, which completes the ask). Entra takes extension asks in the last 14 days
 * and renewal asks up to 90 days after expiry; activations are not extended, but re-activated.
 */
async function askAdmin(ctx: ActionContext): Promise<ScheduleRequest> {
  const { body, deps } = ctx;
  const noun = NAMES[ctx.kind].noun;
  if (body.action === 'selfExtend') {
    const live = requireLive(ctx);
    if (live.value.assignmentType === 'Activated') throw badRequest('An activation is not extended; activate again when it ends.', 'InvalidRequestAction');
    if (live.value.endDateTime === null) throw badRequest(`Your ${noun} is permanent; there is nothing to extend.`);
    if (Date.parse(live.value.endDateTime) - ctx.now.getTime() > EXTEND_WINDOW_MS) {
      throw badRequest(`Your ${noun} ends ${live.value.endDateTime}; you can ask to extend it in its last 14 days.`);
    }
  } else {
    if (ctx.live) throw badRequest(`Your ${noun} has not expired; ask to extend it instead.`, 'RoleAssignmentExists');
    const expired = (await deps.schedules.schedulesOf(ctx.kind, body.principalId)).some(
      (s) => s.principalId === body.principalId && sameTarget(s.target, body.target) && s.status === 'Expired' && s.endDateTime !== null && ctx.now.getTime() - Date.parse(s.endDateTime) <= RENEW_WINDOW_MS,
    );
    if (!expired) throw badRequest(`You have no ${noun} that expired in the last 90 days to renew.`, 'RoleAssignmentDoesNotExist');
  }
  if (!body.justification) throw badRequest('Give a justification for the administrator who decides.', 'RoleAssignmentRequestPolicyValidationFailed');
  const request = {
    ...newRequest(ctx, { type: 'adminDecisionAsked' }, null, null, ctx.live?.value.id ?? null),
    completedDateTime: null,
    condition: body.condition ?? ctx.live?.value.condition ?? null,
  };
  if (body.isValidationOnly) return request;
  const audit = auditRecord({
    activity: `${body.action === 'selfExtend' ? 'Extend' : 'Renew'} ${NAMES[ctx.kind].audit} of role requested in PIM`,
    operationType: 'Other',
    caller: ctx.caller,
    correlationId: ctx.correlationId,
    at: ctx.now,
    targets: targets(ctx, []),
    details: { requestId: request.id, justification: body.justification },
  });
  await deps.schedules.saveRequest(request, { events: [await domainEvent(deps, 'request.created', { slot: body, request, actor: ctx.caller })], audit: [audit] });
  return request;
}

/** An admin's extend or renew answers the holder's pending ask for the same assignment. */
async function completeAsks(ctx: ActionContext, asked: 'selfExtend' | 'selfRenew'): Promise<void> {
  const pending = (await ctx.deps.schedules.requestsOf(ctx.kind, ctx.body.principalId)).filter(
    (r) => r.action === asked && r.status === 'PendingAdminDecision' && r.principalId === ctx.body.principalId && sameTarget(r.target, ctx.body.target),
  );
  for (const r of pending) await ctx.deps.schedules.saveRequest({ ...moveRequest(r, { type: 'adminDecided' }), completedDateTime: ctx.now.toISOString() });
}

async function extend(ctx: ActionContext): Promise<ScheduleRequest> {
  const live = requireLive(ctx);
  if (live.value.endDateTime === null) throw badRequest(`The ${NAMES[ctx.kind].noun} is permanent; there is nothing to extend.`);
  if (Date.parse(live.value.endDateTime) - ctx.now.getTime() > EXTEND_WINDOW_MS) {
    throw badRequest(`The ${NAMES[ctx.kind].noun} ends ${live.value.endDateTime}; it can be extended only in its last 14 days.`);
  }
  const { expiration, enablement } = rules(ctx);
  const window = resolveWindow({ ...ctx.body.scheduleInfo, startDateTime: ctx.now.toISOString() }, expiration, ctx.now, `${NAMES[ctx.kind].noun}s`);
  checkEnablement(ctx, enablement);
  if (window.end !== null && window.end.getTime() <= Date.parse(live.value.endDateTime)) {
    throw badRequest(`The new end must be later than the current end ${live.value.endDateTime}.`);
  }
  const start = new Date(live.value.startDateTime);
  const request = await change(ctx, live, { endDateTime: window.end?.toISOString() ?? null, ...conditionPatch(ctx) }, 'Update', start, window.end);
  if (!ctx.body.isValidationOnly) await completeAsks(ctx, 'selfExtend');
  return request;
}

async function remove(ctx: ActionContext): Promise<ScheduleRequest> {
  const live = requireLive(ctx);
  // Why: an emergency access account keeps its access; an admin takes it off the break-glass list first.
  if (ctx.body.action === 'adminRemove' && (await ctx.deps.breakGlass?.isBreakGlass(ctx.body.principalId))) throw breakGlassProtected(ctx.body.principalId);
  if (ctx.body.action === 'selfDeactivate' && ctx.kind === 'assignment') {
    if (live.value.assignmentType !== 'Activated') {
      throw badRequest('Only activated roles can be deactivated by their holder; an administrator removes assigned ones.', 'InvalidRequestAction');
    }
    // Entra refuses a deactivation in the first 5 minutes of an activation; so do we.
    if (ctx.now.getTime() - Date.parse(live.value.startDateTime) < MIN_BEFORE_DEACTIVATION_MS) {
      throw badRequest('An activation can be deactivated only after its first 5 minutes.', 'ActiveDurationTooShort');
    }
  }
  const start = new Date(live.value.startDateTime);
  return change(ctx, live, { status: 'Revoked', endDateTime: ctx.now.toISOString() }, 'Unassign', start, ctx.now);
}

async function change(
  ctx: ActionContext,
  live: Versioned<Schedule>,
  patch: Partial<Schedule>,
  operationType: 'Update' | 'Unassign',
  start: Date,
  end: Date | null,
): Promise<ScheduleRequest> {
  let next: Schedule = { ...live.value, ...patch, modifiedDateTime: ctx.now.toISOString() };
  const request = { ...newRequest(ctx, { type: 'scheduleChanged', ended: !isLive(next) }, start, end, next.id), condition: next.condition ?? null };
  const conditionChanged = !sameCondition(live.value.condition, next.condition);
  // Only a grant that stays in effect is changed in place; one the change ends or postpones is revoked by the settlement below.
  const regrant = conditionChanged && ctx.kind === 'assignment' && isInEffect(next, ctx.now) && live.value.roleAssignmentOriginId !== null;
  // Why: PIM never changes an assignment it did not make (it rides one made outside PIM); changing its condition would be changing it.
  if (regrant && live.value.grantedByPim === false) {
    throw conflict(`The role assignment this ${NAMES[ctx.kind].noun} relies on was made outside PIM; PIM does not change its condition. Change it where it was made.`, 'RoleAssignmentExists');
  }
  if (ctx.body.isValidationOnly) return request;
  if (regrant) {
    // In Azure first: a schedule recorded with a condition its assignment does not carry would misstate what is granted.
    // Put again under PIM's name, the assignment is updated in place; the new schedule keeps holding it.
    const grant = await ctx.deps.access.of(next.target.kind).grant(next.principalId, next.target, { condition: next.condition ?? null });
    next = { ...next, roleAssignmentOriginId: grant.id };
  }
  const removing = operationType === 'Unassign';
  const type = removing
    ? ctx.body.action === 'selfDeactivate' && next.assignmentType === 'Activated' ? 'assignment.deactivated' : ctx.kind === 'eligibility' ? 'eligibility.removed' : 'assignment.removed'
    : ctx.kind === 'eligibility' ? 'eligibility.updated' : 'assignment.updated';
  const event = await domainEvent(ctx.deps, type, { slot: ctx.body, request, schedule: next, actor: ctx.caller, data: { scheduleId: next.id, previousEndDateTime: live.value.endDateTime } });
  const audit = auditRecord({
    activity: removing ? `Remove ${NAMES[ctx.kind].audit} from role in PIM completed` : `Update ${NAMES[ctx.kind].audit} of role in PIM completed`,
    operationType,
    caller: ctx.caller,
    correlationId: ctx.correlationId,
    at: ctx.now,
    targets: targets(ctx, [
      { displayName: 'status', oldValue: live.value.status, newValue: next.status },
      { displayName: 'startDateTime', oldValue: live.value.startDateTime, newValue: next.startDateTime },
      { displayName: 'endDateTime', oldValue: live.value.endDateTime, newValue: next.endDateTime },
      ...(conditionChanged ? [{ displayName: 'condition', oldValue: live.value.condition?.condition ?? null, newValue: next.condition?.condition ?? null }] : []),
    ]),
    details: { requestId: request.id, scheduleId: next.id, action: ctx.body.action, justification: ctx.body.justification ?? undefined },
  });
  // A removal of a role the directory holds for it: taken back first, and recorded in the same write.
  const revoked = removing && ctx.kind === 'assignment' && next.roleAssignmentOriginId !== null ? await revokeFirst(ctx, next) : undefined;
  const committed = revoked?.schedule ?? next;
  // Why: with the role out of the directory, sessions revoked now come back without it; the
  // revocation (if the early end asks for it) is recorded in this same write. Not revoked here
  // (not asked, or the call failed), the event goes out unmarked and the sessions consumer decides.
  const sessions = revoked ? await revokeSessionsWithRemoval(ctx.deps, event, { kind: ctx.principalKind, displayName: ctx.principalName }, ctx.correlationId) : undefined;
  // The change and its settlement (a removal's revocation, the sessions') go to the audit chain in one append.
  const settled = await ctx.deps.schedules.together(async () => {
    let written: WrittenVersions = {};
    const changes = { events: [sessions?.event ?? event], audit: [audit, ...(revoked?.audit ?? []), ...(sessions ? [sessions.audit] : [])] };
    await ctx.deps.schedules.update(committed, live.etag, request, changes, { onWritten: (v) => (written = v) });
    if (ctx.kind !== 'assignment') return undefined;
    if (revoked) return committed;
    // Why: a grant may be landing right now that the schedule does not record yet; an ended
    // schedule takes the role back whatever its record says (the directory is the reality).
    // One that records its grant is taken back by the settlement below.
    if (!isLive(next) && next.roleAssignmentOriginId === null) await afterCommit(ctx.correlationId, 'revoking the ended assignment', () => revokeUnlessNeeded(ctx.deps, next, ctx.now));
    // Ended, it is settled on its own row as just written (no read first): the role is taken
    // back (the directory refused before the commit); live, on its slot as just written.
    const step = isLive(next) ? 'settling the changed assignment' : 'revoking the ended assignment';
    return afterCommit(ctx.correlationId, step, () => settleSchedule(ctx.deps, next, ctx.correlationId, undefined, written.version));
  });
  if (ctx.kind === 'assignment') {
    // The activation's workflow waits for its end; tell it the end moved (or came, and whether it is all done).
    if (next.assignmentType === 'Activated') {
      const done = settled !== undefined && !isLive(settled) && settled.roleAssignmentOriginId === null;
      await ctx.deps.workflow?.notify(next.createdUsing, isLive(next) ? 'extended' : 'stop', done ? { settled: true } : undefined);
    }
  }
  return request;
}

/**
 * Takes an ended assignment's role back in the directory before its removal is committed, so
 * the commit records the removal and the revocation together (one write, one audit append, and
 * nothing left for the workflow). No other schedule of the slot relies on the grant: the slot
 * holds this one, live, until the commit (which checks its version). The reconcile pass is
 * asked to look first: a process that dies between the directory and the commit leaves the
 * schedule recorded as held but missing there, and the pass puts it back (restoreMissingGrant).
 * Undefined when the directory refused: the removal is then committed first and the role taken
 * back after it, like any settlement.
 */
async function revokeFirst(ctx: ActionContext, ended: Schedule): Promise<{ schedule: Schedule; audit: AuditRecord[] } | undefined> {
  await ctx.deps.schedules.lookAt(ended, new Date(ctx.now.getTime() + STALLED_AFTER_MS));
  try {
    // Why: an assignment PIM found already in place (made outside PIM) is not PIM's to remove.
    if (ended.grantedByPim !== false) await ctx.deps.access.of(ended.target.kind).revoke(ended.principalId, ended.target);
  } catch (error) {
    console.warn(`Request ${ctx.correlationId}: taking the role back before recording its removal failed; it is recorded first and taken back after. ${error instanceof Error ? error.message : String(error)}`);
    return undefined;
  }
  const schedule = { ...ended, roleAssignmentOriginId: null };
  return { schedule, audit: await settleAudit(ctx.deps, ended, schedule, ctx.correlationId, ctx.now) };
}

function requireLive(ctx: ActionContext): Versioned<Schedule> {
  if (!ctx.live) {
    throw badRequest(
      `${ctx.principalName} has no ${NAMES[ctx.kind].noun} to ${ctx.roleName} at scope '${scopeOf(ctx.body.target)}'.`,
      'RoleAssignmentDoesNotExist',
    );
  }
  return ctx.live;
}

