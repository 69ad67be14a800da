import { isLive, type Schedule, type Slot } from '../../domain/schedules';
import { type Target, targetKey } from '../../domain/target';
import type { Grant } from '../../ports/access';
import type { AlertRepository } from '../../ports/alerts';
import type { BreakGlassAccounts } from '../../ports/breakGlass';
import type { DirectoryPrincipal, RoleDefinition } from '../../ports/directory';
import type { SignInLogs } from '../../ports/signIns';
import type { ScheduleDeps } from '../requestContext';

/** What raising an incident needs: PIM's schedules and the directory (its event and audit name them), and the alerts' store. */
export interface IncidentDeps extends ScheduleDeps {
  alertRepository: AlertRepository;
}

/** What the alerts read: PIM's schedules and policies, the directory, its sign-in logs, and their own store. */
export interface AlertDeps extends IncidentDeps {
  signIns: SignInLogs;
  breakGlass: BreakGlassAccounts;
}

/** Global Administrator's template id (the same in every tenant). */
export const GLOBAL_ADMIN = '62e90394-69f5-4237-9190-012177145e10';

/**
 * What one scan looks at, read once for all alerts: the live slots (every live eligibility and
 * assignment, not their history), the directory's role assignments (and the members or role
 * assignments of the groups and Azure scopes PIM governs), the role catalog and the break-glass
 * list. People are looked up once each.
 */
export interface World {
  now: Date;
  assignments: Schedule[];
  eligibilities: Schedule[];
  /** Directory role assignments as they exist in the directory. */
  directoryGrants: Grant[];
  /** Grants of the groups and Azure scopes PIM governs (for the outside-PIM check). */
  governedGrants: Grant[];
  roles: Map<string, RoleDefinition>;
  breakGlass: Set<string>;
  person(id: string): Promise<DirectoryPrincipal | undefined>;
  /**
   * The activations a principal made, ended ones included (their partition holds their history):
   * read once per principal and scan, however many of their eligibilities the checks look at.
   */
  activations(principalId: string): Promise<Schedule[]>;
}

export async function readWorld(deps: AlertDeps): Promise<World> {
  const [slots, eligibilitySlots, directoryGrants, roles, breakGlass] = await Promise.all([
    deps.schedules.listSlots('assignment'),
    deps.schedules.listSlots('eligibility'),
    deps.access.of('directoryRole').listGrants(),
    deps.directory.listRoleDefinitions(),
    deps.breakGlass.list(),
  ]);
  const governed = { group: new Map<string, Target>(), azureRole: new Map<string, Target>() };
  for (const s of [...slots, ...eligibilitySlots]) {
    if (s.target.kind !== 'directoryRole') governed[s.target.kind].set(targetKey(s.target), s.target);
  }
  const governedGrants: Grant[] = [];
  for (const [kind, targets] of Object.entries(governed) as Array<[keyof typeof governed, Map<string, Target>]>) {
    if (targets.size > 0) governedGrants.push(...(await deps.access.of(kind).listGrants({ targets: [...targets.values()] })));
  }
  const people = new Map<string, Promise<DirectoryPrincipal | undefined>>();
  const activations = new Map<string, Promise<Schedule[]>>();
  return {
    now: deps.clock.now(),
    assignments: slots,
    eligibilities: eligibilitySlots.filter(isLive),
    directoryGrants,
    governedGrants,
    roles: new Map(roles.map((r) => [r.id, r])),
    breakGlass: new Set(breakGlass.map((a) => a.id.toLowerCase())),
    person(id) {
      let found = people.get(id);
      if (!found) {
        found = deps.directory.getPrincipal(id);
        people.set(id, found);
      }
      return found;
    },
    activations(principalId) {
      let found = activations.get(principalId);
      if (!found) {
        found = activationsOf(deps, principalId);
        activations.set(principalId, found);
      }
      return found;
    },
  };
}

export const isBreakGlass = (world: World, principalId: string) => world.breakGlass.has(principalId.toLowerCase());

/** Who holds which directory role now, through PIM (eligible or active) or the directory; break-glass accounts left out. */
export interface RoleHolding {
  principalId: string;
  roleDefinitionId: string;
  /** The earliest PIM schedule behind it; null when only the directory knows it. */
  createdDateTime: string | null;
  eligible: boolean;
}

export function directoryRoleHoldings(world: World): RoleHolding[] {
  const byPair = new Map<string, RoleHolding>();
  const add = (principalId: string, roleDefinitionId: string, createdDateTime: string | null, eligible: boolean) => {
    if (isBreakGlass(world, principalId)) return;
    const key = `${principalId.toLowerCase()}|${roleDefinitionId}`;
    const current = byPair.get(key);
    if (!current) {
      byPair.set(key, { principalId, roleDefinitionId, createdDateTime, eligible });
      return;
    }
    const earlier = !current.createdDateTime || (createdDateTime !== null && createdDateTime < current.createdDateTime) ? createdDateTime : current.createdDateTime;
    byPair.set(key, { ...current, createdDateTime: earlier, eligible: current.eligible || eligible });
  };
  for (const s of [...world.assignments.filter(isLive), ...world.eligibilities]) {
    if (s.target.kind === 'directoryRole') add(s.principalId, s.target.roleDefinitionId, s.createdDateTime, s.kind === 'eligibility');
  }
  for (const g of world.directoryGrants) {
    if (g.target.kind === 'directoryRole') add(g.principalId, g.target.roleDefinitionId, null, false);
  }
  return [...byPair.values()];
}

/** The Graph fields naming an incident's person. */
export async function assigneeFields(world: World, principalId: string) {
  const p = await world.person(principalId);
  return { assigneeId: principalId, assigneeDisplayName: p?.displayName ?? null, assigneeUserPrincipalName: p?.userPrincipalName ?? null };
}

/** The Graph fields naming an incident's role. */
export function roleFields(world: World, roleDefinitionId: string) {
  const role = world.roles.get(roleDefinitionId);
  return { roleDefinitionId, roleDisplayName: role?.displayName ?? null, roleTemplateId: role?.templateId ?? roleDefinitionId };
}

export const slotKey = (s: Slot) => `${s.principalId}|${targetKey(s.target)}`;

/** The directory-role activations a principal made that took effect (live or ended). */
async function activationsOf(deps: AlertDeps, principalId: string): Promise<Schedule[]> {
  const schedules = await deps.schedules.schedulesOf('assignment', principalId);
  return schedules.filter((s) => s.assignmentType === 'Activated' && s.target.kind === 'directoryRole' && ['Provisioned', 'Expired', 'Revoked'].includes(s.status));
}
