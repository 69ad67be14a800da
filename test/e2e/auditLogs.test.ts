import type { PipelinePolicy } from '@azure/core-rest-pipeline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tableAuditLog } from '../../shared/adapters/tables/auditLog';
import { TableAccess } from '../../shared/adapters/tables/tableAccess';
import { auditRecord } from '../../shared/app/audit';
import type { AuditRecord } from '../../shared/ports/audit';
import { eventually, testStorage } from '../devhost/helpers';
import { type AppHost, startAppHost, TENANT_ID } from './appHost';
import { ROLES, USERS } from './demo';

const AUDITS = '/v1.0/auditLogs/directoryAudits';
const ELIGIBILITY = '/v1.0/roleManagement/directory/roleEligibilityScheduleRequests';
const ASSIGNMENT = '/v1.0/roleManagement/directory/roleAssignmentScheduleRequests';
/** History older than the scenario, one record a minute, so the time-window reads have a long chain to search. */
const SEEDED = 2_400;

let app: AppHost;
let seeded: AuditRecord[];
/** When the scenario's steps started: between the seeded history and the scenario's records. */
let scenarioStart: string;
let afterFirstStep: string;

interface Page {
  value: AuditRecord[];
  '@odata.nextLink'?: string;
  error?: { code: string; message: string };
}

async function get(user: string, pathOrUrl: string): Promise<{ status: number; body: Page }> {
  const path = pathOrUrl.startsWith('http') ? pathOrUrl.slice(app.url.length) : pathOrUrl;
  const res = await app.call(user, path);
  return { status: res.status, body: (await res.json()) as Page };
}

const q = (filter: string, extra = '') => `${AUDITS}?$filter=${encodeURIComponent(filter)}${extra}`;

/** Every record a listing gives, following @odata.nextLink; the pages' sizes too. */
async function all(user: string, first: string): Promise<{ records: AuditRecord[]; pages: number[] }> {
  const records: AuditRecord[] = [];
  const pages: number[] = [];
  let next: string | undefined = first;
  while (next) {
    const { status, body } = await get(user, next);
    expect(status, JSON.stringify(body.error)).toBe(200);
    records.push(...body.value);
    pages.push(body.value.length);
    next = body['@odata.nextLink'];
  }
  return { records, pages };
}

function historyRecord(i: number): AuditRecord {
  const at = new Date(Date.now() - (SEEDED - i + 60) * 60_000);
  const caller = { oid: USERS.carol, tenantId: TENANT_ID, name: 'Carol Chen', roles: [], isAdmin: false, isAuditor: false, amr: ['mfa'], acrs: [] };
  return auditRecord({
    activity: 'Add member to role requested (PIM activation)',
    operationType: 'Add',
    caller,
    correlationId: `history-${i}`,
    at,
    targets: [{ id: ROLES.exchange, displayName: 'Exchange Administrator', type: 'Role', modifiedProperties: [] }, { id: USERS.carol, displayName: 'Carol Chen', type: 'User', modifiedProperties: [] }],
    details: { Justification: `history ${i}` },
    // Now and then one that failed, so `result eq 'failure'` has something to find.
    ...(i % 400 === 7 ? { result: 'failure' as const, resultReason: 'The directory refused the grant.' } : {}),
  });
}

async function post(user: string, path: string, json: unknown): Promise<void> {
  const res = await app.api(user, 'POST', path, json);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
}

/** Waits until no more records arrive (the activation's orchestration records the grant after the POST answers). */
async function settled(): Promise<AuditRecord[]> {
  let last = -1;
  return eventually(async () => {
    const { records } = await all('admin', `${AUDITS}?$top=999`);
    const same = records.length === last;
    last = records.length;
    await new Promise((r) => setTimeout(r, 300));
    return same ? records : undefined;
  }, 30_000);
}

beforeAll(async () => {
  app = await startAppHost();
  seeded = Array.from({ length: SEEDED }, (_, i) => historyRecord(i));
  await tableAuditLog(new TableAccess(testStorage(), String(process.env.PIM_TABLE_PREFIX))).appendAll(seeded);
  scenarioStart = new Date().toISOString();
  await post('admin', ELIGIBILITY, { action: 'adminAssign', principalId: USERS.alice, roleDefinitionId: ROLES.globalReader, directoryScopeId: '/', justification: 'audit e2e: alice reads', scheduleInfo: { expiration: { type: 'noExpiration' } } });
  await new Promise((r) => setTimeout(r, 20));
  afterFirstStep = new Date().toISOString();
  await post('admin', ELIGIBILITY, { action: 'adminAssign', principalId: USERS.bob, roleDefinitionId: ROLES.helpdesk, directoryScopeId: '/', justification: 'audit e2e: bob helps', scheduleInfo: { expiration: { type: 'noExpiration' } } });
  await post('alice', ASSIGNMENT, { action: 'selfActivate', principalId: USERS.alice, roleDefinitionId: ROLES.globalReader, directoryScopeId: '/', justification: 'audit e2e: quarterly report', scheduleInfo: { expiration: { type: 'afterDuration', duration: 'PT1H' } } });
}, 120_000);

afterAll(async () => {
  await app?.host.stop();
});

const initiator = (r: AuditRecord) => r.initiatedBy.user?.id;
const targets = (r: AuditRecord, id: string) => r.targetResources.some((t) => t.id === id);

describe('GET /auditLogs/directoryAudits', () => {
  it("lists what admins and users did, newest first, in Graph's directoryAudit shape", async () => {
    const records = await settled();
    expect(records.length).toBeGreaterThan(SEEDED);
    const aliceEligible = records.findIndex((r) => initiator(r) === USERS.admin && targets(r, USERS.alice) && targets(r, ROLES.globalReader));
    const bobEligible = records.findIndex((r) => initiator(r) === USERS.admin && targets(r, USERS.bob) && targets(r, ROLES.helpdesk));
    const aliceActivation = records.findIndex((r) => initiator(r) === USERS.alice && r.activityDisplayName === 'Add member to role requested (PIM activation)');
    expect(aliceEligible).toBeGreaterThanOrEqual(0);
    // The later step is listed first.
    expect(aliceActivation).toBeGreaterThanOrEqual(0);
    expect(aliceActivation).toBeLessThan(bobEligible);
    expect(bobEligible).toBeLessThan(aliceEligible);
    // All of the scenario comes before the older history.
    expect(records.slice(0, records.length - SEEDED).every((r) => r.activityDateTime >= scenarioStart)).toBe(true);
    expect(records.slice(-SEEDED).map((r) => r.id)).toEqual(seeded.map((r) => r.id).reverse());
    expect(records[aliceActivation]).toMatchObject({
      loggedByService: 'PIM',
      category: 'RoleManagement',
      result: 'success',
      initiatedBy: { user: { id: USERS.alice } },
      additionalDetails: expect.arrayContaining([expect.objectContaining({ value: 'audit e2e: quarterly report' })]),
    });
  });

  it('pages through @odata.nextLink returning every record exactly once', async () => {
    const everything = await settled();
    const paged = await all('admin', `${AUDITS}?$top=999`);
    expect(paged.pages.length).toBe(Math.ceil(everything.length / 999));
    const small = await all('admin', q(`activityDateTime ge ${scenarioStart}`, '&$top=3'));
    expect(small.pages.every((n) => n <= 3)).toBe(true);
    expect(small.records.map((r) => r.id)).toEqual(everything.filter((r) => r.activityDateTime >= scenarioStart).map((r) => r.id));
    expect(new Set(paged.records.map((r) => r.id)).size).toBe(everything.length);
    expect(paged.records.map((r) => r.id)).toEqual(everything.map((r) => r.id));
    const first = await get('admin', AUDITS);
    expect(first.body.value).toHaveLength(100);
  });

  it('narrows by each filter Graph documents for PIM, and by several joined with and', async () => {
    const everything = await settled();
    const cases: Array<[string, (r: AuditRecord) => boolean]> = [
      [`activityDateTime ge ${afterFirstStep}`, (r) => r.activityDateTime >= afterFirstStep],
      [`activityDateTime le ${scenarioStart}`, (r) => r.activityDateTime <= scenarioStart],
      [`initiatedBy/user/id eq '${USERS.alice}'`, (r) => initiator(r) === USERS.alice],
      [`targetResources/any(t: t/id eq '${USERS.bob}')`, (r) => targets(r, USERS.bob)],
      ["activityDisplayName eq 'Add member to role requested (PIM activation)'", (r) => r.activityDisplayName === 'Add member to role requested (PIM activation)'],
      ["category eq 'GroupManagement'", (r) => r.category === 'GroupManagement'],
      ["result eq 'failure'", (r) => r.result === 'failure'],
      ["result eq 'success' and loggedByService eq 'PIM'", (r) => r.result === 'success'],
      [
        `activityDateTime ge ${scenarioStart} and targetResources/any(t:t/id eq '${ROLES.globalReader}') and initiatedBy/user/id eq '${USERS.admin}'`,
        (r) => r.activityDateTime >= scenarioStart && targets(r, ROLES.globalReader) && initiator(r) === USERS.admin,
      ],
    ];
    for (const [filter, expected] of cases) {
      const { records } = await all('admin', q(filter, '&$top=500'));
      const want = everything.filter(expected).map((r) => r.id);
      expect(records.map((r) => r.id), filter).toEqual(want);
      // Each one narrows (the GroupManagement one to nothing: the scenario touched no group).
      expect(want.length, filter).toBeLessThan(everything.length);
    }
  });

  it('lets auditors read it too, and refuses everyone else with 403', async () => {
    const auditor = await get('erin', `${AUDITS}?$top=1`);
    expect(auditor.status).toBe(200);
    expect(auditor.body.value).toHaveLength(1);
    const user = await get('alice', AUDITS);
    expect(user.status).toBe(403);
    expect(user.body.error?.code).toBe('Authorization_RequestDenied');
    expect(user.body.error?.message).toMatch(/PIM\.Admin or PIM\.Auditor/);
    const one = (await get('admin', `${AUDITS}?$top=1`)).body.value[0] as AuditRecord;
    expect((await get('alice', `${AUDITS}/${one.id}`)).status).toBe(403);
  });

  it('reads one record by id, and answers 404 for an unknown one', async () => {
    const newest = (await get('admin', `${AUDITS}?$top=1`)).body.value[0] as AuditRecord;
    const res = await app.api('erin', 'GET', `${AUDITS}/${newest.id}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: newest.id, activityDisplayName: newest.activityDisplayName });
    const missing = await app.api('admin', 'GET', `${AUDITS}/00000000-0000-0000-0000-000000000000`);
    expect(missing.status).toBe(404);
  });

  it('answers 400 saying what to fix for a bad $top, $filter or $skiptoken', async () => {
    const cases: Array<[string, RegExp]> = [
      [`${AUDITS}?$top=0`, /whole number from 1 to 999/],
      [`${AUDITS}?$top=1000`, /whole number from 1 to 999/],
      [`${AUDITS}?$top=ten`, /whole number from 1 to 999/],
      [q("id eq 'x'"), /cannot be filtered on.*activityDateTime/],
      [q("category eq 'RoleManagement' or result eq 'failure'"), /Unsupported \$filter.*Supported: activityDateTime ge\|le/],
      [q("targetResources/any(t: t/displayName eq 'Bob')"), /targetResources\/any\(t: t\/id eq/],
      [q("activityDateTime ge 'yesterday'"), /needs a date-time/],
      [q("category eq 'open"), /unterminated string/],
      [`${AUDITS}?$skiptoken=nonsense`, /nextLink/],
      [`${AUDITS}?$orderby=activityDateTime asc`, /activityDateTime desc/],
    ];
    for (const [path, message] of cases) {
      const res = await get('admin', path);
      expect(res.status, path).toBe(400);
      expect(res.body.error?.code, path).toBe('BadRequest');
      expect(res.body.error?.message, path).toMatch(message);
    }
  });

  it('is described in the OpenAPI document with its query options', async () => {
    const doc = (await (await fetch(`${app.url}/openapi.json`)).json()) as { paths: Record<string, { get?: { parameters?: Array<{ name: string; in: string; schema: object }> } }> };
    const list = doc.paths['/{version}/auditLogs/directoryAudits']?.get;
    expect(list?.parameters?.filter((p) => p.in === 'query').map((p) => p.name)).toEqual(['$filter', '$top', '$skiptoken', '$select', '$orderby']);
    expect(doc.paths['/{version}/auditLogs/directoryAudits/{id}']?.get).toBeDefined();
  });

  it('reads a page, or a time window, as a short range of the chain rather than the whole table', async () => {
    await settled();
    const { deps } = await import('../../functions/composition');
    let rows = 0;
    let requests = 0;
    const counting: PipelinePolicy = {
      name: 'countAuditRows',
      async sendRequest(request, next) {
        const response = await next(request);
        requests++;
        const body = response.bodyAsText ? (JSON.parse(response.bodyAsText) as { value?: unknown[] }) : {};
        rows += Array.isArray(body.value) ? body.value.length : 1;
        return response;
      },
    };
    const reads = tableAuditLog(new TableAccess(testStorage(), String(process.env.PIM_TABLE_PREFIX), { additionalPolicies: [{ policy: counting, position: 'perCall' }] }));
    const app$ = deps();
    const original = app$.audit;
    app$.audit = reads;
    const measure = async (path: string) => {
      rows = 0;
      requests = 0;
      const { records } = await all('admin', path);
      return { records, rows, requests };
    };
    try {
      const newest = await measure(q(`activityDateTime ge ${scenarioStart}`, '&$top=5'));
      expect(newest.records.length).toBeGreaterThan(0);
      // A binary search (a point read per halving) and the window's own rows: not the 2,400 seeded.
      expect(newest.rows).toBeLessThan(newest.records.length + 40);
      const oldest = await measure(q(`activityDateTime le ${seeded[9]?.activityDateTime}`));
      expect(oldest.records.map((r) => r.id)).toEqual(seeded.slice(0, 10).map((r) => r.id).reverse());
      expect(oldest.rows).toBeLessThan(10 + 40);
      rows = 0;
      const page = await get('admin', `${AUDITS}?$top=5`);
      expect(page.body.value).toHaveLength(5);
      // The head and five rows.
      expect(rows).toBe(6);
    } finally {
      app$.audit = original;
    }
  });
});
