import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AppHost, AUDIENCE, startAppHost, TENANT_ID } from './appHost';

let app: AppHost;

beforeAll(async () => {
  app = await startAppHost();
});

afterAll(async () => {
  await app?.host.stop();
});

interface GraphErrorBody {
  error: { code: string; message: string; innerError: { 'request-id': string; date: string } };
}

async function expectGraphError(res: Response, status: number, code: string): Promise<GraphErrorBody> {
  expect(res.status).toBe(status);
  const body = (await res.json()) as GraphErrorBody;
  expect(body.error.code).toBe(code);
  expect(body.error.message.length).toBeGreaterThan(0);
  expect(body.error.innerError['request-id']).toBeTruthy();
  return body;
}

describe('identity', () => {
  it('refuses a call without a token, with Graph\'s 401', async () => {
    const body = await expectGraphError(await app.call(undefined, '/v1.0/roleManagement/directory/roleDefinitions'), 401, 'InvalidAuthenticationToken');
    expect(body.error.message).toBe('Access token is empty.');
  });

  it('accepts a token from the configured issuer', async () => {
    const res = await app.call('alice', '/v1.0/roleManagement/directory/roleDefinitions');
    expect(res.status).toBe(200);
  });

  it('refuses expired, not-yet-valid, wrong-audience, other-tenant and tampered tokens', async () => {
    const bad = [
      await app.issuer.issueToken({ oid: 'x' }, { expiresInSeconds: -120, notBefore: new Date(Date.now() - 3_600_000) }),
      await app.issuer.issueToken({ oid: 'x' }, { notBefore: new Date(Date.now() + 3_600_000) }),
      await app.issuer.issueToken({ oid: 'x' }, { audience: 'api://someone-else' }),
      await app.issuer.issueToken({ oid: 'x', tid: '00000000-0000-0000-0000-000000000000' }),
    ];
    const good = await app.token('alice');
    const [h, p, s] = good.split('.');
    const payload = JSON.parse(Buffer.from(p ?? '', 'base64url').toString()) as Record<string, unknown>;
    bad.push(`${h}.${Buffer.from(JSON.stringify({ ...payload, roles: ['PIM.Admin'] })).toString('base64url')}.${s}`);
    for (const token of bad) {
      const res = await fetch(`${app.url}/v1.0/roleManagement/directory/roleDefinitions`, { headers: { authorization: `Bearer ${token}` } });
      await expectGraphError(res, 401, 'InvalidAuthenticationToken');
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_token"/);
    }
  });

  it('refuses alg none and HS256 signed with the public key', async () => {
    const now = Math.floor(Date.now() / 1000);
    const claims = { oid: 'x', tid: TENANT_ID, iss: app.issuer.issuer, aud: AUDIENCE, iat: now, exp: now + 600 };
    const enc = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const none = `${enc({ alg: 'none', typ: 'JWT' })}.${enc(claims)}.`;
    const publicKey = JSON.stringify(app.issuer.jwks().keys[0]);
    const hs = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(publicKey));
    for (const token of [none, hs]) {
      const res = await fetch(`${app.url}/v1.0/roleManagement/directory/roleDefinitions`, { headers: { authorization: `Bearer ${token}` } });
      await expectGraphError(res, 401, 'InvalidAuthenticationToken');
    }
  });
});

describe('Graph conventions', () => {
  it('serves role definitions under v1.0 and beta with @odata.context', async () => {
    for (const version of ['v1.0', 'beta']) {
      const res = await app.call('alice', `/${version}/roleManagement/directory/roleDefinitions`);
      const body = (await res.json()) as { '@odata.context': string; value: Array<{ id: string; displayName: string }> };
      expect(body['@odata.context']).toBe(`${app.url}/${version}/$metadata#roleManagement/directory/roleDefinitions`);
      expect(body.value.map((r) => r.displayName)).toEqual(expect.arrayContaining(['Global Administrator', 'Privileged Role Administrator']));
    }
  });

  it('filters, selects, counts and pages with @odata.nextLink', async () => {
    const filtered = await app.call('alice', "/v1.0/roleManagement/directory/roleDefinitions?$filter=displayName eq 'Global Reader'&$select=id,displayName");
    const one = (await filtered.json()) as { value: Array<Record<string, unknown>> };
    expect(one.value).toEqual([{ id: 'f2ef992c-3afb-46b9-b7cf-a126ee74c451', displayName: 'Global Reader' }]);

    const seen: string[] = [];
    let next: string | undefined = `/v1.0/roleManagement/directory/roleDefinitions?$top=3&$count=true`;
    let pages = 0;
    while (next) {
      const res = await app.call('alice', next);
      const page = (await res.json()) as { value: Array<{ id: string }>; '@odata.nextLink'?: string; '@odata.count'?: number };
      expect(page['@odata.count']).toBe(9);
      seen.push(...page.value.map((v) => v.id));
      next = page['@odata.nextLink']?.replace(app.url, '');
      pages++;
    }
    expect(pages).toBe(3);
    expect(new Set(seen).size).toBe(9);
  });

  it('gets one role definition, and 404s an unknown one in Graph\'s shape', async () => {
    const res = await app.call('alice', '/v1.0/roleManagement/directory/roleDefinitions/62e90394-69f5-4237-9190-012177145e10');
    expect(((await res.json()) as { displayName: string }).displayName).toBe('Global Administrator');
    await expectGraphError(await app.call('alice', '/v1.0/roleManagement/directory/roleDefinitions/nope'), 404, 'ResourceNotFound');
  });

  it('answers malformed OData with a 400 naming what failed', async () => {
    const body = await expectGraphError(
      await app.call('alice', "/v1.0/roleManagement/directory/roleDefinitions?$filter=displayName eq 'x"),
      400,
      'BadRequest',
    );
    expect(body.error.message).toMatch(/Invalid filter clause: unterminated string/);
    await expectGraphError(await app.call('alice', '/v1.0/roleManagement/directory/roleDefinitions?$top=-1'), 400, 'BadRequest');
  });

  it('answers unknown routes with a Graph-shaped 404', async () => {
    await expectGraphError(await app.call('alice', '/v1.0/no/such/thing'), 404, 'ResourceNotFound');
    await expectGraphError(await app.call(undefined, '/v2.0/roleManagement/directory/roleDefinitions'), 404, 'ResourceNotFound');
  });
});
