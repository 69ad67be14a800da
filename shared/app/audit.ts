import { randomBytes } from 'node:crypto';
import type { Caller } from '../domain/caller';
import type { AuditRecord } from '../ports/audit';

export interface AuditInput {
  activity: string;
  operationType: AuditRecord['operationType'];
  caller: Caller | null;
  correlationId: string;
  at: Date;
  targets: AuditRecord['targetResources'];
  details?: Record<string, string | undefined>;
  result?: AuditRecord['result'];
  resultReason?: string;
  /** Where the record is filed, when not by its targets (access reviews file under Policy). */
  category?: AuditRecord['category'];
}

/**
 * A version 7 UUID (RFC 9562): the time in its first 48 bits, random bits after. Why for audit
 * records: the id then says when the record was made, which files it in the sealed store's id
 * map by the hour (keys.audit.sealedId) and tells an append whether a retried record may have
 * been sealed already (auditLog.ts).
 */
export function uuidV7(ms: number): string {
  const bytes = randomBytes(16);
  bytes.writeUIntBE(Number.isFinite(ms) && ms >= 0 ? Math.floor(ms) % 2 ** 48 : Date.now(), 0, 6);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x70;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Builds one audit record in Graph's directoryAudit shape. */
export function auditRecord(input: AuditInput): AuditRecord {
  return {
    id: uuidV7(input.at.getTime()),
    activityDateTime: input.at.toISOString(),
    // Why: Entra files PIM for Groups under GroupManagement, roles under RoleManagement.
    category: input.category ?? (input.targets.some((t) => t.type === 'Group') ? 'GroupManagement' : 'RoleManagement'),
    activityDisplayName: input.activity,
    operationType: input.operationType,
    correlationId: input.correlationId,
    loggedByService: 'PIM',
    result: input.result ?? 'success',
    resultReason: input.resultReason ?? '',
    initiatedBy: input.caller
      ? { user: { id: input.caller.oid, displayName: input.caller.name ?? null, userPrincipalName: input.caller.upn ?? null }, app: null }
      : { user: null, app: { displayName: 'PIM' } },
    targetResources: input.targets,
    additionalDetails: Object.entries(input.details ?? {})
      .filter((e): e is [string, string] => e[1] !== undefined)
      .map(([key, value]) => ({ key, value })),
  };
}
