import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalJWKSet, createRemoteJWKSet, decodeProtectedHeader, errors, generateKeyPair, jwtVerify, SignJWT } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import type { HostContext } from '../../devhost/core/extension';
import { invoke } from '../../devhost/core/invoker';
import { Logger } from '../../devhost/core/logger';
import { OidcIssuerExtension, type OidcOptions } from '../../devhost/oidc';
import { createTokenValidator } from '../../shared/http/auth';
import { testStorage } from './helpers';

const tenantId = '11111111-2222-3333-4444-555555555555';
const audience = 'api://pim';
const servers: Server[] = [];

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

/**
 * The issuer behind a tiny HTTP server that hands every request to its handleHttp, as devhost
 * does, so clients fetch the discovery document and keys over HTTP like they would from Entra.
 */
async function serve(options: Partial<OidcOptions> = {}) {
  const issuer = new OidcIssuerExtension({ tenantId, audience, ...options });
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    void issuer.handleHttp({ method: req.method ?? 'GET', url, headers: req.headers, body: Buffer.alloc(0) }).then((answer) => {
      res.writeHead(answer?.status ?? 404, answer?.headers ?? {});
      res.end(answer?.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  const baseUrl = `http://localhost:${(server.address() as AddressInfo).port}`;
  const host: HostContext = {
    logger: new Logger('warn'),
    baseUrl,
    storageConnectionString: testStorage(),
    tablePrefix: 'Oidc',
    invoke,
  };
  await issuer.start(host);
  return { issuer, baseUrl, server };
}

async function getJson(url: string): Promise<Record<string, unknown>> {
  const res = await fetch(url);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('application/json');
  return (await res.json()) as Record<string, unknown>;
}

describe('devhost OpenID issuer', () => {
  it('serves an Entra-shaped discovery document at both of its addresses', async () => {
    const { baseUrl } = await serve();
    const doc = await getJson(`${baseUrl}/${tenantId}/v2.0/.well-known/openid-configuration`);
    expect(doc).toMatchObject({
      issuer: `${baseUrl}/${tenantId}/v2.0`,
      jwks_uri: `${baseUrl}/${tenantId}/discovery/v2.0/keys`,
      token_endpoint: `${baseUrl}/${tenantId}/oauth2/v2.0/token`,
      authorization_endpoint: `${baseUrl}/${tenantId}/oauth2/v2.0/authorize`,
      id_token_signing_alg_values_supported: ['RS256'],
      subject_types_supported: ['pairwise'],
    });
    expect(await getJson(`${baseUrl}/.well-known/openid-configuration`)).toEqual(doc);
    expect((await fetch(`${baseUrl}/.well-known/openid-configuration`, { method: 'POST' })).status).toBe(405);
  });

  it('publishes only the public half of its RS256 key', async () => {
    const { baseUrl } = await serve();
    const jwks = (await getJson(`${baseUrl}/${tenantId}/discovery/v2.0/keys`)) as { keys: Array<Record<string, unknown>> };
    expect(jwks.keys).toHaveLength(1);
    const [key] = jwks.keys;
    expect(Object.keys(key ?? {}).sort()).toEqual(['alg', 'e', 'kid', 'kty', 'n', 'use']);
    expect(key).toMatchObject({ kty: 'RSA', use: 'sig', alg: 'RS256' });
    expect(Buffer.from(String(key?.n), 'base64url')).toHaveLength(256); // 2048-bit modulus
    expect(await getJson(`${baseUrl}/.devhost/keys`)).toEqual(jwks);
  });

  it('issues tokens that verify against the served keys and carry Entra v2 claims', async () => {
    const { issuer, baseUrl } = await serve();
    const token = await issuer.issueToken({
      oid: 'user-1',
      name: 'Alice',
      preferred_username: 'alice@contoso.test',
      roles: ['PIM.Admin'],
      amr: ['pwd', 'mfa'],
      acrs: ['c1'],
    });
    const doc = await getJson(`${baseUrl}/${tenantId}/v2.0/.well-known/openid-configuration`);
    const { payload, protectedHeader } = await jwtVerify(token, createRemoteJWKSet(new URL(String(doc.jwks_uri))), {
      issuer: `${baseUrl}/${tenantId}/v2.0`,
      audience,
      algorithms: ['RS256'],
    });
    expect(protectedHeader).toMatchObject({ alg: 'RS256', typ: 'JWT', kid: issuer.jwks().keys[0]?.kid });
    expect(payload).toMatchObject({
      iss: `${baseUrl}/${tenantId}/v2.0`,
      aud: audience,
      tid: tenantId,
      oid: 'user-1',
      name: 'Alice',
      preferred_username: 'alice@contoso.test',
      ver: '2.0',
      scp: 'access_as_user',
      roles: ['PIM.Admin'],
      amr: ['pwd', 'mfa'],
      acrs: ['c1'],
    });
    // sub is pairwise, as in Entra: stable for the user, but not the oid.
    expect(payload.sub).not.toBe('user-1');
    const again = await jwtVerify(await issuer.issueToken({ oid: 'user-1' }), createLocalJWKSet(issuer.jwks()));
    expect(again.payload.sub).toBe(payload.sub);
    expect(payload.nbf).toBe(payload.iat);
    expect((payload.exp ?? 0) - (payload.nbf ?? 0)).toBe(3600);
  });

  it('issues tokens the app accepts', async () => {
    const { issuer } = await serve();
    const validator = createTokenValidator({
      issuer: issuer.issuer,
      audience,
      tenantId,
      adminRole: 'PIM.Admin',
      auditorRole: 'PIM.Auditor',
    });
    const token = await issuer.issueToken({ oid: 'user-2', roles: ['PIM.Admin'], amr: ['pwd', 'mfa'] });
    expect(await validator.authenticate(`Bearer ${token}`)).toMatchObject({
      oid: 'user-2',
      tenantId,
      isAdmin: true,
      amr: ['pwd', 'mfa'],
      acrs: [],
    });
  });

  it('honours audience, lifetime and not-before, and leaves out empty roles', async () => {
    const { issuer } = await serve();
    const keys = createLocalJWKSet(issuer.jwks());
    const other = await issuer.issueToken({ oid: 'u', roles: [] }, { audience: 'api://other', expiresInSeconds: 60 });
    const { payload } = await jwtVerify(other, keys, { audience: 'api://other' });
    expect(payload.roles).toBeUndefined();
    expect((payload.exp ?? 0) - (payload.iat ?? 0)).toBe(60);
    await expect(jwtVerify(other, keys, { audience })).rejects.toBeInstanceOf(errors.JWTClaimValidationFailed);

    const later = await issuer.issueToken({ oid: 'u' }, { notBefore: new Date(Date.now() + 600_000) });
    await expect(jwtVerify(later, keys)).rejects.toThrow(/nbf/);
    const expired = await issuer.issueToken({ oid: 'u' }, { notBefore: new Date(Date.now() - 7_200_000) });
    await expect(jwtVerify(expired, keys)).rejects.toBeInstanceOf(errors.JWTExpired);
  });

  it('issues tokens whose tampered payload, or a look-alike signed elsewhere, fails verification', async () => {
    const { issuer } = await serve();
    const keys = createRemoteJWKSet(new URL(issuer.jwksUri));
    const token = await issuer.issueToken({ oid: 'user-1' });
    const [header, payload, signature] = token.split('.');
    const claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString()) as Record<string, unknown>;
    const forged = Buffer.from(JSON.stringify({ ...claims, roles: ['PIM.Admin'] })).toString('base64url');
    await expect(jwtVerify(`${header}.${forged}.${signature}`, keys)).rejects.toBeInstanceOf(
      errors.JWSSignatureVerificationFailed,
    );

    const { privateKey } = await generateKeyPair('RS256');
    const lookAlike = await new SignJWT({ ...claims, roles: ['PIM.Admin'] })
      .setProtectedHeader(decodeProtectedHeader(token) as { alg: string })
      .sign(privateKey);
    await expect(jwtVerify(lookAlike, keys)).rejects.toBeInstanceOf(errors.JWSSignatureVerificationFailed);
  });

  it('keeps its key across a restart when given a key folder, and makes a new one without', async () => {
    const keyDir = mkdtempSync(join(tmpdir(), 'oidc-'));
    const first = await serve({ keyDir });
    const token = await first.issuer.issueToken({ oid: 'user-3' });
    const firstKeys = first.issuer.jwks();
    await new Promise((resolve) => first.server.close(resolve));

    const second = await serve({ keyDir });
    expect(second.issuer.jwks()).toEqual(firstKeys);
    await expect(jwtVerify(token, createRemoteJWKSet(new URL(second.issuer.jwksUri)), { audience })).resolves.toBeDefined();
    expect(statSync(join(keyDir, 'signing-key.json')).mode & 0o077).toBe(0); // private key: owner only
    const saved = JSON.parse(readFileSync(join(keyDir, 'signing-key.json'), 'utf8')) as Record<string, unknown>;
    expect(saved).toMatchObject({ kty: 'RSA', kid: firstKeys.keys[0]?.kid });

    const inMemory = await serve();
    expect(inMemory.issuer.jwks().keys[0]?.kid).not.toBe(firstKeys.keys[0]?.kid);
  });

  it('can publish a next key ahead of use, and sign with it', async () => {
    const keyDir = mkdtempSync(join(tmpdir(), 'oidc-'));
    const { issuer } = await serve({ keyDir, nextKey: true });
    const jwks = issuer.jwks();
    expect(jwks.keys).toHaveLength(2);
    expect(new Set(jwks.keys.map((k) => k.kid)).size).toBe(2);
    const token = await issuer.issueToken({ oid: 'user-4' }, { signingKey: 'next' });
    expect(decodeProtectedHeader(token).kid).toBe(jwks.keys[1]?.kid);
    await expect(jwtVerify(token, createRemoteJWKSet(new URL(issuer.jwksUri)))).resolves.toBeDefined();
    expect((await serve({ keyDir, nextKey: true })).issuer.jwks()).toEqual(jwks);
    await expect((await serve()).issuer.issueToken({ oid: 'x' }, { signingKey: 'next' })).rejects.toThrow(/nextKey/);
  });

  it('describes itself by its issuer', async () => {
    const { issuer } = await serve();
    expect(issuer.describe()).toEqual({ identity: `devhost OpenID issuer ${issuer.issuer}` });
  });
});
