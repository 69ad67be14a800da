import type { RoleAssignment, RoleDefinition } from '@azure/arm-authorization';
import type { TokenCredential } from '@azure/identity';
import { canonicalAzureScope, parseAzureScope, roleDefinitionGuid, roleDefinitionIdAt, sameAzureScope } from '../../domain/azureScope';
import { grantsAtLeast, ROLE_ASSIGNMENT_CONDITION_VERSION } from '../../domain/condition';
import { conflict } from '../../domain/errors';
import type { AzureResources, AzureRoleAssignment, AzureRoleDefinition } from '../../ports/azure';
import { armClient, type ArmRetryOptions, isArmError } from './armClient';
import { ArmHierarchy, pathOf } from './armHierarchy';
import { roleAssignmentName } from './assignmentName';

export interface ArmResourcesOptions {
  /** e.g. https://management.azure.com, or devhost's stand-in. */
  baseUrl: string;
  /** The identity that calls ARM; by default the managed identity (`clientId`'s, else the system-assigned one). */
  credential?: TokenCredential;
  clientId?: string;
  /** How long one call (its retries and waits included) may take before it counts as failed; 30 s by default. */
  timeoutMs?: number;
  retry?: Partial<ArmRetryOptions>;
  /** How long the hierarchy (a scope's ancestors, a provider's API versions) is kept; 5 minutes by default. */
  hierarchyTtlMs?: number;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The AzureResources port over Azure Resource Manager: role definitions and role assignments
 * through the Authorization SDK (api-version 2022-04-01), the hierarchy through
 * Microsoft.Resources and Microsoft.Management, all over one pipeline whose retries honour
 * Retry-After up to a limit. PIM's own assignments have deterministic names (see
 * roleAssignmentName), which is how it tells them from assignments made outside PIM.
 */
export function armResources(options: ArmResourcesOptions): AzureResources {
  const arm = armClient(options);
  const timeoutMs = options.timeoutMs ?? 30_000;
  const hierarchy = new ArmHierarchy(arm, { ttlMs: options.hierarchyTtlMs ?? 5 * 60_000, timeoutMs });
  const sdk = arm.authorization;
  /** The SDK puts the scope after a slash of its own: give it without the leading one. */
  const sdkScope = (scope: string) => pathOf(scope).slice(1);

  /** Whether a role can be assigned at a scope: one of its assignable scopes is the scope, one above it, or "/". */
  async function assignableAt(scope: string, definition: RoleDefinition): Promise<boolean> {
    const above = await hierarchy.ancestorsOf(scope);
    if (!above) return false;
    const reach = [scope, ...above];
    return (definition.assignableScopes ?? []).some((s) => s === '/' || reach.some((r) => sameAzureScope(r, s)));
  }

  async function listAt(scope: string, principalId: string | undefined, signal: AbortSignal): Promise<AzureRoleAssignment[]> {
    // atScope() also returns assignments above the scope, principalId eq also those below: keep only those at it.
    const filter = principalId ? `principalId eq '${principalId}'` : 'atScope()';
    const found: AzureRoleAssignment[] = [];
    for await (const a of sdk.roleAssignments.listForScope(sdkScope(scope), { filter, abortSignal: signal })) {
      if (a.scope && sameAzureScope(a.scope, scope)) found.push(toAssignment(a));
    }
    return found;
  }

  const resources: Timed<AzureResources> = {
    ancestorsOf: async (_signal, scope) => hierarchy.ancestorsOf(scope),

    async listRoleDefinitions(signal, scope) {
      const definitions: RoleDefinition[] = [];
      try {
        for await (const d of sdk.roleDefinitions.list(sdkScope(scope), { abortSignal: signal })) definitions.push(d);
      } catch (error) {
        // No such subscription or resource group: nothing can be assigned there.
        if (isArmError(error, 404)) return [];
        throw error;
      }
      const assignable = await Promise.all(definitions.map((d) => assignableAt(scope, d)));
      return definitions.filter((_, i) => assignable[i]).map(toDefinition);
    },

    async getRoleDefinition(signal, scope, guid) {
      if (!GUID.test(guid)) return undefined;
      try {
        const found = await sdk.roleDefinitions.get(sdkScope(scope), guid.toLowerCase(), { abortSignal: signal });
        return (await assignableAt(scope, found)) ? toDefinition(found) : undefined;
      } catch (error) {
        if (isArmError(error, 404)) return undefined;
        throw error;
      }
    },

    async grantRole(signal, scope, principalId, roleGuid, condition) {
      requireGuids(principalId, roleGuid);
      const at = parseAzureScope(scope);
      const name = roleAssignmentName(at.path, principalId, roleGuid);
      try {
        // PUT again under PIM's own name, ARM updates the assignment: its condition becomes the one asked (or none).
        const made = await sdk.roleAssignments.create(
          sdkScope(at.path),
          name,
          {
            roleDefinitionId: roleDefinitionIdAt(at, roleGuid.toLowerCase()),
            principalId,
            // ARM takes only 2.0 on role assignments, whatever version the PIM request named (see CONDITION_VERSIONS).
            ...(condition ? { condition: condition.condition, conditionVersion: ROLE_ASSIGNMENT_CONDITION_VERSION } : {}),
          },
          { abortSignal: signal },
        );
        return { ...toAssignment(made), created: true };
      } catch (error) {
        if (!isArmError(error, 409, 'RoleAssignmentExists')) throw error;
        // The same principal, role and scope under another name: made outside PIM, so never PIM's to remove.
        // Under PIM's own name (a second PIM instance got there first): PIM's.
        const existing = (await listAt(at.path, principalId, signal)).find((a) => a.roleDefinitionGuid === roleGuid.toLowerCase());
        if (!existing) throw error;
        // Why: riding an assignment with another condition would give what it gives, not what was asked; changing it (not PIM's) could widen it.
        if (!grantsAtLeast(existing.condition, condition)) {
          throw conflict(
            `The role is already assigned to principal '${principalId}' at scope '${at.path}' outside PIM (role assignment ${nameOf(existing.id)}) with another condition; PIM does not change assignments it did not make. Remove or align that assignment, then try again.`,
            'RoleAssignmentExists',
          );
        }
        return { ...existing, created: nameOf(existing.id) === name };
      }
    },

    async revokeRole(signal, scope, principalId, roleGuid) {
      requireGuids(principalId, roleGuid);
      // Why: only the assignment under PIM's own name goes; one made outside PIM for the same role is never removed.
      const name = roleAssignmentName(scope, principalId, roleGuid);
      try {
        await sdk.roleAssignments.delete(sdkScope(scope), name, { abortSignal: signal });
      } catch (error) {
        // Gone already (or its scope is): what removing wanted. ARM itself answers 204 for an absent assignment.
        if (!isArmError(error, 404)) throw error;
      }
    },

    async listRoleAssignments(signal, scope, filter) {
      if (filter?.principalId !== undefined && !GUID.test(filter.principalId)) return [];
      return listAt(scope, filter?.principalId, signal);
    },
  };

  return withDeadline(resources, timeoutMs);
}

type Timed<T> = { [K in keyof T]: T[K] extends (...args: infer A) => Promise<infer R> ? (signal: AbortSignal, ...args: A) => Promise<R> : never };

/**
 * Every call fails after `ms` instead of hanging on an ARM that does not answer (or asks to
 * wait), and its requests are cancelled, so the workflow's retries and the reconcile pass get
 * their turn. Grants and removals are idempotent, so a call that did land after its deadline
 * is harmless when repeated.
 */
function withDeadline(resources: Timed<AzureResources>, ms: number): AzureResources {
  const timed =
    <A extends unknown[], R>(name: string, call: (signal: AbortSignal, ...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      const controller = new AbortController();
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          controller.abort();
          reject(new Error(`Azure Resource Manager did not answer ${name} within ${ms} ms.`));
        }, ms);
      });
      try {
        return await Promise.race([call(controller.signal, ...args), deadline]);
      } finally {
        clearTimeout(timer);
      }
    };
  return {
    ancestorsOf: timed('ancestorsOf', resources.ancestorsOf),
    listRoleDefinitions: timed('listRoleDefinitions', resources.listRoleDefinitions),
    getRoleDefinition: timed('getRoleDefinition', resources.getRoleDefinition),
    grantRole: timed('grantRole', resources.grantRole),
    revokeRole: timed('revokeRole', resources.revokeRole),
    listRoleAssignments: timed('listRoleAssignments', resources.listRoleAssignments),
  };
}

/** Principal ids and role GUIDs go into ARM paths and filters: anything but a GUID is refused before it gets there. */
function requireGuids(principalId: string, roleGuid: string): void {
  if (!GUID.test(principalId)) throw new Error(`The principal id '${principalId}' is not a GUID.`);
  if (!GUID.test(roleGuid)) throw new Error(`The role definition id '${roleGuid}' is not a GUID.`);
}

const nameOf = (id: string) => (id.split('/').pop() ?? '').toLowerCase();

function toAssignment(a: RoleAssignment): AzureRoleAssignment {
  if (!a.id || !a.scope || !a.principalId || !a.roleDefinitionId) throw new Error(`ARM answered a role assignment without its id, scope, principal or role: ${JSON.stringify(a)}`);
  return {
    id: a.id,
    scope: canonicalAzureScope(a.scope),
    principalId: a.principalId.toLowerCase(),
    roleDefinitionGuid: roleDefinitionGuid(a.roleDefinitionId),
    condition: a.condition ? { condition: a.condition, conditionVersion: a.conditionVersion ?? ROLE_ASSIGNMENT_CONDITION_VERSION } : null,
  };
}

function toDefinition(d: RoleDefinition): AzureRoleDefinition {
  return {
    guid: (d.name ?? '').toLowerCase(),
    roleName: d.roleName ?? d.name ?? '',
    description: d.description ?? '',
    roleType: d.roleType === 'BuiltInRole' ? 'BuiltInRole' : 'CustomRole',
    assignableScopes: d.assignableScopes ?? [],
    permissions: (d.permissions ?? []).map((p) => ({
      actions: p.actions ?? [],
      notActions: p.notActions ?? [],
      dataActions: p.dataActions ?? [],
      notDataActions: p.notDataActions ?? [],
    })),
  };
}
