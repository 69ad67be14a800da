import type { AuditArchiver } from '../ports/audit';
import type { Clock } from '../ports/clock';

export interface AuditRetentionDeps {
  auditArchive: AuditArchiver;
  clock: Clock;
}

const DAY_MS = 86_400_000;

/**
 * The retention policy: records older than `afterDays` (by the domain clock) leave the live chain
 * for the archive, where they stay verifiable and exportable. Undefined: kept where they are,
 * indefinitely (the default; Entra keeps its own audit 30 days).
 */
export async function archiveOldAuditRecords(deps: AuditRetentionDeps, afterDays: number | undefined): Promise<number> {
  if (afterDays === undefined) return 0;
  return deps.auditArchive.archiveBefore(new Date(deps.clock.now().getTime() - afterDays * DAY_MS));
}
