import { describe, expect, it } from 'vitest';
import { parseFilter } from '../../../../shared/http/odata/filter';
import { policyListingOf } from '../../../../shared/http/policyQuery';

const GROUP = 'a261738d-44fa-4fe5-b885-502ea33c4838';
const listing = (filter?: string) => policyListingOf(filter === undefined ? undefined : parseFilter(filter));

describe('which policies a list asks for', () => {
  it('finds the group and its accesses in Graph\'s documented filters', () => {
    expect(listing(`scopeId eq '${GROUP}' and scopeType eq 'Group'`)).toEqual({ kind: 'group', groupId: GROUP, accessIds: ['member', 'owner'] });
    expect(listing(`scopeType eq 'Group' and scopeId eq '${GROUP}' and roleDefinitionId eq 'owner'`)).toEqual({ kind: 'group', groupId: GROUP, accessIds: ['owner'] });
    expect(listing(`(scopeId eq '${GROUP}') and (scopeType eq 'group' and roleDefinitionId eq 'Member')`)).toEqual({ kind: 'group', groupId: GROUP, accessIds: ['member'] });
    expect(listing(`scopeId eq '${GROUP}' and scopeType eq 'Group' and roleDefinitionId eq 'approver'`)).toEqual({ kind: 'group', groupId: GROUP, accessIds: [] });
  });

  it('lists directory roles without a filter or with a directory one, as it always has', () => {
    expect(listing()).toEqual({ kind: 'directoryRole' });
    expect(listing("scopeId eq '/' and scopeType eq 'DirectoryRole'")).toEqual({ kind: 'directoryRole' });
    expect(listing("not (scopeType eq 'Group')")).toEqual({ kind: 'directoryRole' });
  });

  it('answers 400 naming the missing clause when groups are asked for without one group', () => {
    for (const filter of ["scopeType eq 'Group'", `scopeId eq '${GROUP}' or scopeType eq 'Group'`, "scopeType in ('Group', 'DirectoryRole')", `scopeId ne '${GROUP}' and scopeType eq 'Group'`]) {
      expect(() => listing(filter), filter).toThrow(expect.objectContaining({ status: 400, code: 'BadRequest', message: expect.stringContaining("add scopeId eq '{groupId}'") }));
    }
  });
});
