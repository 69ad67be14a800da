import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBus } from '../../shared/adapters/servicebus/bus';
import { tableStorageHealth } from '../../shared/adapters/tables/tableStorageHealth';
import { checkHealth, type HealthReport, safeMessage } from '../../shared/app/health';
import { freePort } from '../../devhost/core/ports';
import { deps } from '../../functions/composition';
import { type AppHost, startAppHost } from './appHost';

let app: AppHost;

beforeAll(async () => {
  app = await startAppHost();
});

afterAll(async () => {
  await app?.host.stop();
  await fetch(`${app?.url}/.devhost/graph/faults`, { method: 'DELETE' }).catch(() => undefined);
});

async function health(): Promise<{ status: number; text: string; report: HealthReport }> {
  const res = await fetch(`${app.url}/healthz`);
  const text = await res.text();
  return { status: res.status, text, report: JSON.parse(text) as HealthReport };
}

describe('/healthz reports what the app itself reaches', () => {
  it('names its tables, its bus and its Graph, each probed, with no secrets', async () => {
    const { status, text, report } = await health();
    expect(status).toBe(200);
    expect(report.status).toBe('Healthy');
    expect(report.storage).toMatchObject({ backend: 'Azure Table Storage', emulator: true, reachable: true });
    expect(report.serviceBus).toMatchObject({ backend: "devhost's Service Bus", endpoint: `${app.url}/.devhost/servicebus`, emulator: true, reachable: true });
    expect(report.graph).toMatchObject({ backend: "devhost's Graph stand-in", endpoint: `${app.url}/.devhost/graph`, emulator: true, reachable: true });
    for (const check of [report.storage, report.serviceBus, report.graph]) expect(check.latencyMs).toBeGreaterThanOrEqual(0);
    expect(text).not.toMatch(/AccountKey|SharedAccessKey|sig=|Bearer/i);
  });

  it('shows Graph failing as Degraded (200), with Graph\'s answer and nothing else of it', async () => {
    await fetch(`${app.url}/.devhost/graph/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ status: 503, count: 1, method: 'GET', pathContains: 'roleDefinitions' }) });
    const { status, report } = await health();
    expect(status).toBe(200);
    expect(report.status).toBe('Degraded');
    expect(report.graph).toMatchObject({ reachable: false, error: 'Graph answered 503 ServiceUnavailable' });
    expect(report.storage.reachable).toBe(true);
    expect((await health()).report.status).toBe('Healthy');
  });

  it('shows an app whose own storage does not answer as Unhealthy, without its key', async () => {
    const closed = await freePort();
    const key = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';
    const storage = tableStorageHealth({ kind: 'connectionString', connectionString: `DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=${key};TableEndpoint=http://127.0.0.1:${closed}/devstoreaccount1` }, { retryOptions: { maxRetries: 0 } });
    const report = await checkHealth({ ...deps().health, storage, durableBackend: 'test', taskHub: 'PimTestHub', approvalDecisions: { served: true, reason: null }, timeoutMs: 3_000 });
    expect(report.status).toBe('Unhealthy');
    expect(report.storage).toMatchObject({ reachable: false, endpoint: `http://127.0.0.1:${closed}/devstoreaccount1` });
    expect(report.storage.error).toBeTruthy();
    expect(JSON.stringify(report)).not.toContain(key);
  });

  it('cuts keys, signatures and tokens out of error text', () => {
    const message = safeMessage(new Error('GET https://pim.table.core.windows.net/Tables?sv=2019&sig=abc%2Bdef failed; AccountKey=s3cr3t; Bearer eyJhbGciOi.eyJzdWIiOi.c2ln\nsecond line'));
    expect(message).toBe('GET https://pim.table.core.windows.net/Tables?… failed; AccountKey=…; Bearer …');
  });

  it('shows a bus the app cannot reach as Degraded (200)', async () => {
    const app_ = deps();
    const configured = app_.health.serviceBus;
    // The app's bus, moved to where nothing answers.
    app_.health.serviceBus = createBus({ kind: 'devhost', url: `http://127.0.0.1:${await freePort()}/.devhost/servicebus` }, 'pim-events').health;
    try {
      const { status, report } = await health();
      expect(status).toBe(200);
      expect(report.status).toBe('Degraded');
      expect(report.serviceBus).toMatchObject({ reachable: false });
      expect(report.serviceBus.error).toMatch(/fetch failed|ECONNREFUSED/);
    } finally {
      app_.health.serviceBus = configured;
    }
    expect((await health()).report.status).toBe('Healthy');
  });
});
