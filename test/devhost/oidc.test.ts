import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import type { DevHost } from '../../devhost/core/host';
import { OidcIssuerExtension } from '../../devhost/oidc';
import { startTestHost } from './helpers';

const tenantId = '11111111-2222-3333-4444-555555555555';
const hosts: DevHost[] = [];

async function start(keyDir?: string) {
  const issuer = new OidcIssuerExtension({ tenantId, audience: 'api://pim', keyDir });
  const host = await startTestHost([issuer]);
  hosts.push(host);
  return { host, issuer };
}

afterEach(async () => {
  for (const host of hosts.splice(0)) await host.stop();
});

describe('devhost OpenID issuer', () => {
  it('serves a discovery document and a public-only JWKS like Entra v2', async () => {
    const { host } = await start();
    const doc = (await (await fetch(`${host.url}/${tenantId}/v2.0/.well-known/openid-configuration`)).json()) as Record<
      string,
      unknown
    >;
    expect(doc.issuer).toBe(`${host.url}/${tenantId}/v2.0`);
    expect(doc.id_token_signing_alg_values_supported).toEqual(['RS256']);
    const jwks = (await (await fetch(String(doc.jwks_uri))).json()) as { keys: Array<Record<string, unknown>> };
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).toMatchObject({ kty: 'RSA', use: 'sig', alg: 'RS256' });
    expect(jwks.keys[0]?.d).toBeUndefined();
    expect(jwks.keys[0]?.p).toBeUndefined();
  });

  it('issues tokens that verify against the served JWKS with the expected claims', async () => {
    const { host, issuer } = await start();
    const token = await issuer.issueToken({ oid: 'user-1', roles: ['PIM.Admin'], amr: ['pwd', 'mfa'], acrs: ['c1'] });
    const jwks = createRemoteJWKSet(new URL(issuer.jwksUri));
    const { payload, protectedHeader } = await jwtVerify(token, jwks, {
      issuer: `${host.url}/${tenantId}/v2.0`,
      audience: 'api://pim',
      algorithms: ['RS256'],
    });
    expect(protectedHeader.kid).toBeTruthy();
    expect(payload).toMatchObject({
      oid: 'user-1',
      sub: 'user-1',
      tid: tenantId,
      ver: '2.0',
      roles: ['PIM.Admin'],
      amr: ['pwd', 'mfa'],
      acrs: ['c1'],
    });
  });

  it('issues tokens whose tampered payload fails verification', async () => {
    const { issuer } = await start();
    const token = await issuer.issueToken({ oid: 'user-1', roles: [] });
    const [header, payload, signature] = token.split('.');
    const forged = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(payload ?? '', 'base64url').toString()), roles: ['PIM.Admin'] }),
    ).toString('base64url');
    const jwks = createRemoteJWKSet(new URL(issuer.jwksUri));
    await expect(jwtVerify(`${header}.${forged}.${signature}`, jwks)).rejects.toThrow(/signature/);
  });

  it('keeps its signing key across a restart when given a key folder', async () => {
    const keyDir = mkdtempSync(join(tmpdir(), 'oidc-'));
    const first = await start(keyDir);
    const token = await first.issuer.issueToken({ oid: 'user-2' });
    const firstKeys = first.issuer.jwks();
    await first.host.stop();
    hosts.splice(0);
    const second = await start(keyDir);
    expect(second.issuer.jwks()).toEqual(firstKeys);
    const jwks = createRemoteJWKSet(new URL(second.issuer.jwksUri));
    await expect(jwtVerify(token, jwks, { audience: 'api://pim' })).resolves.toBeDefined();
  });
});
