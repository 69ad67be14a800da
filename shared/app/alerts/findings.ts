import { type AlertName, type AlertSettings, defaultSettings, durationOf } from '../../domain/alerts';
import { isLive, type Schedule } from '../../domain/schedules';
import { directoryRole, type Target } from '../../domain/target';
import type { Grant } from '../../ports/access';
import { policyFor } from '../policies';
import { needsSettling } from '../settleSchedule';
import { targetFields } from '../targets';
import { type AlertDeps, assigneeFields, directoryRoleHoldings, GLOBAL_ADMIN, isBreakGlass, roleFields, slotKey, type World } from './world';

/** One incident a scan found: its id (stable across scans), what it is about, and its Graph fields. */
export interface Finding {
  id: string;
  principalId: string | null;
  target: Target;
  fields: Record<string, string | number | boolean | null>;
}

type Finder = (deps: AlertDeps, world: World, settings: AlertSettings) => Promise<Finding[]>;

const DAY_MS = 86_400_000;
/** How far back the renewal check looks for activations. */
const RENEWAL_LOOKBACK_MS = 30 * DAY_MS;

/**
 * Each scanned alert's check. The break-glass sign-in alert is not here: the sign-in watcher
 * raises its incidents as sign-ins appear, and a scan never resolves them.
 */
export const FINDERS: Partial<Record<AlertName, Finder>> = {
  RolesAssignedOutsidePimAlert: rolesAssignedOutsidePim,
  TooManyGlobalAdminsAssignedToTenantAlert: tooManyGlobalAdmins,
  NoMfaOnRoleActivationAlert: noMfaOnActivation,
  StaleSignInAlert: staleSignIns,
  RedundantAssignmentAlert: unusedRoles,
  SequentialActivationRenewalsAlert: sequentialRenewals,
  TooFewBreakGlassAccountsAlert: tooFewBreakGlassAccounts,
  // Raised by the reconcile pass as removals fail (revocationFailed.ts); a scan only resolves them.
  RevocationFailedAlert: revocationsStillFailing,
};

/**
 * Each grant no PIM schedule accounts for: every directory role assignment, and the members,
 * owners and Azure role assignments of what PIM governs. Break-glass accounts are meant to hold
 * Global Administrator outside PIM's schedules, so theirs are not reported.
 */
async function rolesAssignedOutsidePim(_deps: AlertDeps, world: World): Promise<Finding[]> {
  // PIM's own grants: any slot with a live schedule (a grant may be a moment ahead of its
  // record), or an ended one whose removal has not gone through yet (RevocationFailedAlert's
  // case, not this one). A grant PIM found already in place was made outside PIM.
  const pimSlots = new Set(world.assignments.filter((s) => s.grantedByPim !== false && (isLive(s) || s.roleAssignmentOriginId !== null)).map(slotKey));
  const outside = [...world.directoryGrants, ...world.governedGrants].filter((g: Grant) => !pimSlots.has(slotKey(g)) && !isBreakGlass(world, g.principalId));
  return Promise.all(
    outside.map(async (g) => ({
      id: g.id,
      principalId: g.principalId,
      target: g.target,
      fields: {
        ...(await assigneeFields(world, g.principalId)),
        ...(g.target.kind === 'directoryRole' ? roleFields(world, g.target.roleDefinitionId) : { roleDefinitionId: null, roleDisplayName: null, roleTemplateId: null }),
        assignmentCreatedDateTime: null,
        // PIM's extension: groups and Azure roles PIM governs are checked too.
        targetKind: g.target.kind,
        ...targetFields(g.target),
      },
    })),
  );
}

/** Raised when both thresholds are reached: the count of Global Administrators, and their share of all role assignments. */
async function tooManyGlobalAdmins(_deps: AlertDeps, world: World, settings: AlertSettings): Promise<Finding[]> {
  const defaults = defaultSettings('TooManyGlobalAdminsAssignedToTenantAlert');
  const countThreshold = settings.globalAdminCountThreshold ?? defaults.globalAdminCountThreshold ?? 3;
  const percentThreshold = settings.percentageOfGlobalAdminsOutOfRolesThreshold ?? defaults.percentageOfGlobalAdminsOutOfRolesThreshold ?? 10;
  const holdings = directoryRoleHoldings(world);
  const admins = holdings.filter((h) => h.roleDefinitionId === GLOBAL_ADMIN);
  const percentage = holdings.length === 0 ? 0 : Math.round((admins.length * 100) / holdings.length);
  if (admins.length < countThreshold || percentage < percentThreshold) return [];
  return Promise.all(admins.map(async (h) => ({ id: h.principalId, principalId: h.principalId, target: directoryRole(GLOBAL_ADMIN, '/'), fields: await assigneeFields(world, h.principalId) })));
}

/** Each directory role someone is eligible for whose activation asks for neither MFA nor an authentication context. */
async function noMfaOnActivation(deps: AlertDeps, world: World): Promise<Finding[]> {
  const roleIds = [...new Set(world.eligibilities.flatMap((s) => (s.target.kind === 'directoryRole' ? [s.target.roleDefinitionId] : [])))];
  const found: Finding[] = [];
  for (const roleDefinitionId of roleIds) {
    const target = directoryRole(roleDefinitionId, '/');
    const { value: policy } = await policyFor(deps, target);
    const enablement = policy.rules.find((r) => r.id === 'Enablement_EndUser_Assignment');
    const context = policy.rules.find((r) => r.id === 'AuthenticationContext_EndUser_Assignment');
    const mfa = enablement?.['@odata.type'] === '#microsoft.graph.unifiedRoleManagementPolicyEnablementRule' && enablement.enabledRules.includes('MultiFactorAuthentication');
    const authContext = context?.['@odata.type'] === '#microsoft.graph.unifiedRoleManagementPolicyAuthenticationContextRule' && context.isEnabled;
    if (!mfa && !authContext) found.push({ id: roleDefinitionId, principalId: null, target, fields: roleFields(world, roleDefinitionId) });
  }
  return found;
}

/**
 * Users in a privileged role (Graph's isPrivileged) who have not signed in, interactively or not,
 * for the configured days, and have held the role at least that long. Break-glass accounts are
 * meant to sit unused: they are watched for sign-ins instead.
 */
async function staleSignIns(deps: AlertDeps, world: World, settings: AlertSettings): Promise<Finding[]> {
  const window = durationOf('StaleSignInAlert', settings, 'duration');
  const cutoff = new Date(world.now.getTime() - window).toISOString();
  const found: Finding[] = [];
  const activity = new Map<string, Promise<string | null>>();
  const lastSignIn = (id: string) => {
    let last = activity.get(id);
    if (!last) {
      last = deps.signIns.activityOf(id).then((a) => [a?.lastSignInDateTime, a?.lastNonInteractiveSignInDateTime].filter((t): t is string => !!t).sort().at(-1) ?? null);
      activity.set(id, last);
    }
    return last;
  };
  for (const h of directoryRoleHoldings(world)) {
    if (!world.roles.get(h.roleDefinitionId)?.isPrivileged) continue;
    if (h.createdDateTime !== null && h.createdDateTime > cutoff) continue;
    if ((await world.person(h.principalId))?.kind !== 'user') continue;
    const last = await lastSignIn(h.principalId);
    if (last !== null && last > cutoff) continue;
    found.push({
      id: `${h.principalId}_${h.roleDefinitionId}`,
      principalId: h.principalId,
      target: directoryRole(h.roleDefinitionId, '/'),
      fields: { ...(await assigneeFields(world, h.principalId)), ...roleFields(world, h.roleDefinitionId), assignmentCreatedDateTime: h.createdDateTime, lastSignInDateTime: last },
    });
  }
  return found;
}

/** Eligible users of privileged roles who have not activated them within the configured days (and were eligible that long). */
async function unusedRoles(deps: AlertDeps, world: World, settings: AlertSettings): Promise<Finding[]> {
  const window = durationOf('RedundantAssignmentAlert', settings, 'duration');
  const cutoff = new Date(world.now.getTime() - window).toISOString();
  const found: Finding[] = [];
  for (const e of world.eligibilities) {
    if (e.target.kind !== 'directoryRole' || isBreakGlass(world, e.principalId) || !world.roles.get(e.target.roleDefinitionId)?.isPrivileged) continue;
    if (e.createdDateTime > cutoff) continue;
    const roleId = e.target.roleDefinitionId;
    const last = (await world.activations(e.principalId)).filter((a) => a.target.kind === 'directoryRole' && a.target.roleDefinitionId === roleId).map((a) => a.startDateTime).sort().at(-1) ?? null;
    if (last !== null && last > cutoff) continue;
    found.push({
      id: `${e.principalId}_${roleId}`,
      principalId: e.principalId,
      target: directoryRole(roleId, '/'),
      fields: { ...(await assigneeFields(world, e.principalId)), ...roleFields(world, roleId), assignmentCreatedDateTime: e.createdDateTime, lastActivationDateTime: last },
    });
  }
  return found;
}

/**
 * Runs of activations of one role by one user, each starting within the configured interval of
 * the previous one's end, at least the configured number long (in the last 30 days).
 */
async function sequentialRenewals(deps: AlertDeps, world: World, settings: AlertSettings): Promise<Finding[]> {
  const interval = durationOf('SequentialActivationRenewalsAlert', settings, 'timeIntervalBetweenActivations');
  const threshold = settings.sequentialActivationCounterThreshold ?? defaultSettings('SequentialActivationRenewalsAlert').sequentialActivationCounterThreshold ?? 10;
  const since = new Date(world.now.getTime() - RENEWAL_LOOKBACK_MS).toISOString();
  const principals = new Set(world.eligibilities.filter((e) => e.target.kind === 'directoryRole').map((e) => e.principalId));
  const found: Finding[] = [];
  for (const principalId of principals) {
    const byRole = new Map<string, Schedule[]>();
    for (const a of await world.activations(principalId)) {
      if (a.target.kind !== 'directoryRole' || a.startDateTime < since) continue;
      byRole.set(a.target.roleDefinitionId, [...(byRole.get(a.target.roleDefinitionId) ?? []), a]);
    }
    for (const [roleId, activations] of byRole) {
      for (const run of runsOf(activations, interval)) {
        if (run.length < threshold) continue;
        const first = run[0] as Schedule;
        const last = run.at(-1) as Schedule;
        found.push({
          id: `${principalId}_${roleId}_${first.startDateTime}`,
          principalId,
          target: directoryRole(roleId, '/'),
          fields: { ...(await assigneeFields(world, principalId)), ...roleFields(world, roleId), activationCount: run.length, sequenceStartDateTime: first.startDateTime, sequenceEndDateTime: last.endDateTime ?? last.startDateTime },
        });
      }
    }
  }
  return found;
}

/** Activations split where one starts more than `interval` after the previous one ended. */
function runsOf(activations: Schedule[], interval: number): Schedule[][] {
  const sorted = [...activations].sort((a, b) => a.startDateTime.localeCompare(b.startDateTime));
  const runs: Schedule[][] = [];
  let run: Schedule[] = [];
  for (const a of sorted) {
    const previous = run.at(-1);
    const gap = previous ? Date.parse(a.startDateTime) - Date.parse(previous.endDateTime ?? previous.startDateTime) : 0;
    if (previous && gap > interval) {
      runs.push(run);
      run = [];
    }
    run.push(a);
  }
  if (run.length > 0) runs.push(run);
  return runs;
}

/**
 * Fewer than two break-glass accounts hold Global Administrator permanently and actively (a
 * PIM assignment without end, or a directory assignment). Raised once the list names an
 * account: before that the feature is not in use, and the README says to set it up.
 */
async function tooFewBreakGlassAccounts(_deps: AlertDeps, world: World): Promise<Finding[]> {
  if (world.breakGlass.size === 0) return [];
  const holders = new Set<string>();
  for (const s of world.assignments) {
    if (s.target.kind === 'directoryRole' && s.target.roleDefinitionId === GLOBAL_ADMIN && s.target.directoryScopeId === '/' && isLive(s) && s.status === 'Provisioned' && s.assignmentType === 'Assigned' && s.endDateTime === null) holders.add(s.principalId.toLowerCase());
  }
  for (const g of world.directoryGrants) {
    if (g.target.kind === 'directoryRole' && g.target.roleDefinitionId === GLOBAL_ADMIN && g.target.directoryScopeId === '/') holders.add(g.principalId.toLowerCase());
  }
  const count = [...world.breakGlass].filter((id) => holders.has(id)).length;
  if (count >= 2) return [];
  return [{ id: 'tenant', principalId: null, target: directoryRole(GLOBAL_ADMIN, '/'), fields: { breakGlassAccountCount: world.breakGlass.size, permanentGlobalAdministratorCount: count } }];
}

/**
 * RevocationFailedAlert's incidents whose schedule still holds a role it should not (its removal
 * still failing); the rest are resolved. Each incident's schedule is a point read: the cost
 * follows the open incidents, not history.
 */
async function revocationsStillFailing(deps: AlertDeps, world: World): Promise<Finding[]> {
  const found: Finding[] = [];
  for (const incident of await deps.alertRepository.incidents('RevocationFailedAlert')) {
    const schedule = await deps.schedules.getSchedule('assignment', incident.id);
    if (!schedule || schedule.roleAssignmentOriginId === null || !needsSettling(schedule, world.now)) continue;
    found.push({ id: incident.id, principalId: schedule.principalId, target: schedule.target, fields: incident.fields });
  }
  return found;
}
