import { resolve } from 'node:path';
import { ArmStandInExtension } from '../../devhost/arm';
import type { DevHost } from '../../devhost/core/host';
import { appFiles } from '../../devhost/core/loadApp';
import { DurableExtension } from '../../devhost/durable';
import { GraphStandInExtension } from '../../devhost/graph';
import { OidcIssuerExtension } from '../../devhost/oidc';
import { SignInAuthorityExtension, type SignInAuthorityOptions } from '../../devhost/oidc/authorityExtension';
import { ServiceBusExtension } from '../../devhost/servicebus';
import { TimerExtension } from '../../devhost/timers';
import { startTestHost, testStorage, uniquePrefix } from '../devhost/helpers';
import type { DomainEvent } from '../../shared/domain/events';
import { eventSubscriptionFilters } from '../../shared/adapters/servicebus/bus';

export const TENANT_ID = '7e9d5c3a-1f2b-4c6d-8e9f-0a1b2c3d4e5f';
export const AUDIENCE = 'api://pim-test';

export interface ApiResult {
  status: number;
  body: Record<string, unknown> & { error?: { code: string; message: string } };
}

export interface DevMail {
  id: string;
  to: string[];
  subject: string;
  body: string;
  text?: string;
  links: string[];
  headers?: Record<string, string>;
  sentDateTime: string;
}

export interface AppHost {
  host: DevHost;
  url: string;
  issuer: OidcIssuerExtension;
  graph: GraphStandInExtension;
  /** devhost's Azure Resource Manager (the demo tree, role definitions and assignments). */
  arm: ArmStandInExtension;
  /** devhost's https sign-in authority, when startAppHost was asked for one. */
  authority?: SignInAuthorityExtension;
  /** A bearer token for a demo user ("admin", "alice", ... ); audience "arm" for the ARM surface. */
  token(user: string, options?: { mfa?: boolean; acrs?: string[]; audience?: string }): Promise<string>;
  /** fetch against the app with a token for `user` (or none when user is undefined). */
  call(user: string | undefined, path: string, init?: RequestInit & { json?: unknown }): Promise<Response>;
  /** A JSON API call as `user` (with MFA): status and parsed body. */
  api(user: string, method: string, path: string, json?: unknown): Promise<ApiResult>;
  /** Mails the Graph stand-in "sent" to this address, oldest first. */
  mailTo(address: string): Promise<DevMail[]>;
  /** Runs the reconcile timer now and waits for it to finish. */
  reconcile(): Promise<void>;
  /** Runs `work` with the app's clock port `ms` ahead (durable timers keep real time), then puts it back. */
  later<T>(ms: number, work: () => Promise<T>): Promise<T>;
  /** Runs the outbox relay timer now and waits for it to finish. */
  relayOutbox(): Promise<void>;
  /** Runs the access-review timer now and waits for it to finish. */
  runAccessReviews(): Promise<void>;
}

/**
 * The whole app (every function under functions/) in devhost, with its own tables, issuer
 * and Graph stand-in: what `npm start` runs, in this test process.
 */
export async function startAppHost(options: { signInAuthority?: Pick<SignInAuthorityOptions, 'clients' | 'tls'> } = {}): Promise<AppHost> {
  const root = resolve(__dirname, '../..');
  Object.assign(process.env, {
    AzureWebJobsStorage: testStorage(),
    PIM_TENANT_ID: TENANT_ID,
    PIM_OIDC_AUDIENCE: AUDIENCE,
    PIM_MAIL_SENDER: 'pim@contoso.test',
    PIM_EVENTS_TOPIC: 'pim-events',
    PIM_WEBHOOK_KEYS: `hooks:${Buffer.alloc(32, 7).toString('base64')}`,
    PIM_WEBHOOK_MAX_ATTEMPTS: '3',
    PIM_WEBHOOK_FIRST_RETRY_SECONDS: '0.2',
    PIM_GRAPH_TIMEOUT_SECONDS: '4',
    PIM_APPROVAL_LINK_KEYS: `test:${Buffer.alloc(32, 1).toString('base64')}`,
    PIM_TABLE_PREFIX: uniquePrefix('App'),
    DURABLE_TASK_HUB: 'PimTestHub',
    // Tests run the reconcile timer on demand (POST /.devhost/timers/reconcile/run), not on the clock.
    PIM_RECONCILE_SCHEDULE: '0 0 0 1 1 *',
    PIM_ALERTS_SCHEDULE: '0 0 0 1 1 *',
    PIM_ACCESS_REVIEWS_SCHEDULE: '0 0 0 1 1 *',
    PIM_BREAK_GLASS_WATCH_SCHEDULE: '0 0 0 1 1 *',
    PIM_AUDIT_SEAL_SCHEDULE: '0 0 0 1 1 *',
    // ...and the outbox relay too (events are relayed inline; tests sweep on demand).
    PIM_OUTBOX_SCHEDULE: '0 0 0 1 1 *',
    // As devhost's main sets it: the portal then signs in with devhost's demo users.
    PIM_DEVHOST: 'true',
  });
  for (const file of appFiles(root, ['functions'])) await import(file);
  const issuer = new OidcIssuerExtension({ tenantId: TENANT_ID, audience: AUDIENCE });
  const graph = new GraphStandInExtension({ issuer });
  const arm = new ArmStandInExtension();
  const authority = options.signInAuthority ? new SignInAuthorityExtension({ issuer, users: graph.directory.users, ...options.signInAuthority }) : undefined;
  const host = await startTestHost([
    issuer,
    graph,
    arm,
    ...(authority ? [authority] : []),
    new DurableExtension({ hubName: 'PimTestHub' }),
    new ServiceBusExtension({ filters: eventSubscriptionFilters(process.env.PIM_EVENTS_TOPIC ?? 'pim-events') }),
    new TimerExtension(),
  ]);
  // Settings that name this host's own URL are known only once it listens; the app reads them on first use.
  Object.assign(process.env, {
    PIM_OIDC_ISSUER: issuer.issuer,
    PIM_GRAPH_BASE_URL: `${host.url}/.devhost/graph`,
    PIM_ARM_BASE_URL: `${host.url}/.devhost/arm`,
    PIM_SERVICEBUS_CONNECTION: `${host.url}/.devhost/servicebus`,
    PIM_PUBLIC_BASE_URL: host.url,
  });
  const tokens = new Map<string, string>();
  const token = async (user: string, options: { mfa?: boolean; acrs?: string[]; audience?: string } = {}) => {
    const key = `${user}|${options.mfa}|${options.acrs?.join(',')}|${options.audience}`;
    let value = tokens.get(key);
    if (!value) {
      const res = await fetch(`${host.url}/.devhost/token`, { method: 'POST', body: JSON.stringify({ user, ...options }) });
      value = ((await res.json()) as { access_token: string }).access_token;
      tokens.set(key, value);
    }
    return value;
  };
  return {
    host,
    url: host.url,
    issuer,
    ...(authority ? { authority } : {}),
    graph,
    arm,
    token,
    async api(user, method, path, json) {
      const res = await fetch(`${host.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${await token(user, { mfa: true })}`, 'content-type': 'application/json' },
        body: json === undefined ? undefined : JSON.stringify(json),
      });
      const text = await res.text();
      return { status: res.status, body: text ? (JSON.parse(text) as ApiResult['body']) : {} };
    },
    async mailTo(address) {
      const res = await fetch(`${host.url}/.devhost/mail?to=${encodeURIComponent(address)}`, { headers: { accept: 'application/json' } });
      const mails = (await res.json()) as DevMail[] | { value: DevMail[] };
      const list = Array.isArray(mails) ? mails : mails.value;
      return [...list].sort((a, b) => a.sentDateTime.localeCompare(b.sentDateTime));
    },
    reconcile: async () => {
      await runTimer(host, 'reconcile');
      await runTimer(host, 'pimAlerts');
    },
    async later(ms, work) {
      const app = (await import('../../functions/composition')).deps();
      const clock = app.clock;
      app.clock = { now: () => new Date(Date.now() + ms) };
      try {
        return await work();
      } finally {
        app.clock = clock;
      }
    },
    relayOutbox: () => runTimer(host, 'outboxRelay'),
    runAccessReviews: () => runTimer(host, 'accessReviews'),
    async call(user, path, init = {}) {
      const headers = new Headers(init.headers);
      if (user) headers.set('authorization', `Bearer ${await token(user)}`);
      let body = init.body;
      if (init.json !== undefined) {
        headers.set('content-type', 'application/json');
        body = JSON.stringify(init.json);
      }
      return fetch(`${host.url}${path}`, { ...init, headers, body });
    },
  };
}

async function runTimer(host: DevHost, name: string): Promise<void> {
  const timers = host.extension<TimerExtension>('timers');
  if (!timers) throw new Error('no timer extension');
  await timers.runNow(name);
}

/** From now on, every event the app publishes is also pushed to `into`, on its way to the bus. */
export async function capturePublished(into: DomainEvent[]): Promise<void> {
  const bus = (await import('../../functions/composition')).deps().bus.publisher;
  const publish = bus.publish.bind(bus);
  bus.publish = async (events) => {
    await publish(events);
    into.push(...events);
  };
}
