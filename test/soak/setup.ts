/**
 * What both soak parts stand on: storage, a devhost child that can be killed and restarted on
 * the same port, storage and data folder, an HTTP client for the Graph-shaped API, and the
 * demo users made eligible.
 */
import { randomBytes } from 'node:crypto';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { startAzurite } from '../../devhost/core/azurite';
import { loadDemoDirectory } from '../../devhost/graph/demoDirectory';
import { freePort, type ProcessHost, spawnDevHost } from '../devhost/processHost';
import { resultsDir } from './report';

export const TENANT = '7e9d5c3a-1f2b-4c6d-8e9f-0a1b2c3d4e5f';
export const REQUESTS = '/v1.0/roleManagement/directory/roleAssignmentScheduleRequests';
export const ELIGIBILITY_REQUESTS = '/v1.0/roleManagement/directory/roleEligibilityScheduleRequests';
export const APPROVALS = '/v1.0/roleManagement/directory/roleAssignmentApprovals';
export const GRAPH_ASSIGNMENTS = '/.devhost/graph/v1.0/roleManagement/directory/roleAssignments';

const directory = loadDemoDirectory();
export const users = directory.users.map((u) => ({ alias: u.alias, id: u.id }));
export const roles = directory.roleDefinitions.map((r) => ({ id: r.id, name: r.displayName }));

/** Who may hold what: one (user, role) pair at scope '/'. */
export interface Slot {
  user: string;
  userId: string;
  roleId: string;
  roleName: string;
}

export const allSlots = (): Slot[] => users.flatMap((u) => roles.map((r) => ({ user: u.alias, userId: u.id, roleId: r.id, roleName: r.name })));
export const slotKey = (principalId: string, roleId: string) => `${principalId}|${roleId}`;
export const userId = (alias: string) => users.find((u) => u.alias === alias)?.id ?? '';

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, Math.max(0, ms)));
export const randomBetween = (min: number, max: number) => min + Math.random() * (max - min);

/** Azurite started for this part, or the storage named by DEVHOST_STORAGE (tables get a fresh prefix either way). */
export async function startStorage(): Promise<{ connectionString: string; stop: () => Promise<void> }> {
  const external = process.env.DEVHOST_STORAGE;
  if (external) return { connectionString: external, stop: async () => undefined };
  const azurite = await startAzurite({});
  return { connectionString: azurite.connectionString, stop: () => azurite.stop() };
}

/**
 * devhost as its own process (`node --import tsx devhost/main.ts`) with fixed port, storage,
 * table prefixes and data folder, so a restart after SIGKILL finds everything where it was.
 * Each process's output is appended to test-results/soak-<name>-devhost.log.
 */
export class SoakHost {
  private current: ProcessHost | undefined;
  readonly startMs: number[] = [];
  readonly logFile: string;
  private log = '';

  private constructor(
    readonly url: string,
    readonly env: Record<string, string>,
    name: string,
  ) {
    mkdirSync(resultsDir, { recursive: true });
    this.logFile = join(resultsDir, `soak-${name}-devhost.log`);
    writeFileSync(this.logFile, '');
  }

  static async create(name: string, storage: string, settings: Record<string, string> = {}): Promise<SoakHost> {
    const port = await freePort();
    const url = `http://localhost:${port}`;
    const id = randomBytes(4).toString('hex');
    return new SoakHost(
      url,
      {
        DEVHOST_PORT: String(port),
        DEVHOST_STORAGE: storage,
        DEVHOST_DATA_DIR: mkdtempSync(join(tmpdir(), `pim-soak-${name}-`)),
        DEVHOST_TABLE_PREFIX: `Soak${id}D`,
        DEVHOST_LOG_LEVEL: 'info',
        PIM_TABLE_PREFIX: `Soak${id}P`,
        PIM_TENANT_ID: TENANT,
        PIM_OIDC_ISSUER: `${url}/${TENANT}/v2.0`,
        PIM_GRAPH_BASE_URL: `${url}/.devhost/graph`,
        PIM_PUBLIC_BASE_URL: url,
        PIM_SERVICEBUS_CONNECTION: `${url}/.devhost/servicebus`,
        ...settings,
      },
      name,
    );
  }

  get pid(): number | undefined {
    return this.current?.child.pid;
  }

  get running(): boolean {
    const child = this.current?.child;
    return child !== undefined && child.exitCode === null && child.signalCode === null;
  }

  async start(): Promise<void> {
    const began = performance.now();
    this.current = await spawnDevHost(this.env, 90_000);
    this.startMs.push(Math.round(performance.now() - began));
  }

  /** kill -9: no shutdown hook runs, in-flight requests and activities are cut off. */
  async kill9(): Promise<void> {
    await this.end('SIGKILL');
  }

  async stop(): Promise<void> {
    await this.end('SIGTERM');
  }

  /** Everything all processes of this host wrote so far. */
  output(): string {
    return this.log + (this.current?.output() ?? '');
  }

  private async end(signal: NodeJS.Signals): Promise<void> {
    const host = this.current;
    if (!host) return;
    this.current = undefined;
    if (host.child.exitCode === null && host.child.signalCode === null) {
      host.child.kill(signal);
      const timeout = setTimeout(() => host.child.kill('SIGKILL'), 10_000);
      await host.exited;
      clearTimeout(timeout);
    }
    const text = `\n===== devhost pid ${host.child.pid} ended by ${signal} at ${new Date().toISOString()} =====\n${host.output()}`;
    this.log += text;
    appendFileSync(this.logFile, text);
  }
}

export interface Reply {
  status: number;
  body: unknown;
  ms: number;
}

/** The Graph error code of a reply (`error.code`), if it has one. */
export function errorCode(reply: Reply): string | undefined {
  const parsed = z.object({ error: z.object({ code: z.string() }) }).safeParse(reply.body);
  return parsed.success ? parsed.data.error.code : undefined;
}

export const requestJson = z.object({
  id: z.string(),
  status: z.string(),
  action: z.string(),
  principalId: z.string(),
  roleDefinitionId: z.string(),
  createdDateTime: z.string(),
  approvalId: z.string().nullable(),
  targetScheduleId: z.string().nullable(),
  justification: z.string().nullable(),
  scheduleInfo: z.object({ startDateTime: z.string().nullable(), expiration: z.object({ endDateTime: z.string().nullable() }) }),
});
export type RequestJson = z.infer<typeof requestJson>;

export const collectionOf = <T extends z.ZodType>(item: T) => z.object({ value: z.array(item), '@odata.nextLink': z.string().optional() });

/**
 * A client of the API as each demo user. `call` answers like `send` but, when `patient`,
 * rides out a devhost that is down or restarting: it retries connection errors and 5xx
 * answers for up to two minutes, counting them.
 */
export class Api {
  retried = 0;
  /** 5xx answers met while retrying (devhost starting or dying mid-request, or a real error). */
  readonly fiveXx: Array<{ what: string; status: number; code: string | undefined }> = [];

  constructor(
    readonly url: string,
    private readonly tokens: Map<string, string>,
    private readonly patient: boolean,
  ) {}

  static async signIn(url: string, patient: boolean): Promise<Api> {
    const tokens = new Map<string, string>();
    const api = new Api(url, tokens, patient);
    for (const u of users) {
      const reply = await api.retrying('/.devhost/token', () => api.raw('POST', '/.devhost/token', undefined, { user: u.alias, mfa: true }));
      tokens.set(u.alias, z.object({ access_token: z.string() }).parse(reply.body).access_token);
    }
    return api;
  }

  /** One attempt; throws when the connection fails. */
  async send(user: string, method: string, path: string, body?: unknown): Promise<Reply> {
    return this.raw(method, path, this.tokens.get(user), body);
  }

  async call(user: string, method: string, path: string, body?: unknown): Promise<Reply> {
    return this.patient ? this.retrying(`${method} ${path}`, () => this.send(user, method, path, body)) : this.send(user, method, path, body);
  }

  /** Every page of a collection. */
  async list<T extends z.ZodType>(user: string, path: string, item: T): Promise<Array<z.infer<T>>> {
    const out: Array<z.infer<T>> = [];
    let next: string | undefined = path;
    while (next) {
      const reply = await this.call(user, 'GET', next.startsWith('http') ? next.slice(this.url.length) : next);
      if (reply.status !== 200) throw new Error(`GET ${next} answered ${reply.status}: ${JSON.stringify(reply.body)}`);
      const page = collectionOf(item).parse(reply.body);
      out.push(...page.value);
      next = page['@odata.nextLink'];
    }
    return out;
  }

  private async raw(method: string, path: string, token: string | undefined, body: unknown): Promise<Reply> {
    const began = performance.now();
    const res = await fetch(`${this.url}${path}`, {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(60_000),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: keep the text
    }
    return { status: res.status, body: parsed, ms: performance.now() - began };
  }

  private async retrying(what: string, attempt: () => Promise<Reply>): Promise<Reply> {
    const deadline = Date.now() + 120_000;
    for (;;) {
      let reply: Reply | undefined;
      try {
        reply = await attempt();
        if (reply.status < 500) return reply;
        this.fiveXx.push({ what, status: reply.status, code: errorCode(reply) });
      } catch (error) {
        if (Date.now() > deadline) throw error;
      }
      if (Date.now() > deadline && reply) return reply;
      this.retried++;
      await sleep(randomBetween(300, 1_000));
    }
  }
}

/** Makes every slot eligible for 30 days (admin, adminAssign). */
export async function makeEligible(api: Api, slots: Slot[]): Promise<void> {
  for (const s of slots) {
    const reply = await api.call('admin', 'POST', ELIGIBILITY_REQUESTS, {
      action: 'adminAssign',
      principalId: s.userId,
      roleDefinitionId: s.roleId,
      directoryScopeId: '/',
      justification: 'soak setup',
      scheduleInfo: { expiration: { type: 'afterDuration', duration: 'P30D' } },
    });
    if (reply.status !== 201) throw new Error(`adminAssign eligibility answered ${reply.status}: ${JSON.stringify(reply.body)}`);
  }
}

/** Activating the role needs one approval (one stage, any one of the approvers). */
export async function requireApproval(api: Api, roleId: string, approverIds: string[]): Promise<void> {
  const path = `/v1.0/policies/roleManagementPolicies/DirectoryRole_${TENANT}_${roleId}/rules/Approval_EndUser_Assignment`;
  const reply = await api.call('admin', 'PATCH', path, {
    setting: {
      isApprovalRequired: true,
      approvalStages: [
        {
          approvalStageTimeOutInDays: 1,
          isApproverJustificationRequired: false,
          primaryApprovers: approverIds.map((id) => ({ '@odata.type': '#microsoft.graph.singleUser', userId: id })),
        },
      ],
    },
  });
  if (reply.status !== 204) throw new Error(`PATCH ${path} answered ${reply.status}: ${JSON.stringify(reply.body)}`);
}

/** Resident and peak memory of a process, from /proc (Linux); undefined elsewhere. */
export function memoryOf(pid: number | undefined): { rssMb: number; peakRssMb: number } | undefined {
  if (pid === undefined) return undefined;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
    return { rssMb: Math.round(kb('VmRSS') / 1024), peakRssMb: Math.round(kb('VmHWM') / 1024) };
  } catch {
    return undefined;
  }
}
