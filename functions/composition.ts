/**
 * The composition root: builds the adapters from settings once, for every function to share.
 * Not a trigger; functions import `deps()`.
 */
import { hmacSigner } from '../shared/adapters/crypto/hmacSigner';
import type { InvocationContext } from '@azure/functions';
import { approvalDecisionGuard, type ApprovalDecisionGuard } from '../shared/app/approvalGuard';
import { CORRELATION_ID, SpanKind, tracedPort } from '../shared/adapters/telemetry/tracing';
import type { AuditRecord } from '../shared/ports/audit';
import * as df from 'durable-functions';
import { durableAlertRefresh, durableWorkflow } from '../shared/adapters/durable/durableWorkflow';
import { graphDirectory } from '../shared/adapters/graph/graphDirectory';
import { graphMailer } from '../shared/adapters/graph/graphMailer';
import { graphHealth } from '../shared/adapters/graph/graphHealth';
import { graphTokenProvider } from '../shared/adapters/graph/graphToken';
import { type Bus, createBus } from '../shared/adapters/servicebus/bus';
import { tableNotificationLog } from '../shared/adapters/tables/notificationLog';
import { TableOutbox } from '../shared/adapters/tables/outbox';
import { tableWebhookDeadLetterStore } from '../shared/adapters/tables/webhookDeadLetters';
import { tableAlertStore } from '../shared/adapters/tables/alertStore';
import { tableAccessReviewRepository } from '../shared/adapters/tables/accessReviewRepository';
import type { AccessReviewRepository } from '../shared/ports/accessReviews';
import { tableBreakGlassAccounts } from '../shared/adapters/tables/breakGlassStore';
import { graphSignIns } from '../shared/adapters/graph/graphSignIns';
import { tableApprovalRepository } from '../shared/adapters/tables/approvalRepository';
import { tableAuditArchiver } from '../shared/adapters/tables/auditArchive';
import { tableAuditLog } from '../shared/adapters/tables/auditLog';
import { tableAuditSealer } from '../shared/adapters/tables/auditSeal';
import { tableNonceStore } from '../shared/adapters/tables/nonceStore';
import { tablePolicyRepository } from '../shared/adapters/tables/policyRepository';
import { tableScheduleRepository } from '../shared/adapters/tables/scheduleRepository';
import { TableAccess } from '../shared/adapters/tables/tableAccess';
import { tableStorageHealth } from '../shared/adapters/tables/tableStorageHealth';
import type { DependencyHealth } from '../shared/ports/dependencyHealth';
import { config, hostingFacts } from '../shared/config';
import { createTokenValidator, type TokenValidator } from '../shared/http/auth';
import { armAuthenticator, withSlashVariants } from '../shared/http/arm/auth';
import type { Authenticate } from '../shared/http/arm/handler';
import type { AlertRepository } from '../shared/ports/alerts';
import type { BreakGlassAccounts } from '../shared/ports/breakGlass';
import type { SignInLogs } from '../shared/ports/signIns';
import type { ApprovalRepository } from '../shared/ports/approvals';
import type { AuditArchiver, AuditLog, AuditSealer } from '../shared/ports/audit';
import type { NonceStore } from '../shared/ports/nonces';
import type { Mailer } from '../shared/ports/mailer';
import type { NotificationLog } from '../shared/ports/notifications';
import type { WebhookDeadLetterStore } from '../shared/ports/webhooks';
import { type Clock, systemClock } from '../shared/ports/clock';
import type { Directory } from '../shared/ports/directory';
import type { AccessTargets } from '../shared/ports/access';
import { accessTargets } from '../shared/adapters/accessTargets';
import { directoryRoleAccess } from '../shared/adapters/graph/directoryRoleAccess';
import { groupAccess } from '../shared/adapters/graph/groupAccess';
import { armResources } from '../shared/adapters/arm/armResources';
import { azureRoleAccess } from '../shared/adapters/arm/azureRoleAccess';
import type { AzureResources } from '../shared/ports/azure';
import type { PolicyRepository } from '../shared/ports/policies';
import type { ScheduleRepository } from '../shared/ports/schedules';
import type { Signer } from '../shared/ports/signer';

export interface AppDeps {
  tokens: TokenValidator;
  /** Authenticates callers of the ARM surface: tokens for Azure Resource Manager's audience, with ARM's 401 codes. */
  armTokens: Authenticate;
  directory: Directory;
  /** Azure Resource Manager: the management group tree, Azure role definitions and role assignments. */
  azure: AzureResources;
  /** Where access is granted, one adapter per kind of target (directory roles, groups, Azure roles). */
  access: AccessTargets;
  policies: PolicyRepository;
  schedules: ScheduleRepository;
  approvals: ApprovalRepository;
  /** Access review definitions, instances and decisions. */
  reviews: AccessReviewRepository;
  /** The security alerts' state, settings and incidents (the alerts API). */
  alertRepository: AlertRepository;
  /** Emergency access accounts: PIM_BREAK_GLASS_ACCOUNTS and those admins listed. */
  breakGlass: BreakGlassAccounts;
  /** The directory's sign-in logs and users' sign-in activity (Graph). */
  signIns: SignInLogs;
  nonces: NonceStore;
  audit: AuditLog;
  /** The audit retention policy's archive (functions/timers/auditArchive.ts). */
  auditArchive: AuditArchiver;
  /** Moves the audit chain's older records out of its live partition (functions/timers/auditSeal.ts). */
  auditSeal: AuditSealer;
  clock: Clock;
  tenantId: string;
  outbox: TableOutbox;
  bus: Bus;
  mailer: Mailer;
  notifications: NotificationLog;
  webhookDeadLetters: WebhookDeadLetterStore;
  /** Signs and verifies approval-link tokens (PIM_APPROVAL_LINK_KEYS). */
  linkSigner: Signer;
  /** Signs JSON webhook payloads (PIM_WEBHOOK_KEYS). */
  webhookSigner: Signer;
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
  // Every audit append, Graph and ARM call is a span of the trace it happens in (see tracing.ts).
  const seal = { keepLive: settings.PIM_AUDIT_SEAL_KEEP_LIVE, minAgeMs: settings.PIM_AUDIT_SEAL_MIN_AGE_MINUTES * 60_000 };
  const audit = tracedPort('audit', tableAuditLog(tables, { sealMinAgeMs: seal.minAgeMs }), SpanKind.INTERNAL, auditAttributes);
  const outbox = new TableOutbox(tables, bus.publisher, audit);
  // One provider (one credential and token cache) for the directory and the mailer.
  const getGraphToken = graphTokenProvider(settings.PIM_GRAPH_BASE_URL, { clientId: settings.AZURE_CLIENT_ID });
  const directory = tracedPort('graph', graphDirectory({ baseUrl: settings.PIM_GRAPH_BASE_URL, getToken: getGraphToken, timeoutMs: settings.PIM_GRAPH_TIMEOUT_SECONDS * 1000 }), SpanKind.CLIENT);
  const azure = tracedPort('arm', armResources({ baseUrl: settings.PIM_ARM_BASE_URL, clientId: settings.AZURE_CLIENT_ID, timeoutMs: settings.PIM_ARM_TIMEOUT_SECONDS * 1000 }), SpanKind.CLIENT);
  return {
    health: { storage: tableStorageHealth(settings.tables), serviceBus: bus.health, graph: graphHealth(settings.PIM_GRAPH_BASE_URL, getGraphToken) },
    outbox,
    bus,
    mailer: tracedPort('graph', graphMailer({ baseUrl: settings.PIM_GRAPH_BASE_URL, getToken: getGraphToken, sender: settings.PIM_MAIL_SENDER }), SpanKind.CLIENT),
    notifications: tableNotificationLog(tables),
    webhookDeadLetters: tableWebhookDeadLetterStore(tables),
    linkSigner: hmacSigner(settings.PIM_APPROVAL_LINK_KEYS),
    webhookSigner: hmacSigner(settings.PIM_WEBHOOK_KEYS ?? []),
    policies: tablePolicyRepository(tables, outbox),
    schedules: tableScheduleRepository(tables, outbox, {
      expiryNotice: { activationMinutes: settings.PIM_EXPIRY_NOTICE_MINUTES, days: settings.PIM_ELIGIBILITY_EXPIRY_NOTICE_DAYS },
    }),
    approvals: tableApprovalRepository(tables, outbox),
    reviews: tableAccessReviewRepository(tables, outbox),
    alertRepository: tableAlertStore(tables, outbox),
    breakGlass: tableBreakGlassAccounts(tables, outbox, settings.PIM_BREAK_GLASS_ACCOUNTS),
    signIns: tracedPort('graph', graphSignIns({ baseUrl: settings.PIM_GRAPH_BASE_URL, getToken: getGraphToken }), SpanKind.CLIENT),
    nonces: tableNonceStore(tables),
    audit,
    auditArchive: tableAuditArchiver(tables),
    auditSeal: tableAuditSealer(tables, seal),
    clock: systemClock,
    tenantId: settings.PIM_TENANT_ID,
    tokens: createTokenValidator({
      issuer: settings.PIM_OIDC_ISSUER,
      audience: settings.PIM_OIDC_AUDIENCE,
      tenantId: settings.PIM_TENANT_ID,
      adminRole: settings.PIM_ADMIN_ROLE,
      auditorRole: settings.PIM_AUDITOR_ROLE,
    }),
    armTokens: armTokenValidation(settings),
    directory,
    azure,
    access: accessTargets({ directoryRole: directoryRoleAccess(directory), group: groupAccess(directory), azureRole: azureRoleAccess(azure) }),
  };
}

/** An audit append's span names the records' correlation ids and activities. */
function auditAttributes(_method: string, args: unknown[]) {
  const records = (Array.isArray(args[0]) ? args[0] : [args[0]]) as Array<Partial<AuditRecord> | undefined>;
  return {
    [CORRELATION_ID]: [...new Set(records.map((r) => r?.correlationId).filter(Boolean))].join(','),
    'pim.audit.activities': records.map((r) => r?.activityDisplayName).filter(Boolean).join('; '),
  };
}

/** Background alert refreshes for this invocation (its durable client input must be declared). */
export function alertRefreshFor(ctx: InvocationContext) {
  return durableAlertRefresh(df.getClient(ctx));
}

/** Whether emailed approval links may take decisions on this deployment (see approvalGuard.ts). */
export function approvalGuard(): ApprovalDecisionGuard {
  return approvalDecisionGuard(hostingFacts());
}

export const tokens = () => deps().tokens;
export const armTokens = () => deps().armTokens;

/** The ARM surface's tokens: validated like the Graph surface's (issuer, keys, tenant, roles), for ARM's audiences. */
function armTokenValidation(settings: ReturnType<typeof config>): Authenticate {
  const audiences = withSlashVariants(settings.PIM_ARM_AUDIENCE);
  const validator = createTokenValidator({
    issuer: settings.PIM_OIDC_ISSUER,
    otherIssuers: settings.PIM_ARM_ISSUER ? [settings.PIM_ARM_ISSUER] : [],
    audience: audiences,
    tenantId: settings.PIM_TENANT_ID,
    adminRole: settings.PIM_ADMIN_ROLE,
    auditorRole: settings.PIM_AUDITOR_ROLE,
  });
  return armAuthenticator(validator, { audiences, tenantId: settings.PIM_TENANT_ID });
}

/**
 * The activation workflow for this invocation (its durable client input must be declared);
 * what it cannot deliver is logged through the invocation, with its request id.
 */
export function workflowFor(ctx: InvocationContext) {
  return durableWorkflow(df.getClient(ctx), (message) => ctx.warn(`Request ${ctx.invocationId}: ${message}`));
}
