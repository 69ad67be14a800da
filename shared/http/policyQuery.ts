import type { PolicyListing } from '../app/policies';
import { type FilterNode, type Literal, pinnedValue } from './odata/filter';
import { HttpError } from './graphErrors';

/** Graph scripts filter directory role policies with scopeType 'Directory' or 'DirectoryRole'; both mean these. */
export function directoryMeansDirectoryRole(node: FilterNode | undefined): FilterNode | undefined {
  if (!node) return node;
  switch (node.kind) {
    case 'and':
    case 'or':
      return { ...node, left: directoryMeansDirectoryRole(node.left) as FilterNode, right: directoryMeansDirectoryRole(node.right) as FilterNode };
    case 'not':
      return { ...node, operand: directoryMeansDirectoryRole(node.operand) as FilterNode };
    case 'compare': {
      const fix = (o: typeof node.left) => (o.kind === 'literal' && o.value === 'Directory' ? { ...o, value: 'DirectoryRole' } : o);
      return { ...node, left: fix(node.left), right: fix(node.right) };
    }
    default:
      return node;
  }
}

const GROUP_FILTER = "$filter=scopeId eq '{groupId}' and scopeType eq 'Group'";

const isGroup = (value: Literal | undefined) => typeof value === 'string' && value.toLowerCase() === 'group';

/** Whether the filter asks for group policies anywhere (outside a `not`): scopeType eq 'Group', or 'Group' in an `in` list. */
function asksForGroups(node: FilterNode): boolean {
  switch (node.kind) {
    case 'and':
    case 'or':
      return asksForGroups(node.left) || asksForGroups(node.right);
    case 'compare': {
      if (node.op !== 'eq') return false;
      const [property, literal] = node.left.kind === 'property' ? [node.left, node.right] : [node.right, node.left];
      return property.kind === 'property' && property.path.join('/').toLowerCase() === 'scopetype' && literal.kind === 'literal' && isGroup(literal.value);
    }
    case 'in':
      return node.left.kind === 'property' && node.left.path.join('/').toLowerCase() === 'scopetype' && node.values.some(isGroup);
    case 'not':
    case 'call':
    case 'lambda':
      return false;
    default: {
      const never: never = node;
      return never;
    }
  }
}

/**
 * Which policies a list of policies or policy assignments asks for, from its parsed $filter.
 * A group's are asked for as Graph requires, with `scopeId eq '{groupId}' and scopeType eq
 * 'Group'` (optionally `and roleDefinitionId eq 'member'|'owner'`); anything else that names
 * scopeType 'Group' is a 400 saying what to write. Without a group, the list is every directory
 * role's (Graph also requires a scope filter there; this service has always listed them
 * without one, and keeps doing so).
 */
export function policyListingOf(filter: FilterNode | undefined): PolicyListing {
  if (!filter || !asksForGroups(filter)) return { kind: 'directoryRole' };
  const scopeId = pinnedValue(filter, 'scopeId');
  if (!isGroup(pinnedValue(filter, 'scopeType')) || typeof scopeId !== 'string' || scopeId.trim() === '') {
    throw new HttpError(
      'BadRequest',
      `Listing a group's policies needs the group: add scopeId eq '{groupId}' to the filter, joined with 'and' (${GROUP_FILTER}).`,
      400,
    );
  }
  const access = pinnedValue(filter, 'roleDefinitionId');
  if (access === undefined) return { kind: 'group', groupId: scopeId, accessIds: ['member', 'owner'] };
  const accessId = typeof access === 'string' ? access.toLowerCase() : '';
  // A group's policies are for 'member' and 'owner' only: another roleDefinitionId matches none (and onboards nothing).
  return { kind: 'group', groupId: scopeId, accessIds: accessId === 'member' || accessId === 'owner' ? [accessId] : [] };
}
