import { randomUUID } from 'node:crypto';
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

/** Builds one audit record in Graph's directoryAudit shape. */
export function auditRecord(input: AuditInput): AuditRecord {
  return {
    id: randomUUID(),
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
