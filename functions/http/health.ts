import { httpRoute } from '../httpRoute';
import { checkHealth, type HealthReport } from '../../shared/app/health';
import { config } from '../../shared/config';
import { approvalGuard, deps } from '../composition';

/**
 * The probe run in progress. Why: /healthz is anonymous and each run calls storage, the bus
 * and Graph; requests that arrive meanwhile share its answer instead of multiplying the calls.
 */
let running: Promise<HealthReport> | undefined;

function probeOnce(): Promise<HealthReport> {
  const settings = config();
  running ??= checkHealth({ ...deps().health, durableBackend: settings.PIM_DURABLE_BACKEND, taskHub: settings.DURABLE_TASK_HUB, approvalDecisions: approvalGuard() }).finally(() => {
    running = undefined;
  });
  return running;
}

httpRoute('health', {
  route: 'healthz',
  methods: ['GET'],
  authLevel: 'anonymous',
  doc: { summary: 'Health probe: storage, the bus and Graph as the app reaches them (503 when storage is unreachable)' },
  handler: async () => {
    const report = await probeOnce();
    return {
      // Why 503 only for storage: the platform's health check takes a 503 instance out of
      // rotation, which helps when this instance cannot reach its storage; a bus or Graph that
      // is down for every instance is reported (Degraded) but is no reason to drop instances.
      status: report.status === 'Unhealthy' ? 503 : 200,
      jsonBody: report,
      headers: { 'Cache-Control': 'no-store' },
    };
  },
});
