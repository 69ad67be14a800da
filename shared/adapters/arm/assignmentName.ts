import { createHash } from 'node:crypto';
import { canonicalAzureScope } from '../../domain/azureScope';

/**
 * The namespace of PIM's role assignment names (a fixed, random GUID): names made by another
 * tool from the same (scope, principal, role) differ from PIM's, so PIM can tell its own.
 */
const NAMESPACE = 'b6f0e8c2-4d1a-4f7e-9a3b-5c2d8e1f0a47';

/**
 * The name (a GUID) of PIM's role assignment of a role to a principal at a scope: the same
 * for the same three, whatever the spelling of the scope or the case of the ids, so a PUT
 * retried after a lost answer meets its own assignment instead of making a second one. A
 * version 5 (SHA-1, name-based) GUID, as Bicep's guid() makes them.
 */
export function roleAssignmentName(scope: string, principalId: string, roleDefinitionGuid: string): string {
  const name = [canonicalAzureScope(scope).toLowerCase(), principalId.toLowerCase(), roleDefinitionGuid.toLowerCase()].join('|');
  const hash = createHash('sha1').update(guidBytes(NAMESPACE)).update(name, 'utf8').digest();
  // The version (5) and variant (RFC 9562) bits.
  hash[6] = ((hash[6] ?? 0) & 0x0f) | 0x50;
  hash[8] = ((hash[8] ?? 0) & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function guidBytes(guid: string): Buffer {
  return Buffer.from(guid.replace(/-/g, ''), 'hex');
}
