import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACTIVITIES } from '../../shared/adapters/durable/names';
import { eventually } from '../devhost/helpers';
import { type AppHost, startAppHost } from './appHost';
import { ROLES, USERS } from './demo';

/** What Azure Monitor's distro would export, kept in memory: the app's spans, as it makes them. */
const exporter = new InMemorySpanExporter();
let app: AppHost;

beforeAll(async () => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
  app = await startAppHost();
});

afterAll(async () => {
  await app?.host.stop();
  trace.disable();
  context.disable();
});

/** The span of the activity that grants the role. */
const GRANT = `activity.${ACTIVITIES.grant}`;

const attr = (span: ReadableSpan, key: string) => span.attributes[key];

describe('one trace per request, from the HTTP call to the directory and the audit', () => {
  it('an activation: the API call, the workflow\'s activities, the Graph grant and the audit records share one trace tagged with the request id', async () => {
    const eligible = await app.api('admin', 'POST', '/v1.0/roleManagement/directory/roleEligibilityScheduleRequests', {
      action: 'adminAssign', principalId: USERS.carol, roleDefinitionId: ROLES.helpdesk, directoryScopeId: '/', scheduleInfo: { expiration: { type: 'afterDuration', duration: 'P7D' } },
    });
    expect(eligible.status).toBe(201);
    const res = await fetch(`${app.url}/v1.0/roleManagement/directory/roleAssignmentScheduleRequests`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await app.token('carol', { mfa: true })}`, 'content-type': 'application/json' },
      body: JSON.stringify({ action: 'selfActivate', principalId: USERS.carol, roleDefinitionId: ROLES.helpdesk, directoryScopeId: '/', justification: 'Trace me', scheduleInfo: { expiration: { type: 'afterDuration', duration: 'PT1H' } } }),
    });
    expect(res.status).toBe(201);
    const httpRequestId = res.headers.get('request-id') ?? '';
    const created = (await res.json()) as { id: string };
    await eventually(async () => ((await app.api('carol', 'GET', `/v1.0/roleManagement/directory/roleAssignmentScheduleRequests/${created.id}`)).body.status === 'Provisioned' ? true : undefined), 20_000, 200);

    const spans = await eventually(async () => {
      const all = exporter.getFinishedSpans();
      const server = all.find((s) => s.name.startsWith('POST ') && attr(s, 'pim.correlation_id') === httpRequestId);
      if (!server) return undefined;
      const inTrace = all.filter((s) => s.spanContext().traceId === server.spanContext().traceId);
      return inTrace.some((s) => s.name === 'graph.grantRole') && inTrace.some((s) => s.name === GRANT) ? { server, inTrace } : undefined;
    }, 10_000, 100);

    expect(attr(spans.server, 'http.response.status_code')).toBe(201);
    const names = spans.inTrace.map((s) => s.name);
    // The request's own audit (correlated by the HTTP request id) and the grant's (by the schedule request id).
    const audits = spans.inTrace.filter((s) => s.name.startsWith('audit.'));
    expect(audits.map((s) => attr(s, 'pim.correlation_id'))).toEqual(expect.arrayContaining([httpRequestId, created.id]));
    expect(names).toEqual(expect.arrayContaining([GRANT, 'graph.grantRole', 'graph.getPrincipal']));
    const grant = spans.inTrace.find((s) => s.name === GRANT);
    expect(attr(grant as ReadableSpan, 'pim.schedule_request_id')).toBe(created.id);
    // The Graph call happened inside the activity: its parent is the activity's span.
    const graphGrant = spans.inTrace.find((s) => s.name === 'graph.grantRole');
    expect(graphGrant?.parentSpanContext?.spanId).toBe(grant?.spanContext().spanId);
    // Another request is another trace.
    const others = exporter.getFinishedSpans().filter((s) => s.name.startsWith('POST ') && attr(s, 'pim.correlation_id') !== httpRequestId);
    expect(others.length).toBeGreaterThan(0);
    expect(others.every((s) => s.spanContext().traceId !== spans.server.spanContext().traceId)).toBe(true);
  });
});
