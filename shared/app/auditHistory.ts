import type { Caller } from '../domain/caller';
import { forbidden, notFound } from '../domain/errors';
import type { AuditLog, AuditPage, AuditQuery, AuditRecord, ChainedAuditRecord } from '../ports/audit';

export interface AuditHistoryDeps {
  audit: AuditLog;
}

/** Why: the audit shows everyone's privileged access; only admins and auditors may read it, and they read all of it. */
function mayRead(caller: Caller): void {
  if (caller.isAdmin || caller.isAuditor) return;
  throw forbidden('Reading the audit history needs the PIM administrator or PIM auditor app role (PIM.Admin or PIM.Auditor).');
}

/** A page of the audit history, newest first; `cursor` continues a previous page. */
export async function listAuditHistory(deps: AuditHistoryDeps, caller: Caller, query: AuditQuery, top: number, cursor?: string): Promise<AuditPage> {
  mayRead(caller);
  return deps.audit.page(query, top, cursor);
}

/**
 * The records of a time window with their chain positions, oldest first, streamed (admins and
 * auditors). Checked before anything is read, so a refusal is an error answer, not a cut-off file.
 */
export async function exportAuditHistory(deps: AuditHistoryDeps, caller: Caller, range: { from?: string; to?: string }): Promise<AsyncIterable<ChainedAuditRecord>> {
  mayRead(caller);
  return deps.audit.exportRange(range);
}

/** One audit record by id. */
export async function getAuditRecord(deps: AuditHistoryDeps, caller: Caller, id: string): Promise<AuditRecord> {
  mayRead(caller);
  const record = await deps.audit.get(id);
  if (!record) throw notFound('directoryAudit', id);
  return record;
}
