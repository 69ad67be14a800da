/**
 * The composition root: builds the adapters from settings once, for every function to share.
 * Not a trigger; functions import `deps()`.
 */
import type { InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { durableWorkflow } from '../shared/adapters/durable/durableWorkflow';
import { graphDirectory } from '../shared/adapters/graph/graphDirectory';
import { graphMailer } from '../shared/adapters/graph/graphMailer';
import { graphHealth } from '../shared/adapters/graph/graphHealth';
import { graphTokenProvider } from '../shared/adapters/graph/graphToken';
import { type Bus, createBus } from '../shared/adapters/servicebus/bus';
import { tableNotificationLog } from '../shared/adapters/tables/notificationLog';
import { TableOutbox } from '../shared/adapters/tables/outbox';
import { tableWebhookDeadLetterStore } from '../shared/adapters/tables/webhookDeadLetters';
import { tableAlertStore } from '../shared/adapters/tables/alertStore';
import { tableApprovalRepository } from '../shared/adapters/tables/approvalRepository';
import { tableAuditLog } from '../shared/adapters/tables/auditLog';
import { tableNonceStore } from '../shared/adapters/tables/nonceStore';
import { tablePolicyRepository } from '../shared/adapters/tables/policyRepository';
import { tableScheduleRepository } from '../shared/adapters/tables/scheduleRepository';
import { TableAccess } from '../shared/adapters/tables/tableAccess';
import { tableStorageHealth } from '../shared/adapters/tables/tableStorageHealth';
import type { DependencyHealth } from '../shared/ports/dependencyHealth';
import { config } from '../shared/config';
import { createTokenValidator, type TokenValidator } from '../shared/http/auth';
import type { AlertStore } from '../shared/ports/alerts';
import type { ApprovalRepository } from '../shared/ports/approvals';
import type { AuditLog } from '../shared/ports/audit';
import type { NonceStore } from '../shared/ports/nonces';
import type { Mailer } from '../shared/ports/mailer';
import type { NotificationLog } from '../shared/ports/notifications';
import type { WebhookDeadLetterStore } from '../shared/ports/webhooks';
import { type Clock, systemClock } from '../shared/ports/clock';
import type { Directory } from '../shared/ports/directory';
import type { PolicyRepository } from '../shared/ports/policies';
import type { ScheduleRepository } from '../shared/ports/schedules';

export interface AppDeps {
  tokens: TokenValidator;
  directory: Directory;
  policies: PolicyRepository;
  schedules: ScheduleRepository;
  approvals: ApprovalRepository;
  alerts: AlertStore;
  nonces: NonceStore;
  audit: AuditLog;
  clock: Clock;
  tenantId: string;
  outbox: TableOutbox;
  bus: Bus;
  mailer: Mailer;
  notifications: NotificationLog;
  webhookDeadLetters: WebhookDeadLetterStore;
  /** What /healthz probes: the app's own connections, built once like the rest. */
  health: { storage: DependencyHealth; serviceBus: DependencyHealth; graph: DependencyHealth };
}

let built: AppDeps | undefined;

export function deps(): AppDeps {
  built ??= build();
  return built;
}

function build(): AppDeps {
  const settings = config();
  const tables = new TableAccess(settings.tables, settings.PIM_TABLE_PREFIX);
  const bus = createBus(settings.serviceBus, settings.PIM_EVENTS_TOPIC);
  const outbox = new TableOutbox(tables, bus.publisher);
  // One provider (one credential and token cache) for the directory and the mailer.
  const getGraphToken = graphTokenProvider(settings.PIM_GRAPH_BASE_URL, { clientId: settings.AZURE_CLIENT_ID });
  return {
    health: { storage: tableStorageHealth(settings.tables), serviceBus: bus.health, graph: graphHealth(settings.PIM_GRAPH_BASE_URL, getGraphToken) },
    outbox,
    bus,
    mailer: graphMailer({ baseUrl: settings.PIM_GRAPH_BASE_URL, getToken: getGraphToken, sender: settings.PIM_MAIL_SENDER }),
    notifications: tableNotificationLog(tables),
    webhookDeadLetters: tableWebhookDeadLetterStore(tables),
    policies: tablePolicyRepository(tables, outbox),
    schedules: tableScheduleRepository(tables, outbox),
    approvals: tableApprovalRepository(tables, outbox),
    alerts: tableAlertStore(tables),
    nonces: tableNonceStore(tables),
    audit: tableAuditLog(tables),
    clock: systemClock,
    tenantId: settings.PIM_TENANT_ID,
    tokens: createTokenValidator({
      issuer: settings.PIM_OIDC_ISSUER,
      audience: settings.PIM_OIDC_AUDIENCE,
      tenantId: settings.PIM_TENANT_ID,
      adminRole: settings.PIM_ADMIN_ROLE,
      auditorRole: settings.PIM_AUDITOR_ROLE,
    }),
    directory: graphDirectory({ baseUrl: settings.PIM_GRAPH_BASE_URL, getToken: getGraphToken, timeoutMs: settings.PIM_GRAPH_TIMEOUT_SECONDS * 1000 }),
  };
}

export const tokens = () => deps().tokens;

/**
 * The activation workflow for this invocation (its durable client input must be declared);
 * what it cannot deliver is logged through the invocation, with its request id.
 */
export function workflowFor(ctx: InvocationContext) {
  return durableWorkflow(df.getClient(ctx), (message) => ctx.warn(`Request ${ctx.invocationId}: ${message}`));
}
