/**
 * Local forms of what an identity-based deployment talks to, for tests:
 * - the managed identity endpoint App Service and Flex Consumption give a function app
 *   (IDENTITY_ENDPOINT + IDENTITY_HEADER, api-version 2019-08-01), which @azure/identity uses
 *   when those variables are set;
 * - Azurite's table service over HTTPS with OAuth on (`--oauth basic`: it checks a bearer
 *   token's audience, issuer and lifetime, as Azure Storage does, but not its signature).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { freePort, waitForPort } from '../../devhost/core/ports';

const TLS_DIR = join(__dirname, 'tls');
/** A self-signed certificate for 127.0.0.1 and localhost (test use only; valid 2020-2120). */
export const TEST_CA = readFileSync(join(TLS_DIR, 'cert.pem'));

export interface TokenRequest {
  resource: string;
  clientId: string | undefined;
}

export interface ManagedIdentityEndpoint {
  /** Every token request so far, oldest first. */
  requests: TokenRequest[];
  close(): Promise<void>;
}

const TENANT = '7e9d5c3a-1f2b-4c6d-8e9f-0a1b2c3d4e5f';

/** A JWT-shaped token for `resource` (unsigned: Azurite's basic OAuth mode reads, not verifies). */
function tokenFor(resource: string, clientId: string | undefined): string {
  const now = Math.floor(Date.now() / 1000);
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return [
    part({ alg: 'RS256', typ: 'JWT' }),
    part({ aud: resource, iss: `https://sts.windows.net/${TENANT}/`, nbf: now - 60, iat: now - 60, exp: now + 3600, appid: clientId ?? 'system-assigned', oid: clientId ?? 'system-assigned', tid: TENANT }),
    Buffer.from('not-signed').toString('base64url'),
  ].join('.');
}

/**
 * Starts the stand-in and points this process at it (IDENTITY_ENDPOINT, IDENTITY_HEADER), as
 * the platform does for a function app. Call it before any credential is created.
 */
export async function startManagedIdentityEndpoint(): Promise<ManagedIdentityEndpoint> {
  const secret = 'identity-header-secret';
  const requests: TokenRequest[] = [];
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    // Why: the platform's endpoint answers only callers that show the header it gave the app.
    if (req.headers['x-identity-header'] !== secret) {
      res.writeHead(401).end();
      return;
    }
    const resource = url.searchParams.get('resource') ?? '';
    const clientId = url.searchParams.get('client_id') ?? undefined;
    requests.push({ resource, clientId });
    const expiresOn = Math.floor(Date.now() / 1000) + 3600;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ access_token: tokenFor(resource, clientId), expires_on: String(expiresOn), resource, token_type: 'Bearer', client_id: clientId }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  process.env.IDENTITY_ENDPOINT = `http://127.0.0.1:${port}/msi/token`;
  process.env.IDENTITY_HEADER = secret;
  return {
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export interface HttpsTables {
  /** e.g. https://127.0.0.1:PORT/devstoreaccount1 */
  tableServiceUri: string;
  stop(): Promise<void>;
}

/** Azurite's table service alone, on HTTPS with OAuth, in memory. Stopped by its process id. */
export async function startHttpsAzuriteTables(): Promise<HttpsTables> {
  const port = await freePort();
  const main = join(dirname(require.resolve('azurite/package.json')), 'dist/src/table/main.js');
  const child: ChildProcess = spawn(
    process.execPath,
    [main, '--tableHost', '127.0.0.1', '--tablePort', String(port), '--inMemoryPersistence', '--disableTelemetry', '--skipApiVersionCheck', '--silent', '--oauth', 'basic', '--cert', join(TLS_DIR, 'cert.pem'), '--key', join(TLS_DIR, 'key.pem')],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let errors = '';
  child.stderr?.on('data', (d) => (errors += String(d)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  if (!(await waitForPort(port, '127.0.0.1', 15_000, () => child.exitCode !== null))) {
    child.kill('SIGKILL');
    throw new Error(`Azurite (HTTPS tables) did not start: ${errors}`);
  }
  return {
    tableServiceUri: `https://127.0.0.1:${port}/devstoreaccount1`,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
