import { createHash } from 'node:crypto';

/**
 * How one link of the audit hash chain is computed (auditChain.ts says what the chain is): the
 * hash of a record at a seq after the previous link's hash. Nothing here reads storage, so an
 * export can be checked with it alone (auditExport.ts, `pim audit export`).
 */

export const GENESIS_HASH = '0'.repeat(64);

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** JSON with object keys sorted at every level, so a hash does not depend on property order. */
export function canonicalJson(value: JsonValue): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const members = Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson(value[key] ?? null)}`);
    return `{${members.join(',')}}`;
  }
  return JSON.stringify(value);
}

export function linkHash(seq: number, prevHash: string, record: JsonValue): string {
  return createHash('sha256').update(canonicalJson({ seq, prevHash, record }), 'utf8').digest('hex');
}

export type ChainLink = {
  seq: number;
  prevHash: string;
  hash: string;
};

/** The link a record gets when appended after `last` (undefined: the chain is empty). */
export function nextLink(last: { seq: number; hash: string } | undefined, record: JsonValue): ChainLink {
  const seq = (last?.seq ?? 0) + 1;
  const prevHash = last?.hash ?? GENESIS_HASH;
  return { seq, prevHash, hash: linkHash(seq, prevHash, record) };
}

