import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileRoute } from '../../../../../devhost/http/routeTemplate';
import { ARM_ROUTE_ROOTS, armPathOf, resolveResourceType, splitArmPath } from '../../../../../shared/http/arm/router';

const SUB = '/subscriptions/dfa2a084-766f-4003-8ae1-c4aeb893a99f';
const RG = `${SUB}/resourceGroups/rg-payments`;
const TYPES = ['roleEligibilityScheduleRequests', 'roleAssignmentScheduleRequests', 'roleAssignmentApprovals'] as const;

describe('splitArmPath', () => {
  it('splits each kind of scope from the Microsoft.Authorization resource path', () => {
    expect(splitArmPath(`${SUB}/providers/Microsoft.Authorization/roleAssignmentScheduleRequests/fea7a502-9a96-4806-a26f-eee560e52045`)).toEqual({
      scope: SUB,
      resourceType: 'roleAssignmentScheduleRequests',
      segments: ['fea7a502-9a96-4806-a26f-eee560e52045'],
    });
    expect(splitArmPath(`${RG}/providers/Microsoft.Authorization/roleEligibilityScheduleInstances`)).toEqual({ scope: RG, resourceType: 'roleEligibilityScheduleInstances', segments: [] });
    expect(splitArmPath('/providers/Microsoft.Management/managementGroups/mg-corp/providers/Microsoft.Authorization/roleEligibilitySchedules/x')).toEqual({
      scope: '/providers/Microsoft.Management/managementGroups/mg-corp',
      resourceType: 'roleEligibilitySchedules',
      segments: ['x'],
    });
    expect(splitArmPath(`/providers/Microsoft.Subscription${SUB}/providers/Microsoft.Authorization/roleAssignmentScheduleRequests/n/cancel`)).toEqual({
      scope: `/providers/Microsoft.Subscription${SUB}`,
      resourceType: 'roleAssignmentScheduleRequests',
      segments: ['n', 'cancel'],
    });
  });

  it('a scope-less path (approvals) has an empty scope and keeps every segment after the type', () => {
    expect(splitArmPath('/providers/Microsoft.Authorization/roleAssignmentApprovals/a1/stages/s1')).toEqual({ scope: '', resourceType: 'roleAssignmentApprovals', segments: ['a1', 'stages', 's1'] });
  });

  it('splits at the last Microsoft.Authorization provider, so resource scopes with providers of their own (even this namespace) stay whole', () => {
    const storage = `${RG}/providers/Microsoft.Storage/storageAccounts/st1`;
    expect(splitArmPath(`${storage}/providers/Microsoft.Authorization/roleAssignmentSchedules`)).toEqual({ scope: storage, resourceType: 'roleAssignmentSchedules', segments: [] });
    const lock = `${RG}/providers/Microsoft.Authorization/locks/no-delete`;
    expect(splitArmPath(`${lock}/providers/Microsoft.Authorization/roleAssignmentSchedules/s`)).toEqual({ scope: lock, resourceType: 'roleAssignmentSchedules', segments: ['s'] });
  });

  it('matches the providers keywords in any letter case and keeps what was written', () => {
    expect(splitArmPath(`${SUB.toUpperCase()}/PROVIDERS/microsoft.authorization/ROLEASSIGNMENTSCHEDULEREQUESTS`)).toEqual({
      scope: SUB.toUpperCase(),
      resourceType: 'ROLEASSIGNMENTSCHEDULEREQUESTS',
      segments: [],
    });
  });

  it('ignores empty segments (double or trailing slashes)', () => {
    expect(splitArmPath(`${SUB}//providers/Microsoft.Authorization/roleAssignmentSchedules/`)).toEqual({ scope: SUB, resourceType: 'roleAssignmentSchedules', segments: [] });
  });

  it('names no resource for paths without a Microsoft.Authorization resource type', () => {
    expect(splitArmPath(SUB)).toBeUndefined();
    expect(splitArmPath(`${RG}/providers/Microsoft.Storage/storageAccounts/st1`)).toBeUndefined();
    expect(splitArmPath(`${SUB}/providers/Microsoft.Authorization`)).toBeUndefined();
    expect(splitArmPath('/')).toBeUndefined();
  });

  it('whatever the scope and the resource path, the split gives them back', () => {
    const segment = fc.stringMatching(/^[A-Za-z0-9._()-]{1,12}$/).filter((s) => s.toLowerCase() !== 'providers');
    fc.assert(
      fc.property(fc.array(segment, { maxLength: 6 }), segment, fc.array(segment, { maxLength: 3 }), (scope, type, rest) => {
        const scopePath = scope.length ? `/${scope.join('/')}` : '';
        const split = splitArmPath(`${scopePath}/providers/Microsoft.Authorization/${[type, ...rest].join('/')}`);
        expect(split).toEqual({ scope: scopePath, resourceType: type, segments: rest });
      }),
    );
  });
});

describe('resolveResourceType', () => {
  it("finds the type in any letter case and answers with the service's spelling", () => {
    expect(resolveResourceType('RoleAssignmentScheduleRequests', TYPES)).toBe('roleAssignmentScheduleRequests');
    expect(resolveResourceType('roleassignmentapprovals', TYPES)).toBe('roleAssignmentApprovals');
    expect(resolveResourceType('roleAssignments', TYPES)).toBeUndefined();
  });
});

describe('the catch-all routes the ARM surface registers', () => {
  const routes = ARM_ROUTE_ROOTS.map((root) => ({ root, compiled: compileRoute(`${root.route}/{*rest}`) }));
  const matching = (path: string) => routes.filter((r) => r.compiled.match(path)).map((r) => r.root.name);

  it('each ARM path is taken by exactly one root, in any letter case, and the full path is rebuilt from its rest', () => {
    const paths = [
      `${RG}/providers/Microsoft.Authorization/roleAssignmentScheduleRequests/n/cancel`,
      '/providers/Microsoft.Management/managementGroups/mg1/providers/Microsoft.Authorization/roleEligibilitySchedules',
      `/providers/Microsoft.Subscription${SUB}/providers/Microsoft.Authorization/roleEligibilityScheduleRequests/n`,
      '/providers/Microsoft.Authorization/roleAssignmentApprovals/a/stages/s',
      `${SUB.replace('subscriptions', 'SUBSCRIPTIONS')}/providers/microsoft.authorization/roleAssignmentSchedules`,
    ];
    for (const path of paths) {
      expect(matching(path), path).toHaveLength(1);
      const hit = routes.find((r) => r.compiled.match(path));
      const params = hit?.compiled.match(path);
      expect(hit && armPathOf(hit.root, params?.rest).toLowerCase()).toBe(path.toLowerCase());
    }
  });

  it('sorts before the Graph surface, whose first segment is a constrained parameter, and before the catch-all 404', () => {
    const arm = compileRoute('subscriptions/{*rest}').precedence;
    const tenant = compileRoute('providers/Microsoft.Authorization/{*rest}').precedence;
    expect(arm).toBeLessThan(compileRoute('{version:regex(^(v1\\.0|beta)$)}/roleManagement/directory/roleAssignmentScheduleRequests').precedence);
    expect(tenant).toBeLessThan(compileRoute('{*path}').precedence);
    // ...and a Graph path is no ARM path.
    expect(matching('/v1.0/roleManagement/directory/roleAssignmentScheduleRequests')).toEqual([]);
  });
});
