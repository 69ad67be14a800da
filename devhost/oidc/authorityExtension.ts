import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { HostContext, HostExtension } from '../core/extension';
import type { DemoUser } from '../graph/demoDirectory';
import { type PublicClient, SignInAuthority } from './authority';
import type { OidcIssuerExtension } from './index';

export type { PublicClient } from './authority';

export interface SignInAuthorityOptions {
  issuer: OidcIssuerExtension;
  users: readonly DemoUser[];
  /** The app registrations it signs people in to (given the host, for redirect URIs on devhost's own URL). */
  clients: readonly PublicClient[] | ((host: HostContext) => readonly PublicClient[]);
  /** PEM certificate and key for https://127.0.0.1 (a self-signed one does for a local browser told to accept it). */
  tls: { cert: string; key: string };
  /** 0 (the default) picks a free port. */
  port?: number;
}

/**
 * devhost's sign-in authority for browser apps (see authority.ts), on its own https port:
 * MSAL accepts only an https authority, and being another origin than the app, it is reached
 * the way Entra is (cross-origin, through the portal's CSP and the token endpoint's CORS).
 */
export class SignInAuthorityExtension implements HostExtension {
  readonly name = 'sign-in authority';
  private server?: Server;
  private origin?: string;

  constructor(private readonly options: SignInAuthorityOptions) {}

  /** e.g. https://127.0.0.1:7443/{tenant}: what MSAL's `authority` is set to. */
  get authority(): string {
    if (!this.origin) throw new Error('The sign-in authority is not started.');
    return `${this.origin}/${this.options.issuer.tenantId}`;
  }

  async start(host: HostContext): Promise<void> {
    const { clients } = this.options;
    const authority = new SignInAuthority(this.options.issuer, this.options.users, typeof clients === 'function' ? clients(host) : clients);
    const server = createServer({ cert: this.options.tls.cert, key: this.options.tls.key }, (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const url = new URL(req.url ?? '/', this.origin);
        authority
          .handle({ method: req.method ?? 'GET', url, headers: req.headers, body: Buffer.concat(chunks) }, this.origin ?? '')
          .then((answer) => {
            res.writeHead(answer.status, answer.headers);
            res.end(answer.body);
          })
          .catch((error: unknown) => {
            host.logger.error(`sign-in authority: ${error instanceof Error ? error.message : String(error)}`);
            res.writeHead(500).end();
          });
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port ?? 0, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.origin = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  }

  describe(): Record<string, string> {
    return { signIn: `devhost sign-in authority ${this.origin ? this.authority : '(not started)'}` };
  }
}
