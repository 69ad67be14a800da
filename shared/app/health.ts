import type { DependencyHealth } from '../ports/dependencyHealth';
import type { ApprovalDecisionGuard } from './approvalGuard';
import type { StorageHealth } from '../ports/storageHealth';

export interface DependencyReport {
  backend: string;
  endpoint: string;
  emulator: boolean;
  reachable: boolean;
  latencyMs?: number;
  /** One line, secrets removed. */
  error?: string;
}

/**
 * Healthy: everything answers. Degraded: the app serves requests, but events wait in the
 * outbox (Service Bus) or grants and mail wait for reconcile (Graph). Unhealthy: its own
 * storage does not answer, so nothing works.
 */
export type HealthStatus = 'Healthy' | 'Degraded' | 'Unhealthy';

export interface HealthReport {
  status: HealthStatus;
  storage: DependencyReport;
  serviceBus: DependencyReport;
  graph: DependencyReport;
  durable: { backend: string; taskHub: string };
  /** Whether emailed approval links take decisions here (refused in Azure without App Service authentication). */
  approvalLinks: { decisionsServed: boolean; reason?: string };
}

export interface HealthDeps {
  storage: StorageHealth;
  serviceBus: DependencyHealth;
  graph: DependencyHealth;
  durableBackend: string;
  taskHub: string;
  approvalDecisions: ApprovalDecisionGuard;
  /** How long each probe may take before it counts as not answering. */
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 5_000;

/** Probes what the app itself reaches (its tables, the bus, Graph), all at once; never throws. */
export async function checkHealth(deps: HealthDeps): Promise<HealthReport> {
  const timeoutMs = deps.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const [storage, serviceBus, graph] = await Promise.all([check(deps.storage, timeoutMs), check(deps.serviceBus, timeoutMs), check(deps.graph, timeoutMs)]);
  const guard = deps.approvalDecisions;
  const status: HealthStatus = !storage.reachable ? 'Unhealthy' : !serviceBus.reachable || !graph.reachable || !guard.served ? 'Degraded' : 'Healthy';
  const approvalLinks = { decisionsServed: guard.served, ...(guard.reason ? { reason: guard.reason } : {}) };
  return { status, storage, serviceBus, graph, durable: { backend: deps.durableBackend, taskHub: deps.taskHub }, approvalLinks };
}

async function check(dependency: DependencyHealth, timeoutMs: number): Promise<DependencyReport> {
  const base = { backend: dependency.backend, endpoint: dependency.endpoint, emulator: dependency.emulator };
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new Error(`no answer within ${timeoutMs / 1000} s`));
    }, timeoutMs);
  });
  try {
    const latencyMs = await Promise.race([dependency.probe(controller.signal), timeout]);
    return { ...base, reachable: true, latencyMs };
  } catch (error) {
    return { ...base, reachable: false, error: safeMessage(error) };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The first line of an error, fit to show anyone who can GET /healthz: SDK messages can quote
 * a request URL with its SAS signature, a connection string or a token, so those are cut.
 */
export function safeMessage(error: unknown): string {
  const raw = error instanceof Error ? error.message : typeof error === 'string' ? error : 'no answer';
  const line = (raw.split('\n').find((l) => l.trim() !== '') ?? 'no answer').trim();
  const redacted = line
    // Query strings carry SAS signatures (sig=...) and tokens.
    .replace(/(\b[a-z][a-z0-9+.-]*:\/\/[^\s?#"']*)\?[^\s"']*/gi, '$1?…')
    .replace(/\b(AccountKey|SharedAccessKey|SharedAccessSignature|sig|access_token|client_secret|password)=[^;&\s"']*/gi, '$1=…')
    .replace(/\bBearer\s+[A-Za-z0-9._~+/=-]+/g, 'Bearer …')
    // A JWT anywhere else.
    .replace(/\beyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g, '…');
  return redacted.length > 300 ? `${redacted.slice(0, 299)}…` : redacted;
}
