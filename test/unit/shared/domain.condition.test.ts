import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  activationCondition,
  eligibilityFit,
  type GrantCondition,
  grantsAtLeast,
  readCondition,
  type RolePermissions,
  supportsConditions,
} from '../../../shared/domain/condition';
import { DomainError } from '../../../shared/domain/errors';

const CONTAINER = "@Resource[Microsoft.Storage/storageAccounts/blobServices/containers:ContainerName] StringEqualsIgnoreCase 'foo_storage_container'";
const OTHER = "@Resource[Microsoft.Storage/storageAccounts/blobServices/containers:ContainerName] StringEqualsIgnoreCase 'bar'";
const c = (condition: string, conditionVersion = '2.0'): GrantCondition => ({ condition, conditionVersion });

function codeOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof DomainError) return `${error.status} ${error.code}`;
    throw error;
  }
  return 'accepted';
}

describe('reading a condition from a body', () => {
  it("takes ARM's example pair (version 1.0, as the PIM examples send it) and 2.0, keeping the version sent", () => {
    expect(readCondition(CONTAINER, '1.0')).toEqual(c(CONTAINER, '1.0'));
    expect(readCondition(CONTAINER, '2.0')).toEqual(c(CONTAINER, '2.0'));
  });

  it('says nothing for absent or null fields, and clears for empty strings (ARM deletes a condition so)', () => {
    expect(readCondition(undefined, undefined)).toBeUndefined();
    expect(readCondition(null, null)).toBeUndefined();
    expect(readCondition('', '')).toBeNull();
    expect(readCondition('', null)).toBeNull();
  });

  it('refuses one without the other, and a version ARM does not know, with a 400 that says what to send', () => {
    expect(codeOf(() => readCondition(CONTAINER, undefined))).toBe('400 InvalidCondition');
    expect(codeOf(() => readCondition(CONTAINER, ' '))).toBe('400 InvalidCondition');
    expect(codeOf(() => readCondition(null, '2.0'))).toBe('400 InvalidCondition');
    expect(codeOf(() => readCondition(CONTAINER, '3.0'))).toBe('400 InvalidConditionVersion');
  });
});

describe("an activation's condition", () => {
  it("is the eligibility's, whether the request repeats it or says nothing; another one is refused", () => {
    expect(activationCondition(c(CONTAINER, '1.0'), undefined)).toEqual(c(CONTAINER, '1.0'));
    expect(activationCondition(c(CONTAINER, '1.0'), c(CONTAINER, '2.0'))).toEqual(c(CONTAINER, '1.0'));
    expect(codeOf(() => activationCondition(c(CONTAINER), c(OTHER)))).toBe('400 ConditionDoesNotMatchEligibility');
  });

  it("is the request's own under an eligibility without one", () => {
    expect(activationCondition(null, c(OTHER))).toEqual(c(OTHER));
    expect(activationCondition(undefined, undefined)).toBeNull();
  });

  it('never grants more than the eligibility: whatever is asked, the result carries its condition or the request is refused', () => {
    const conditions = fc.option(fc.constantFrom(c(CONTAINER), c(OTHER), c(` ${CONTAINER}`, '1.0')), { nil: null });
    fc.assert(
      fc.property(conditions, conditions, (eligibility, asked) => {
        let granted: GrantCondition | null;
        try {
          granted = activationCondition(eligibility, asked);
        } catch {
          return;
        }
        // Held with the result, the grant gives no more than the eligibility allows.
        expect(grantsAtLeast(eligibility, granted)).toBe(true);
        if (eligibility) expect(granted?.condition.trim()).toBe(eligibility.condition.trim());
      }),
    );
  });

  it('prefers, of several eligibilities, one with the same condition, then one without', () => {
    const ranked = [c(OTHER), null, c(CONTAINER)].sort((a, b) => eligibilityFit(a, c(CONTAINER)) - eligibilityFit(b, c(CONTAINER)));
    expect(ranked).toEqual([c(CONTAINER), null, c(OTHER)]);
    expect([c(OTHER), null].sort((a, b) => eligibilityFit(a, undefined) - eligibilityFit(b, undefined))).toEqual([null, c(OTHER)]);
  });
});

describe('an assignment that exists', () => {
  it('gives at least what is asked when it has no condition or the same one', () => {
    expect(grantsAtLeast(null, c(CONTAINER))).toBe(true);
    expect(grantsAtLeast(c(CONTAINER, '2.0'), c(CONTAINER, '1.0'))).toBe(true);
    expect(grantsAtLeast(c(CONTAINER), null)).toBe(false);
    expect(grantsAtLeast(c(CONTAINER), c(OTHER))).toBe(false);
  });
});

describe('roles that take conditions', () => {
  const role = (p: Partial<RolePermissions>): RolePermissions[] => [{ actions: [], notActions: [], dataActions: [], notDataActions: [], ...p }];

  it('are those allowing storage data actions or role assignment writes, wildcards and notActions included', () => {
    // Storage Blob Data Owner, Role Based Access Control Administrator, User Access Administrator, Owner.
    expect(supportsConditions(role({ dataActions: ['Microsoft.Storage/storageAccounts/blobServices/containers/blobs/*'] }))).toBe(true);
    expect(supportsConditions(role({ actions: ['Microsoft.Authorization/roleAssignments/write', '*/read'] }))).toBe(true);
    expect(supportsConditions(role({ actions: ['*/read', 'Microsoft.Authorization/*'] }))).toBe(true);
    expect(supportsConditions(role({ actions: ['*'] }))).toBe(true);
    expect(supportsConditions(role({ dataActions: ['microsoft.storage/storageaccounts/queueservices/queues/messages/read'] }))).toBe(true);
  });

  it('are not Contributor (role assignment writes denied), Reader, or a Key Vault data role', () => {
    expect(supportsConditions(role({ actions: ['*'], notActions: ['Microsoft.Authorization/*/Delete', 'Microsoft.Authorization/*/Write'] }))).toBe(false);
    expect(supportsConditions(role({ actions: ['*/read'] }))).toBe(false);
    expect(supportsConditions(role({ dataActions: ['Microsoft.KeyVault/vaults/secrets/getSecret/action'] }))).toBe(false);
    expect(supportsConditions([])).toBe(false);
  });
});
