import { accessTargets } from '../../shared/adapters/accessTargets';
import { directoryRoleAccess } from '../../shared/adapters/graph/directoryRoleAccess';
import { graphDirectory } from '../../shared/adapters/graph/graphDirectory';
import { tableAlertStore } from '../../shared/adapters/tables/alertStore';
import { tableApprovalRepository } from '../../shared/adapters/tables/approvalRepository';
import { tableAuditLog } from '../../shared/adapters/tables/auditLog';
import { TableOutbox } from '../../shared/adapters/tables/outbox';
import { tableScheduleRepository } from '../../shared/adapters/tables/scheduleRepository';
import type { TableAccess } from '../../shared/adapters/tables/tableAccess';
import type { ReconcileDeps } from '../../shared/app/reconcile';
import { systemClock } from '../../shared/ports/clock';

/**
 * What the reconcile pass needs, on the real table adapters and the Graph at `graphBaseUrl`
 * (devhost's stand-in, or nothing listening: eligibilities expire without a directory), with a
 * bus that takes every event. For running the pass in this process and counting what it reads.
 */
export function reconcileDeps(tables: TableAccess, graphBaseUrl: string): ReconcileDeps {
  const audit = tableAuditLog(tables);
  const outbox = new TableOutbox(tables, { publish: async () => undefined }, audit, () => undefined);
  const directory = graphDirectory({ baseUrl: graphBaseUrl, getToken: async () => 'devhost', timeoutMs: 2_000 });
  return {
    schedules: tableScheduleRepository(tables, outbox),
    approvals: tableApprovalRepository(tables, outbox),
    // The pass reads no policy.
    policies: undefined as never,
    alertRepository: tableAlertStore(tables, outbox),
    directory,
    access: accessTargets({ directoryRole: directoryRoleAccess(directory) }),
    audit,
    clock: systemClock,
    tenantId: '',
    expiryNotice: { activationMinutes: 15, days: 14 },
  };
}
