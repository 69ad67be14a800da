import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { accessTargets } from '../../../shared/adapters/accessTargets';
import { directoryRoleAccess } from '../../../shared/adapters/graph/directoryRoleAccess';
import { groupAccess } from '../../../shared/adapters/graph/groupAccess';
import { DomainError } from '../../../shared/domain/errors';
import { covers, directoryRole, requireServed, sameTarget, scopeAndAncestors, type Target, targetKey } from '../../../shared/domain/target';
import type { Directory } from '../../../shared/ports/directory';

const GA = '62e90394-69f5-4237-9190-012177145e10';
const AU = '/administrativeUnits/3f2504e0-4f89-11d3-9a0c-0305e82c3301';
const SUB = '/subscriptions/00000000-0000-0000-0000-000000000001';
const RG = `${SUB}/resourceGroups/rg-app`;
const VM = `${RG}/providers/Microsoft.Compute/virtualMachines/vm1`;
const OWNER = '/providers/Microsoft.Authorization/roleDefinitions/8e3af657-a8ff-443c-a75c-2fe8c4bcb635';

describe('targets', () => {
  it('an eligibility covers its own scope and the scopes below it, never above or beside', () => {
    expect(covers(directoryRole(GA, '/'), directoryRole(GA, AU))).toBe(true);
    expect(covers(directoryRole(GA, '/'), directoryRole(GA, '/'))).toBe(true);
    expect(covers(directoryRole(GA, AU), directoryRole(GA, '/'))).toBe(false);
    expect(covers(directoryRole(GA, '/'), directoryRole('another-role', '/'))).toBe(false);
    const azure = (scope: string): Target => ({ kind: 'azureRole', scope, roleDefinitionId: OWNER });
    expect(covers(azure(SUB), azure(VM))).toBe(true);
    expect(covers(azure(RG), azure(VM))).toBe(true);
    expect(covers(azure(VM), azure(RG))).toBe(false);
    expect(covers(azure(`${SUB}/resourceGroups/rg-other`), azure(VM))).toBe(false);
    // ARM scopes compare case-insensitively, as ARM does.
    expect(covers(azure(RG.toUpperCase()), azure(VM))).toBe(true);
    expect(scopeAndAncestors(azure(VM))).toEqual([VM, RG, SUB]);
  });

  it('group access covers only the same group and access', () => {
    const member: Target = { kind: 'group', groupId: 'G1', accessId: 'member' };
    expect(covers(member, { kind: 'group', groupId: 'g1', accessId: 'member' })).toBe(true);
    expect(covers(member, { kind: 'group', groupId: 'g1', accessId: 'owner' })).toBe(false);
    expect(covers(member, directoryRole('member', '/'))).toBe(false);
  });

  it('keys tell targets apart exactly when they differ (property)', () => {
    const target = fc.oneof(
      fc.record({ kind: fc.constant('directoryRole' as const), roleDefinitionId: fc.uuid(), directoryScopeId: fc.constantFrom('/', AU) }),
      fc.record({ kind: fc.constant('group' as const), groupId: fc.uuid(), accessId: fc.constantFrom('member' as const, 'owner' as const) }),
      fc.record({ kind: fc.constant('azureRole' as const), scope: fc.constantFrom(SUB, RG, VM), roleDefinitionId: fc.constantFrom(OWNER, `${OWNER}x`) }),
    );
    fc.assert(
      fc.property(target, target, (a, b) => {
        expect(sameTarget(a, b)).toBe(JSON.stringify(a) === JSON.stringify(b));
        expect(targetKey(a) === targetKey(b)).toBe(sameTarget(a, b));
        // A target always covers itself.
        expect(covers(a, a)).toBe(true);
      }),
    );
  });

  it('serves every kind, and a deployment without an adapter for a kind refuses it with a Graph-shaped 400', () => {
    for (const t of [directoryRole(GA, '/'), { kind: 'group', groupId: 'g', accessId: 'member' }, { kind: 'azureRole', scope: SUB, roleDefinitionId: OWNER }] as Target[]) {
      expect(() => requireServed(t)).not.toThrow();
    }
    const access = accessTargets({ directoryRole: directoryRoleAccess({} as Directory) });
    const error = (() => {
      try {
        access.of('azureRole');
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toMatchObject({ status: 400, code: 'TargetKindNotSupported' });
    expect((error as Error).message).toContain('azureRole');
    expect(access.of('directoryRole')).toBeDefined();
  });

  it('a kind that cannot carry a condition refuses one before it grants anything, rather than grant without it', async () => {
    // A directory that is never asked: the refusal comes first.
    const condition = { condition: "@Resource[Microsoft.Storage/storageAccounts/blobServices/containers:ContainerName] StringEquals 'x'", conditionVersion: '2.0' };
    await expect(directoryRoleAccess({} as Directory).grant('p', directoryRole(GA, '/'), { condition })).rejects.toMatchObject({ status: 400, code: 'ConditionNotSupported' });
    await expect(groupAccess({} as Directory).grant('p', { kind: 'group', groupId: 'g', accessId: 'member' }, { condition })).rejects.toMatchObject({
      status: 400,
      code: 'ConditionNotSupported',
      message: expect.stringContaining('group membership or ownership'),
    });
  });
});
