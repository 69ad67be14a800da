/**
 * Forged and wrong tokens, then authorization (issue 6, "Hardening"). Each forged token is wrong
 * in exactly one way (signed with the issuer's real key wherever the attack allows it), so a 401
 * proves that one check. Every one is sent to reads and to writes that would change something if
 * accepted (an admin's adminAssign, alice's cancel, turning approval off, bob's approval), and
 * must answer 401 with Graph's error body and a Bearer challenge, changing nothing. Then plain
 * users calling admin actions get 403, and another user's things are invisible (404, as if absent).
 */
import { constants, createPrivateKey, KeyObject, sign as rsaSign, type webcrypto } from 'node:crypto';
import { decodeJwt, exportJWK, exportPKCS8, exportSPKI, generateKeyPair, importJWK, type JWK, type JWTPayload, SignJWT, UnsecuredJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TENANT_ID } from '../e2e/appHost';
import { ROLES, USERS } from '../e2e/demo';
import {
  bearer,
  clip,
  type Fixture,
  firstDifference,
  GRAPH,
  graphErrorProblem,
  isRecord,
  POLICIES,
  policyId,
  type RawAnswer,
  send,
  snapshot,
  startFixture,
} from './harness';

const REQUESTS = `${GRAPH}/roleAssignmentScheduleRequests`;
const ELIGIBILITY_REQUESTS = `${GRAPH}/roleEligibilityScheduleRequests`;
const APPROVALS = `${GRAPH}/roleAssignmentApprovals`;

let fixture: Fixture;
const tally = { forged: 0, forgedRequests: 0, unauthorized: 0, authzRequests: 0, forbidden: 0, notFound: 0, changedState: 0 };

/** A request that would succeed (and mostly change something) for the identity the token claims. */
interface Target {
  name: string;
  method: string;
  path: string;
  body?: unknown;
  /** Whose identity the forged token claims: alice made admin, or bob (the approver). */
  as: 'aliceAsAdmin' | 'bob';
}

function targets(): Target[] {
  const k = fixture.known;
  return [
    { name: 'GET roleDefinitions', method: 'GET', path: `${GRAPH}/roleDefinitions`, as: 'aliceAsAdmin' },
    { name: 'GET assignment requests', method: 'GET', path: REQUESTS, as: 'aliceAsAdmin' },
    { name: 'GET approval', method: 'GET', path: `${APPROVALS}/${k.approvalId}`, as: 'bob' },
    { name: 'GET policy', method: 'GET', path: `${POLICIES}/${policyId(ROLES.security)}?$expand=rules`, as: 'aliceAsAdmin' },
    {
      name: 'POST adminAssign',
      method: 'POST',
      path: ELIGIBILITY_REQUESTS,
      body: { action: 'adminAssign', principalId: USERS.dave, roleDefinitionId: ROLES.globalAdmin, directoryScopeId: '/', scheduleInfo: { expiration: { type: 'afterDuration', duration: 'P30D' } } },
      as: 'aliceAsAdmin',
    },
    { name: 'POST cancel', method: 'POST', path: `${REQUESTS}/${k.pendingRequestId}/cancel`, as: 'aliceAsAdmin' },
    { name: 'PATCH rule', method: 'PATCH', path: `${POLICIES}/${policyId(ROLES.security)}/rules/Approval_EndUser_Assignment`, body: { setting: { isApprovalRequired: false } }, as: 'aliceAsAdmin' },
    { name: 'PATCH step', method: 'PATCH', path: `${APPROVALS}/${k.approvalId}/steps/${k.stepId}`, body: { reviewResult: 'Approve', justification: 'forged' }, as: 'bob' },
  ];
}

// ---------------------------------------------------------------------------------------------
// Keys and token construction

interface Keys {
  /** The issuer's real signing key (private), its kid and its published public JWK. */
  issuerKey: KeyObject;
  kid: string;
  publicJwk: JWK;
  publicPem: string;
  /** Another RSA key the app has never seen. */
  otherKey: KeyObject;
  otherJwk: JWK;
  /** Real payloads to forge from: alice's with PIM.Admin added, and bob's. */
  payloads: Record<Target['as'], JWTPayload>;
  /** alice's genuine token, for tampering (its signature is real). */
  aliceToken: string;
}

let keys: Keys;

/** The issuer's private key. Why reach into it: the issuer signs only well-formed tokens, and each forgery here must differ from one in exactly one claim. */
function issuerPrivateKey(): { key: KeyObject; kid: string } {
  const ring: unknown = Reflect.get(fixture.app.issuer, 'keys');
  const current = isRecord(ring) ? ring.current : undefined;
  const privateKey = isRecord(current) ? current.privateKey : undefined;
  if (!isRecord(current) || typeof current.kid !== 'string' || typeof privateKey !== 'object' || privateKey === null || Reflect.get(privateKey, 'type') !== 'private') {
    throw new Error("The devhost issuer's key ring changed shape.");
  }
  // KeyObject.from checks that it is a CryptoKey (this Node has no global CryptoKey to test against).
  return { key: KeyObject.from(privateKey as webcrypto.CryptoKey), kid: current.kid };
}

const b64 = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

/** A compact JWS signed with RSA (RS256/RS512 PKCS#1 v1.5, or PS256), for algorithms the app must refuse too. */
function rsaToken(header: Record<string, unknown>, payload: JWTPayload, key: KeyObject, alg: 'RS256' | 'RS512' | 'PS256' = 'RS256'): string {
  const input = `${b64({ typ: 'JWT', ...header, alg })}.${b64(payload)}`;
  const signature =
    alg === 'PS256' ? rsaSign('sha256', Buffer.from(input), { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 })
    : rsaSign(alg === 'RS512' ? 'sha512' : 'sha256', Buffer.from(input), key);
  return `${input}.${signature.toString('base64url')}`;
}

const now = () => Math.floor(Date.now() / 1000);

/** Every forged or wrong Authorization header value, by name, for the identity `as`. */
async function forgeries(as: Target['as']): Promise<Array<{ name: string; authorization?: string }>> {
  const k = keys;
  const payload = k.payloads[as];
  const real = (p: JWTPayload, header: Record<string, unknown> = {}) => `Bearer ${rsaToken({ kid: k.kid, ...header }, p, k.issuerKey)}`;
  const valid = real(payload);
  const hmac = async (secret: Uint8Array) => `Bearer ${await new SignJWT(payload).setProtectedHeader({ alg: 'HS256', typ: 'JWT', kid: k.kid }).sign(secret)}`;
  const der = Buffer.from(k.publicPem.replace(/-----[A-Z ]+-----|\s/g, ''), 'base64');
  const [head = '', , signature = ''] = k.aliceToken.split('.');
  const flipped = `${signature.slice(0, 10)}${signature[10] === 'A' ? 'B' : 'A'}${signature.slice(11)}`;
  const withoutClaim = (claim: string) => Object.fromEntries(Object.entries(payload).filter(([c]) => c !== claim)) as JWTPayload;
  return [
    { name: 'no Authorization header' },
    { name: 'empty Authorization header', authorization: '' },
    { name: '"Bearer" without a token', authorization: 'Bearer' },
    { name: 'Basic credentials', authorization: `Basic ${Buffer.from('alice@contoso.test:Passw0rd!').toString('base64')}` },
    { name: 'a valid token under another scheme', authorization: valid.replace(/^Bearer/, 'Token') },
    { name: 'two tokens after Bearer', authorization: `${valid} ${valid.slice(7)}` },
    { name: 'two Bearer credentials in one header', authorization: `${valid}, ${valid}` },
    { name: 'garbage token', authorization: 'Bearer a.b.c' },
    { name: 'not a JWS at all', authorization: `Bearer ${'x'.repeat(4_000)}` },
    { name: 'expired an hour ago', authorization: real({ ...payload, iat: now() - 7_200, nbf: now() - 7_200, exp: now() - 3_600 }) },
    { name: 'not valid for another 10 minutes (nbf)', authorization: real({ ...payload, iat: now(), nbf: now() + 600, exp: now() + 4_200 }) },
    { name: "wrong issuer (Entra's real issuer for the tenant)", authorization: real({ ...payload, iss: `https://login.microsoftonline.com/${TENANT_ID}/v2.0` }) },
    { name: 'wrong issuer (another tenant on this issuer)', authorization: real({ ...payload, iss: String(payload.iss).replace(TENANT_ID, '11111111-2222-3333-4444-555555555555') }) },
    { name: 'wrong audience', authorization: real({ ...payload, aud: 'api://someone-else' }) },
    { name: 'audience of Microsoft Graph', authorization: real({ ...payload, aud: '00000003-0000-0000-c000-000000000000' }) },
    { name: 'wrong tenant (tid)', authorization: real({ ...payload, tid: '11111111-2222-3333-4444-555555555555' }) },
    { name: 'no oid', authorization: real(withoutClaim('oid')) },
    { name: 'no tid', authorization: real(withoutClaim('tid')) },
    { name: 'no exp', authorization: real(withoutClaim('exp')) },
    { name: 'alg none (unsigned)', authorization: `Bearer ${new UnsecuredJWT(payload).encode()}` },
    { name: 'alg None, with the real signature kept', authorization: `Bearer ${b64({ alg: 'None', typ: 'JWT', kid: k.kid })}.${b64(payload)}.${signature}` },
    { name: 'HS256 keyed with the public key PEM (algorithm confusion)', authorization: await hmac(Buffer.from(k.publicPem)) },
    { name: 'HS256 keyed with the public key DER', authorization: await hmac(der) },
    { name: 'HS256 keyed with the published JWK', authorization: await hmac(Buffer.from(JSON.stringify(k.publicJwk))) },
    { name: 'HS256 keyed with the modulus', authorization: await hmac(Buffer.from(String(k.publicJwk.n), 'base64url')) },
    { name: 'RS512 signed with the real key', authorization: `Bearer ${rsaToken({ kid: k.kid }, payload, k.issuerKey, 'RS512')}` },
    { name: 'PS256 signed with the real key', authorization: `Bearer ${rsaToken({ kid: k.kid }, payload, k.issuerKey, 'PS256')}` },
    { name: 'another RSA key with the same kid', authorization: `Bearer ${rsaToken({ kid: k.kid }, payload, k.otherKey)}` },
    { name: 'an unknown kid (another key)', authorization: `Bearer ${rsaToken({ kid: 'not-a-published-kid' }, payload, k.otherKey)}` },
    { name: 'an unknown kid (the real key)', authorization: real(payload, { kid: 'not-a-published-kid' }) },
    { name: 'another key embedded in the header (jwk)', authorization: `Bearer ${rsaToken({ kid: k.kid, jwk: k.otherJwk }, payload, k.otherKey)}` },
    { name: 'another key set named in the header (jku)', authorization: `Bearer ${rsaToken({ kid: 'attacker', jku: 'https://attacker.test/keys' }, payload, k.otherKey)}` },
    { name: 'roles PIM.Admin signed by another key', authorization: `Bearer ${rsaToken({ kid: k.kid }, { ...payload, roles: ['PIM.Admin'] }, k.otherKey)}` },
    { name: 'tampered payload (oid and roles changed, signature kept)', authorization: `Bearer ${head}.${b64(payload)}.${signature}` },
    { name: 'tampered signature', authorization: `Bearer ${k.aliceToken.split('.').slice(0, 2).join('.')}.${flipped}` },
    { name: 'signature removed', authorization: `Bearer ${k.aliceToken.split('.').slice(0, 2).join('.')}.` },
    { name: 'an unrecognised critical header', authorization: real(payload, { crit: ['pim'], pim: true }) },
  ];
}

beforeAll(async () => {
  fixture = await startFixture();
  const jwksRes = await fetch(fixture.app.issuer.jwksUri);
  const jwks = (await jwksRes.json()) as { keys: JWK[] };
  const publicJwk = jwks.keys[0];
  if (!publicJwk) throw new Error('The issuer publishes no key.');
  const publicKey = await importJWK(publicJwk, 'RS256');
  if (publicKey instanceof Uint8Array) throw new Error('The published key is not an RSA key.');
  const { key: issuerKey, kid } = issuerPrivateKey();
  const other = await generateKeyPair('RS256', { extractable: true });
  const aliceToken = await fixture.app.token('alice', { mfa: true });
  const bobToken = await fixture.app.token('bob', { mfa: true });
  keys = {
    issuerKey,
    kid,
    publicJwk,
    publicPem: await exportSPKI(publicKey),
    otherKey: createPrivateKey(await exportPKCS8(other.privateKey)),
    otherJwk: await exportJWK(other.publicKey),
    payloads: { aliceAsAdmin: { ...decodeJwt(aliceToken), roles: ['PIM.Admin'] }, bob: decodeJwt(bobToken) },
    aliceToken,
  };
}, 120_000);

afterAll(async () => {
  console.log(
    `tokens: ${tally.forged} forged or wrong tokens, ${tally.forgedRequests} requests, ${tally.unauthorized} answered 401 with a Graph error body and a Bearer challenge; authorization: ${tally.authzRequests} requests, ${tally.forbidden} 403, ${tally.notFound} 404, ${tally.changedState} changed state`,
  );
  await fixture?.app.host.stop();
});

async function call(target: { method: string; path: string; body?: unknown }, authorization: string | string[] | undefined): Promise<RawAnswer> {
  const headers: Record<string, string | string[]> = {};
  if (authorization !== undefined) headers.authorization = authorization;
  if (target.body !== undefined) headers['content-type'] = 'application/json';
  return send(fixture.app.url, { method: target.method, path: target.path, headers, body: target.body === undefined ? undefined : JSON.stringify(target.body) });
}

/** The Graph error body's code and message, when the answer has one. */
function graphError(answer: RawAnswer): { code?: string; message?: string } {
  try {
    const parsed: unknown = JSON.parse(answer.text);
    return isRecord(parsed) && isRecord(parsed.error) ? { code: String(parsed.error.code), message: String(parsed.error.message) } : {};
  } catch {
    return {};
  }
}

/** What is wrong with an answer to a bad token: anything but 401 + Graph error body + Bearer challenge. */
function unauthorizedProblem(answer: RawAnswer): string | undefined {
  if (answer.status !== 401) return `status ${answer.status}: ${clip(answer.text, 200)}`;
  const body = graphErrorProblem(answer);
  if (body) return body;
  const { code } = graphError(answer);
  if (code !== 'InvalidAuthenticationToken') return `error code ${code}`;
  const challenge = String(answer.headers['www-authenticate'] ?? '');
  if (!/^Bearer\b/.test(challenge)) return `WWW-Authenticate '${challenge}'`;
  return undefined;
}

describe('forged and wrong tokens', () => {
  it('control: the genuine tokens the forgeries start from are accepted', async () => {
    for (const t of targets().filter((x) => x.method === 'GET')) {
      const answer = await call(t, await bearer(fixture.app, t.as === 'bob' ? 'bob' : 'alice'));
      expect(answer.status, t.name).toBe(200);
    }
  });

  it('every forged, expired, misaddressed or malformed token answers 401 with a Graph error body and a Bearer challenge, on reads and writes, and changes nothing', async () => {
    const before = await snapshot(fixture.app);
    const problems: string[] = [];
    const names = new Set<string>();
    for (const t of targets()) {
      for (const forged of await forgeries(t.as)) {
        names.add(forged.name);
        const answer = await call(t, forged.authorization);
        tally.forgedRequests++;
        const problem = unauthorizedProblem(answer);
        if (problem) problems.push(`${forged.name} -> ${t.name} (${t.method} ${t.path}): ${problem}`);
        else tally.unauthorized++;
      }
    }
    tally.forged = names.size;
    const after = await snapshot(fixture.app);
    if (after !== before) {
      tally.changedState++;
      problems.push(`the state changed: ${firstDifference(before, after)}`);
    }
    expect(problems.join('\n')).toBe('');
  }, 60_000);

  it('the challenge names invalid_token when a token was presented', async () => {
    const answer = await call(targets()[0] ?? { method: 'GET', path: '/v1.0/roleManagement/directory/roleDefinitions' }, 'Bearer a.b.c');
    expect(answer.status).toBe(401);
    expect(String(answer.headers['www-authenticate'])).toMatch(/^Bearer .*error="invalid_token"/);
  });

  it('two Authorization header lines (a valid token and garbage, either order) are refused like a malformed header', async () => {
    // Why: a proxy and the app must not disagree on which credential counts. The Functions host
    // hands both lines to the worker joined by a comma, which the app refuses; devhost must too.
    const valid = await bearer(fixture.app, 'alice');
    const t = { method: 'GET', path: REQUESTS };
    const answers = [await call(t, [valid, 'Bearer garbage']), await call(t, ['Bearer garbage', valid])];
    tally.forgedRequests += answers.length;
    expect(answers.map((a) => unauthorizedProblem(a) ?? 'ok')).toEqual(['ok', 'ok']);
  });

  it('a token header built to put a line break or non-Latin-1 text into the error description still answers a clean 401', async () => {
    // Why: the 401's WWW-Authenticate carries an error description; text from the token that
    // reaches it must not break the response (a header value cannot hold CR, LF or non-Latin-1).
    const problems: string[] = [];
    for (const name of ['x\r\nSet-Cookie: pim=1', 'é€', '\u2028']) {
      const token = `${b64({ alg: 'RS256', typ: 'JWT', kid: keys.kid, crit: [name], [name]: true })}.${b64(keys.payloads.aliceAsAdmin)}.${'A'.repeat(342)}`;
      const answer = await call({ method: 'GET', path: REQUESTS }, `Bearer ${token}`);
      tally.forgedRequests++;
      if (answer.headers['set-cookie']) problems.push(`${JSON.stringify(name)}: the response set a cookie`);
      const problem = unauthorizedProblem(answer);
      if (problem) problems.push(`${JSON.stringify(name)}: ${problem}`);
      else tally.unauthorized++;
    }
    expect(problems.join('\n')).toBe('');
  });
});

// ---------------------------------------------------------------------------------------------
// Authorization

async function as(user: string, method: string, path: string, body?: unknown): Promise<RawAnswer> {
  tally.authzRequests++;
  const answer = await call({ method, path, body }, await bearer(fixture.app, user));
  if (answer.status === 403) tally.forbidden++;
  if (answer.status === 404) tally.notFound++;
  return answer;
}

/** Runs `work` and fails the test if the state or the audit changed meanwhile. */
async function unchanged<T>(work: () => Promise<T>): Promise<T> {
  const before = await snapshot(fixture.app);
  const result = await work();
  const after = await snapshot(fixture.app);
  if (after !== before) tally.changedState++;
  expect(after === before ? 'unchanged' : firstDifference(before, after)).toBe('unchanged');
  return result;
}

describe('authorization', () => {
  it('plain users, an auditor included, get 403 for every admin action and nothing changes', async () => {
    const schedule = (duration: string) => ({ expiration: { type: 'afterDuration', duration } });
    const adminActions = [
      { name: 'eligibility adminAssign', method: 'POST', path: ELIGIBILITY_REQUESTS, body: { action: 'adminAssign', principalId: USERS.dave, roleDefinitionId: ROLES.globalAdmin, directoryScopeId: '/', scheduleInfo: schedule('P30D') } },
      { name: 'eligibility adminRemove', method: 'POST', path: ELIGIBILITY_REQUESTS, body: { action: 'adminRemove', principalId: USERS.alice, roleDefinitionId: ROLES.security, directoryScopeId: '/' } },
      { name: 'eligibility adminUpdate', method: 'POST', path: ELIGIBILITY_REQUESTS, body: { action: 'adminUpdate', principalId: USERS.alice, roleDefinitionId: ROLES.security, directoryScopeId: '/', scheduleInfo: schedule('P300D') } },
      { name: 'eligibility adminExtend', method: 'POST', path: ELIGIBILITY_REQUESTS, body: { action: 'adminExtend', principalId: USERS.alice, roleDefinitionId: ROLES.security, directoryScopeId: '/', scheduleInfo: schedule('P300D') } },
      { name: 'assignment adminAssign', method: 'POST', path: REQUESTS, body: { action: 'adminAssign', principalId: USERS.dave, roleDefinitionId: ROLES.globalAdmin, directoryScopeId: '/', justification: 'x', scheduleInfo: schedule('P1D') } },
      { name: 'assignment adminRemove', method: 'POST', path: REQUESTS, body: { action: 'adminRemove', principalId: USERS.carol, roleDefinitionId: ROLES.helpdesk, directoryScopeId: '/' } },
      { name: 'assignment adminRenew', method: 'POST', path: REQUESTS, body: { action: 'adminRenew', principalId: USERS.carol, roleDefinitionId: ROLES.helpdesk, directoryScopeId: '/', scheduleInfo: schedule('P10D') } },
      { name: 'PATCH policy rule', method: 'PATCH', path: `${POLICIES}/${policyId(ROLES.security)}/rules/Approval_EndUser_Assignment`, body: { setting: { isApprovalRequired: false } } },
      { name: 'PATCH policy rule (expiration)', method: 'PATCH', path: `${POLICIES}/${policyId(ROLES.security)}/rules/Expiration_EndUser_Assignment`, body: { maximumDuration: 'PT24H' } },
      { name: 'PATCH policy', method: 'PATCH', path: `${POLICIES}/${policyId(ROLES.security)}`, body: { pimWebhooks: [{ id: 'x', url: 'https://attacker.test/hook', format: 'json', signingKeyName: 'hooks' }] } },
    ];
    const problems = await unchanged(async () => {
      const found: string[] = [];
      // alice holds an eligibility and has a request; erin is an auditor; dave has nothing.
      for (const user of ['alice', 'erin', 'dave', 'bob']) {
        for (const action of adminActions) {
          const answer = await as(user, action.method, action.path, action.body);
          if (answer.status !== 403 || graphErrorProblem(answer) || graphError(answer).code !== 'Authorization_RequestDenied') {
            found.push(`${user} ${action.name}: ${answer.status} ${clip(answer.text, 160)}`);
          }
        }
      }
      return found;
    });
    expect(problems.join('\n')).toBe('');
  }, 60_000);

  it("another user's requests, schedules, instances and approvals are not in the lists, filterByCurrentUser included", async () => {
    const k = fixture.known;
    const lists = [
      REQUESTS,
      `${REQUESTS}/filterByCurrentUser(on='principal')`,
      `${REQUESTS}/filterByCurrentUser(on='approver')`,
      ELIGIBILITY_REQUESTS,
      `${ELIGIBILITY_REQUESTS}/filterByCurrentUser(on='principal')`,
      ...['roleEligibilitySchedules', 'roleAssignmentSchedules', 'roleEligibilityScheduleInstances', 'roleAssignmentScheduleInstances'].flatMap((s) => [`${GRAPH}/${s}`, `${GRAPH}/${s}/filterByCurrentUser(on='principal')`]),
    ];
    const others: Record<string, string[]> = {
      dave: [k.pendingRequestId, k.aliceEligibilityRequestId, k.aliceEligibilityScheduleId, k.carolAssignmentRequestId, k.carolAssignmentScheduleId],
      alice: [k.carolAssignmentRequestId, k.carolAssignmentScheduleId],
      carol: [k.pendingRequestId, k.aliceEligibilityRequestId, k.aliceEligibilityScheduleId],
      bob: [k.aliceEligibilityRequestId, k.aliceEligibilityScheduleId, k.carolAssignmentRequestId, k.carolAssignmentScheduleId],
    };
    const problems: string[] = [];
    for (const [user, hidden] of Object.entries(others)) {
      const oid = USERS[user as keyof typeof USERS];
      for (const path of lists) {
        const answer = await as(user, 'GET', `${path}${path.includes('?') ? '&' : '?'}$top=999`);
        if (answer.status !== 200) {
          problems.push(`${user} GET ${path}: ${answer.status}`);
          continue;
        }
        const items = (JSON.parse(answer.text) as { value: Array<{ id: string; principalId: string }> }).value;
        const approverView = path.endsWith("(on='approver')");
        for (const item of items) {
          // Only the approver view lists other people's requests: the ones awaiting this user's decision.
          if (!approverView && item.principalId !== oid) problems.push(`${user} GET ${path} lists ${item.principalId}'s ${item.id}`);
          if (hidden.includes(item.id)) problems.push(`${user} GET ${path} lists ${item.id}`);
        }
      }
    }
    // bob decides alice's request, so his approver view has it; dave's has nothing.
    const bobsQueue = JSON.parse((await as('bob', 'GET', `${REQUESTS}/filterByCurrentUser(on='approver')`)).text) as { value: Array<{ id: string }> };
    expect(bobsQueue.value.map((r) => r.id)).toContain(k.pendingRequestId);
    expect(problems.join('\n')).toBe('');
  }, 60_000);

  it("another user's request, schedule, approval and steps by id answer the same 404 as an id that does not exist", async () => {
    const k = fixture.known;
    const missing = '00000000-0000-4000-8000-000000000000';
    const byId: Array<{ user: string; path: (id: string) => string; id: string }> = [
      { user: 'dave', path: (id) => `${REQUESTS}/${id}`, id: k.pendingRequestId },
      { user: 'dave', path: (id) => `${ELIGIBILITY_REQUESTS}/${id}`, id: k.aliceEligibilityRequestId },
      { user: 'dave', path: (id) => `${GRAPH}/roleEligibilitySchedules/${id}`, id: k.aliceEligibilityScheduleId },
      { user: 'alice', path: (id) => `${REQUESTS}/${id}`, id: k.carolAssignmentRequestId },
      { user: 'alice', path: (id) => `${GRAPH}/roleAssignmentSchedules/${id}`, id: k.carolAssignmentScheduleId },
      { user: 'bob', path: (id) => `${GRAPH}/roleEligibilitySchedules/${id}`, id: k.aliceEligibilityScheduleId },
      { user: 'dave', path: (id) => `${APPROVALS}/${id}`, id: k.approvalId },
      { user: 'carol', path: (id) => `${APPROVALS}/${id}/steps`, id: k.approvalId },
      { user: 'dave', path: (id) => `${APPROVALS}/${id}/steps/${k.stepId}`, id: k.approvalId },
    ];
    const problems: string[] = [];
    for (const c of byId) {
      const hidden = await as(c.user, 'GET', c.path(c.id));
      const absent = await as(c.user, 'GET', c.path(missing));
      // Why compare with an absent id: the answer must not tell whether the hidden one exists.
      const shape = (a: RawAnswer, id: string) => `${a.status} ${graphError(a).code} ${graphError(a).message?.replace(id, '{id}')}`;
      if (hidden.status !== 404 || graphErrorProblem(hidden)) problems.push(`${c.user} GET ${c.path(c.id)}: ${hidden.status} ${clip(hidden.text, 120)}`);
      else if (shape(hidden, c.id) !== shape(absent, missing)) problems.push(`${c.user} GET ${c.path('{id}')}: hidden "${shape(hidden, c.id)}" differs from absent "${shape(absent, missing)}"`);
    }
    expect(problems.join('\n')).toBe('');
  });

  it("cancelling or deciding another user's request answers 404 and changes nothing", async () => {
    const k = fixture.known;
    const problems = await unchanged(async () => {
      const found: string[] = [];
      for (const user of ['dave', 'carol', 'erin']) {
        const cancel = await as(user, 'POST', `${REQUESTS}/${k.pendingRequestId}/cancel`);
        if (cancel.status !== 404 || graphErrorProblem(cancel)) found.push(`${user} cancel: ${cancel.status} ${clip(cancel.text, 120)}`);
        const decide = await as(user, 'PATCH', `${APPROVALS}/${k.approvalId}/steps/${k.stepId}`, { reviewResult: 'Approve', justification: 'not mine to decide' });
        if (decide.status !== 404 || graphErrorProblem(decide)) found.push(`${user} decide: ${decide.status} ${clip(decide.text, 120)}`);
      }
      // The approver may decide but not cancel: only the requester withdraws a request.
      const bobCancel = await as('bob', 'POST', `${REQUESTS}/${k.pendingRequestId}/cancel`);
      if (bobCancel.status !== 404) found.push(`bob cancel: ${bobCancel.status}`);
      // And the requester never approves her own request.
      const selfApproval = await as('alice', 'PATCH', `${APPROVALS}/${k.approvalId}/steps/${k.stepId}`, { reviewResult: 'Approve', justification: 'me' });
      if (selfApproval.status < 400 || graphErrorProblem(selfApproval)) found.push(`alice approves her own request: ${selfApproval.status}`);
      return found;
    });
    expect(problems.join('\n')).toBe('');
  });
});
