/**
 * Shared by the hardening suites: the app with a few known objects in it (so fuzzed requests
 * reach real rows, not only 404s), raw HTTP (node:http, so a test can send what fetch would
 * refuse or normalise: duplicate headers, `%2e%2e`, bodies without a content type), and the
 * checks every refused request must pass.
 */
import { Agent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { deps } from '../../functions/composition';
import { type AppHost, startAppHost, TENANT_ID } from '../e2e/appHost';
import { ROLES, USERS } from '../e2e/demo';

export const GRAPH = '/v1.0/roleManagement/directory';
export const POLICIES = '/v1.0/policies/roleManagementPolicies';
export const policyId = (roleDefinitionId: string) => `DirectoryRole_${TENANT_ID}_${roleDefinitionId}`;

/** Objects the fixtures create; the suites aim requests at them (and at ids that do not exist). */
export interface Known {
  /** alice's selfActivate of Security Administrator, waiting for bob's approval. */
  pendingRequestId: string;
  approvalId: string;
  stepId: string;
  /** alice's eligibility for Security Administrator (the admin's adminAssign). */
  aliceEligibilityRequestId: string;
  aliceEligibilityScheduleId: string;
  /** carol's active (admin-assigned) Helpdesk Administrator assignment. */
  carolAssignmentRequestId: string;
  carolAssignmentScheduleId: string;
}

export interface Fixture {
  app: AppHost;
  known: Known;
}

/** One HTTP request as sent on the wire. */
export interface RawCall {
  method: string;
  /** Path and query exactly as written on the request line (not normalised). */
  path: string;
  headers?: Record<string, string | string[]>;
  body?: string | Buffer;
}

export interface RawAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

// Why keep-alive: thousands of requests over fresh sockets would spend the time budget on TCP.
const agent = new Agent({ keepAlive: true, maxSockets: 8 });

/** Sends exactly this request (node:http leaves the path and headers as given). */
export function send(baseUrl: string, call: RawCall): Promise<RawAnswer> {
  const url = new URL(baseUrl);
  const headers = { ...(call.headers ?? {}) };
  const named = (name: string) => Object.keys(headers).some((h) => h.toLowerCase() === name);
  // Why: node:http frames a DELETE or OPTIONS body with neither header, which a server reads as
  // the start of the next request; a client that sends a body says how long it is.
  if (call.body !== undefined && !named('content-length') && !named('transfer-encoding')) headers['content-length'] = String(Buffer.byteLength(call.body));
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: url.hostname, port: url.port, method: call.method, path: call.path, headers, agent },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(call.body);
  });
}

export const bearer = async (app: AppHost, user: string) => `Bearer ${await app.token(user, { mfa: true })}`;

/** A JSON call as `user` through the raw client (for fixtures and snapshots). */
export async function json(app: AppHost, user: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const answer = await send(app.url, {
    method,
    path,
    headers: { authorization: await bearer(app, user), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: answer.status, body: answer.text ? (JSON.parse(answer.text) as Record<string, unknown>) : {} };
}

async function created(app: AppHost, user: string, path: string, body: unknown): Promise<Record<string, unknown>> {
  const answer = await json(app, user, 'POST', path, body);
  if (answer.status !== 201) throw new Error(`fixture POST ${path} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
  return answer.body;
}

/**
 * The app with: Security Administrator needing bob's approval, alice eligible for it and her
 * activation waiting for bob, and carol actively assigned Helpdesk Administrator.
 */
export async function startFixture(): Promise<Fixture> {
  const app = await startAppHost();
  const rule = `${POLICIES}/${policyId(ROLES.security)}/rules/Approval_EndUser_Assignment`;
  const approval = { setting: { isApprovalRequired: true, approvalStages: [{ primaryApprovers: [{ '@odata.type': '#microsoft.graph.singleUser', userId: USERS.bob }] }] } };
  const patched = await json(app, 'admin', 'PATCH', rule, approval);
  if (patched.status !== 204) throw new Error(`fixture PATCH ${rule} answered ${patched.status}`);
  const eligibility = await created(app, 'admin', `${GRAPH}/roleEligibilityScheduleRequests`, {
    action: 'adminAssign', principalId: USERS.alice, roleDefinitionId: ROLES.security, directoryScopeId: '/',
    scheduleInfo: { expiration: { type: 'afterDuration', duration: 'P30D' } },
  });
  const pending = await created(app, 'alice', `${GRAPH}/roleAssignmentScheduleRequests`, {
    action: 'selfActivate', principalId: USERS.alice, roleDefinitionId: ROLES.security, directoryScopeId: '/', justification: 'Rotate the leaked key',
    scheduleInfo: { expiration: { type: 'afterDuration', duration: 'PT2H' } },
  });
  const carol = await created(app, 'admin', `${GRAPH}/roleAssignmentScheduleRequests`, {
    action: 'adminAssign', principalId: USERS.carol, roleDefinitionId: ROLES.helpdesk, directoryScopeId: '/', justification: 'On call',
    scheduleInfo: { expiration: { type: 'afterDuration', duration: 'P10D' } },
  });
  // Why: a role's policy row is written with Entra's defaults the first time anyone reads it;
  // reading every one now keeps that by-design write out of the refused requests' snapshots.
  const roles = await json(app, 'admin', 'GET', '/v1.0/roleManagement/directory/roleDefinitions?$top=999');
  for (const role of (roles.body.value as Array<{ id: string }> | undefined) ?? []) await json(app, 'admin', 'GET', `${POLICIES}/${policyId(role.id)}`);
  await settled(app);
  const approvalId = String(pending.approvalId);
  const steps = await json(app, 'admin', 'GET', `${GRAPH}/roleAssignmentApprovals/${approvalId}/steps`);
  const stepId = String((steps.body.value as Array<{ id: string }> | undefined)?.[0]?.id);
  return {
    app,
    known: {
      pendingRequestId: String(pending.id),
      approvalId,
      stepId,
      aliceEligibilityRequestId: String(eligibility.id),
      aliceEligibilityScheduleId: String(eligibility.targetScheduleId),
      carolAssignmentRequestId: String(carol.id),
      carolAssignmentScheduleId: String(carol.targetScheduleId),
    },
  };
}

/**
 * Everything a refused request must leave alone, as one comparable string: what an admin sees
 * in the collections, the stored policies and approvals (also rows no list shows, such as a
 * policy for a role that does not exist), the directory's role assignments and the audit length.
 */
export async function snapshot(app: AppHost): Promise<string> {
  const collections = [
    `${GRAPH}/roleEligibilityScheduleRequests?$top=999`,
    `${GRAPH}/roleEligibilitySchedules?$top=999`,
    `${GRAPH}/roleAssignmentScheduleRequests?$top=999`,
    `${GRAPH}/roleAssignmentSchedules?$top=999`,
    `${POLICIES}?$top=999&$expand=rules`,
  ];
  const seen: Record<string, unknown> = {};
  for (const path of collections) {
    const answer = await json(app, 'admin', 'GET', path);
    seen[path] = answer.status === 200 ? answer.body.value : `status ${answer.status}`;
  }
  const d = deps();
  const [approvals, policies, audit, assignments] = await Promise.all([d.approvals.listOpen(), d.policies.list('directoryRole'), d.audit.list(), app.graph.listAssignments()]);
  const byId = <T extends { id: string }>(items: T[]) => [...items].sort((a, b) => a.id.localeCompare(b.id));
  seen.approvals = byId(approvals);
  seen.storedPolicies = byId(policies);
  seen.auditRecords = audit.length;
  seen.directoryAssignments = [...assignments].map((a) => `${a.principalId}|${a.roleDefinitionId}|${a.directoryScopeId}`).sort();
  return JSON.stringify(seen);
}

/** Waits until the state stops changing (workflows and event handlers started by the fixtures). */
export async function settled(app: AppHost, timeoutMs = 15_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let last = await snapshot(app);
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 300));
    const now = await snapshot(app);
    if (now === last) return now;
    last = now;
  }
  throw new Error(`The app's state kept changing for ${timeoutMs} ms after the fixtures.`);
}

/** The first difference between two snapshots, for a readable failure. */
export function firstDifference(before: string, after: string): string {
  const a = JSON.parse(before) as Record<string, unknown>;
  const b = JSON.parse(after) as Record<string, unknown>;
  for (const key of Object.keys({ ...a, ...b })) {
    const x = a[key];
    const y = b[key];
    if (JSON.stringify(x) === JSON.stringify(y)) continue;
    if (Array.isArray(x) && Array.isArray(y)) return `${key}: ${listDifference(x, y)}`;
    return `${key}: ${clip(JSON.stringify(x) ?? 'undefined', 300)} -> ${clip(JSON.stringify(y) ?? 'undefined', 300)}`;
  }
  return 'no difference';
}

/** Which items (by id) a list gained, lost or changed. */
function listDifference(before: unknown[], after: unknown[]): string {
  const byId = (items: unknown[]) => new Map(items.map((item) => [isRecord(item) && typeof item.id === 'string' ? item.id : JSON.stringify(item), JSON.stringify(item)]));
  const x = byId(before);
  const y = byId(after);
  const added = [...y.keys()].filter((k) => !x.has(k));
  const removed = [...x.keys()].filter((k) => !y.has(k));
  const changed = [...y.keys()].filter((k) => x.has(k) && x.get(k) !== y.get(k));
  const part = (label: string, ids: string[], source: Map<string, string>) => (ids.length ? [`${label} ${ids.map((id) => clip(source.get(id) ?? id, 200)).join(', ')}`] : []);
  return [...part('added', added, y), ...part('removed', removed, x), ...part('changed to', changed, y)].join('; ');
}

export const clip = (text: string, max = 160) => (text.length > max ? `${text.slice(0, max)}…(${text.length} chars)` : text);

/**
 * Why a 4xx answer is not a Graph error body, or undefined when it is one:
 * `{"error":{"code":"…","message":"…","innerError":{…}}}` as JSON.
 */
export function graphErrorProblem(answer: RawAnswer): string | undefined {
  const type = String(answer.headers['content-type'] ?? '');
  if (!/^application\/json/i.test(type)) return `content-type '${type}'`;
  let parsed: unknown;
  try {
    parsed = JSON.parse(answer.text);
  } catch {
    return `body is not JSON: ${clip(answer.text, 80)}`;
  }
  const error = isRecord(parsed) ? parsed.error : undefined;
  if (!isRecord(error)) return 'no error object';
  if (typeof error.code !== 'string' || error.code === '') return 'error.code is not a non-empty string';
  if (typeof error.message !== 'string' || error.message === '') return 'error.message is not a non-empty string';
  if (!isRecord(error.innerError)) return 'no error.innerError object';
  return undefined;
}

/** Why a 4xx answer from /approvals/{token} is not an HTML page with a heading (HEAD has no body). */
export function htmlPageProblem(answer: RawAnswer, method: string): string | undefined {
  const type = String(answer.headers['content-type'] ?? '');
  if (!/^text\/html/i.test(type)) return `content-type '${type}'`;
  if (method === 'HEAD') return undefined;
  return /<h1>[^<]+<\/h1>/.test(answer.text) ? undefined : `no <h1> heading: ${clip(answer.text, 80)}`;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export const knownUsers = USERS;
export const knownRoles = ROLES;
