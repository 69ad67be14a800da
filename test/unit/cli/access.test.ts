import { describe, expect, it } from 'vitest';
import { type AccessItem, covers, matches } from '../../../cli/access';

const SUB = '/subscriptions/0b1f6471-1bf0-4dda-aec3-cb9272f09590';
const contributor: AccessItem = {
  kind: 'azureRole',
  state: 'eligible',
  targetId: `${SUB}/providers/Microsoft.Authorization/roleDefinitions/b24988ac-6180-42a0-ab88-20f7382dd24c`,
  name: 'Contributor',
  scope: SUB,
  memberType: 'Direct',
};

describe('Azure role items', () => {
  it('an assignment covers its scope and the scopes below it, not siblings or parents', () => {
    expect(covers(SUB, `${SUB}/resourceGroups/rg`)).toBe(true);
    expect(covers(SUB, SUB.toUpperCase())).toBe(true);
    expect(covers(`${SUB}/resourceGroups/rg`, SUB)).toBe(false);
    expect(covers(`${SUB}/resourceGroups/rg`, `${SUB}/resourceGroups/rg2`)).toBe(false);
    expect(covers('/providers/Microsoft.Management/managementGroups/mg', `${SUB}/resourceGroups/rg`)).toBe(true);
  });

  it('is named by display name, full role definition id or GUID, at a scope it covers', () => {
    for (const name of ['contributor', contributor.targetId, 'B24988AC-6180-42A0-AB88-20F7382DD24C']) expect(matches(contributor, name, { scope: `${SUB}/resourceGroups/rg` })).toBe(true);
    expect(matches(contributor, 'Owner')).toBe(false);
    expect(matches(contributor, 'Contributor', { scope: '/subscriptions/other' })).toBe(false);
    expect(matches({ ...contributor, state: 'active' }, 'Contributor', { scope: `${SUB}/resourceGroups/rg` })).toBe(false);
  });
});
