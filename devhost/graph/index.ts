import { randomUUID } from 'node:crypto';
import { odata, TableClient } from '@azure/data-tables';
import type { DirectoryRoleAssignment } from '../../shared/ports/directory';
import type { HostContext, HostExtension, RawRequest, RawResponse } from '../core/extension';
import type { OidcIssuerExtension } from '../oidc';
import { type DemoDirectory, findServicePrincipal, findUser, loadDemoDirectory, seedGroups } from './demoDirectory';
import { FaultInjector, parseFault } from './faults';
import { routeGroups } from './groupRoutes';
import { GroupStore } from './groupStore';
import { DevMailbox, fromGraphJson, type IncomingMail, type SentMail } from './mailbox';
import { MAILBOX_CSP, renderMailbox, wantsHtml } from './mailboxPage';
import { MimeContentError, parseMimeBase64 } from './mime';
import { collection, filtered, graphError, groupJson, type Json, json, notFound, selected, servicePrincipalJson, unknownSegment, userJson } from './responses';
import { createdSince, SignInLog } from './signIns';

const PREFIX = '/.devhost/graph';

export interface GraphStandInOptions {
  issuer?: OidcIssuerExtension;
  directory?: DemoDirectory;
}

/**
 * A local Microsoft Graph for exactly the calls this app makes: role definitions, role
 * assignments, users, and groups with their members and owners (groups and assignments kept in
 * Table Storage, seeded from demo-directory.json), with Graph's status codes and error bodies,
 * and failures (429/503/latency) injectable on demand. Also issues tokens for the demo users
 * at POST /.devhost/token (`"audience": "arm"` for the ARM surface's).
 */
export class GraphStandInExtension implements HostExtension {
  readonly name = 'graph';
  readonly faults = new FaultInjector();
  readonly directory: DemoDirectory;
  private table?: TableClient;
  private groups?: GroupStore;
  private mailbox?: DevMailbox;
  /** revokeSignInSessions calls answered, by user id (kept in memory: devhost is one process). */
  private readonly sessionRevocations = new Map<string, number>();
  private signIns?: SignInLog;

  constructor(private readonly options: GraphStandInOptions = {}) {
    this.directory = options.directory ?? loadDemoDirectory();
  }

  async start(host: HostContext): Promise<void> {
    this.table = TableClient.fromConnectionString(host.storageConnectionString, `${host.tablePrefix}GraphDirectory`, {
      allowInsecureConnection: true,
    });
    await this.table.createTable();
    this.groups = new GroupStore(this.table);
    this.signIns = new SignInLog(this.table);
    // Only groups not stored yet: a restart keeps what tests and PIM grants changed.
    await this.groups.seed(seedGroups(this.directory));
    const mailTable = TableClient.fromConnectionString(host.storageConnectionString, `${host.tablePrefix}GraphMail`, { allowInsecureConnection: true });
    await mailTable.createTable();
    this.mailbox = new DevMailbox(mailTable);
  }

  /** Mail "sent" through the stand-in, newest first (optionally to one recipient). */
  async sentMail(recipient?: string): Promise<SentMail[]> {
    return this.mailbox ? this.mailbox.list(recipient) : [];
  }

  async stop(): Promise<void> {}

  describe(): Record<string, string> {
    const { users, groups, roleDefinitions } = this.directory;
    return { graph: `devhost Graph stand-in (${users.length} users, ${groups.length} demo groups, ${roleDefinitions.length} roles)` };
  }

  async handleHttp(req: RawRequest): Promise<RawResponse | undefined> {
    const path = req.url.pathname;
    if (path === '/.devhost/token' && req.method === 'POST') return this.token(req);
    // The seed as written in demo-directory.json (ids and aliases); live membership is in /groups.
    if (path === '/.devhost/directory' && req.method === 'GET') return json(200, this.directory);
    if (path === '/.devhost/mail' && req.method === 'GET') return this.mailPage(req);
    if (!path.startsWith(`${PREFIX}/`)) return undefined;
    if (path === `${PREFIX}/faults`) return this.faultApi(req);
    if (path === `${PREFIX}/signIns`) return this.signInApi(req);
    const fault = this.faults.take(req.method, path);
    if (fault?.latencyMs) await new Promise((r) => setTimeout(r, fault.latencyMs));
    if (fault && fault.status > 0) {
      const headers: Record<string, string> = {};
      if (fault.retryAfterSeconds !== undefined) headers['Retry-After'] = String(fault.retryAfterSeconds);
      const code = fault.status === 429 ? 'TooManyRequests' : fault.status === 503 ? 'ServiceUnavailable' : 'UnknownError';
      return graphError(fault.status, code, `Injected fault ${fault.status}.`, headers);
    }
    const m = /^\/\.devhost\/graph\/(v1\.0|beta)(\/.*)$/.exec(path);
    if (!m) return graphError(400, 'BadRequest', 'Unknown Graph version; use v1.0 or beta.');
    return this.route(req, m[2] ?? '/', `${req.url.origin}${PREFIX}/${m[1]}`);
  }

  private async route(req: RawRequest, path: string, root: string): Promise<RawResponse> {
    const segs = path.split('/').filter(Boolean).map(decodeURIComponent);
    const method = req.method;
    const filterOf = () => req.url.searchParams.get('$filter');
    if (segs[0] === 'roleManagement' && segs[1] === 'directory') {
      if (segs[2] === 'roleDefinitions' && method === 'GET') {
        if (segs[3]) {
          const role = this.directory.roleDefinitions.find((r) => r.id === segs[3] || r.templateId === segs[3]);
          return role ? json(200, { '@odata.context': `${root}/$metadata#roleManagement/directory/roleDefinitions/$entity`, ...role }) : notFound(segs[3]);
        }
        return collection(root, 'roleManagement/directory/roleDefinitions', filtered(this.directory.roleDefinitions as unknown as Json[], filterOf()));
      }
      if (segs[2] === 'roleAssignments') return this.roleAssignments(req, segs[3], root);
    }
    if (segs[0] === 'directoryObjects' && segs[1] && method === 'GET') {
      // Graph declares memberOf and the like on users, groups, ..., not on directoryObject: a
      // kind-free /directoryObjects/{id}/memberOf is refused there, so it is here.
      if (segs[2]) return unknownSegment(segs[2]);
      const user = findUser(this.directory, segs[1]);
      if (user) return json(200, userJson(user));
      const servicePrincipal = findServicePrincipal(this.directory, segs[1]);
      if (servicePrincipal) return json(200, servicePrincipalJson(servicePrincipal));
      const group = (await this.requireGroups().read()).group(segs[1]);
      return group ? json(200, groupJson(group)) : notFound(segs[1]);
    }
    if (segs[0] === 'users' && segs[1] && segs[2] === 'sendMail' && method === 'POST') return this.sendMail(req, segs[1]);
    if (segs[0] === 'users' && segs[1] && segs[2] === 'revokeSignInSessions' && method === 'POST') return this.revokeSignInSessions(segs[1], root);
    if (segs[0] === 'users' && segs[1] && segs[2] === 'manager' && !segs[3] && method === 'GET') {
      const user = findUser(this.directory, segs[1]);
      if (!user) return notFound(segs[1]);
      const manager = user.manager ? findUser(this.directory, user.manager) : undefined;
      return manager ? json(200, userJson(manager)) : notFound('manager');
    }
    const groupAnswer = await routeGroups(req, segs, root, { store: this.requireGroups(), directory: this.directory });
    if (groupAnswer) return groupAnswer;
    if (segs[0] === 'auditLogs' && segs[1] === 'signIns' && !segs[2] && method === 'GET') {
      const since = await this.requireSignIns().since(createdSince(filterOf()));
      return collection(root, 'auditLogs/signIns', filtered(since as unknown as Json[], filterOf()));
    }
    if (segs[0] === 'users' && method === 'GET') {
      const select = req.url.searchParams.get('$select');
      if (!segs[1]) return collection(root, 'users', filtered(this.directory.users.map(userJson), filterOf()));
      const user = findUser(this.directory, segs[1]);
      if (!user) return notFound(segs[1]);
      // Why: Graph returns signInActivity only when $select asks for it (it costs a licence and a permission there).
      const wantsActivity = select?.split(',').some((p) => p.trim().toLowerCase() === 'signinactivity') ?? false;
      const body = wantsActivity ? { ...userJson(user), signInActivity: await this.requireSignIns().activity(user.id) } : userJson(user);
      return json(200, selected(body, select));
    }
    return unknownSegment(segs[0]);
  }

  /**
   * Graph's sendMail in both forms: JSON (`{message, saveToSentItems}`), or MIME when the
   * Content-Type is text/plain and the body is the base64 of an RFC 5322 message.
   */
  private async sendMail(req: RawRequest, senderId: string): Promise<RawResponse> {
    const sender = findUser(this.directory, senderId);
    if (!sender && !/^[^@\s]+@[^@\s]+$/.test(senderId)) return notFound(senderId);
    const from = sender?.userPrincipalName ?? senderId;
    const mail = isTextPlain(req.headers['content-type']) ? mimeMail(from, req.body) : jsonMail(from, req.body);
    if ('status' in mail) return mail;
    const stored = await this.mailbox?.store(mail);
    if (typeof stored === 'string') return graphError(400, 'ErrorInvalidRecipients', stored);
    return { status: 202 };
  }

  /** Graph's revokeSignInSessions: counted per user (by object id), for tests and the dev who wants to see it happen. */
  private revokeSignInSessions(userId: string, root: string): RawResponse {
    const user = findUser(this.directory, userId);
    if (!user) return notFound(userId);
    this.sessionRevocations.set(user.id, (this.sessionRevocations.get(user.id) ?? 0) + 1);
    return json(200, { '@odata.context': `${root}/$metadata#Edm.Boolean`, value: true });
  }

  /** How many times the user's sign-in sessions were revoked through the stand-in. */
  revocationsOf(userId: string): number {
    return this.sessionRevocations.get(userId) ?? 0;
  }

  /** GET /.devhost/mail: JSON `{value}` for programs, the dev mailbox page for a browser. */
  private async mailPage(req: RawRequest): Promise<RawResponse> {
    const recipient = req.url.searchParams.get('to')?.trim() || undefined;
    const mails = await this.sentMail(recipient);
    if (!wantsHtml(req.headers.accept)) return json(200, { value: mails }, { Vary: 'Accept' });
    return {
      status: 200,
      headers: {
        'Content-Type': 'text/html; charset=utf-8',
        'Content-Security-Policy': MAILBOX_CSP,
        'X-Content-Type-Options': 'nosniff',
        'Referrer-Policy': 'no-referrer',
        'Cache-Control': 'no-store',
        Vary: 'Accept',
      },
      body: renderMailbox(mails, recipient),
    };
  }

  private async roleAssignments(req: RawRequest, id: string | undefined, root: string): Promise<RawResponse> {
    const table = this.requireTable();
    if (req.method === 'GET' && !id) {
      const all = await this.listAssignments();
      return collection(root, 'roleManagement/directory/roleAssignments', filtered(all as unknown as Json[], req.url.searchParams.get('$filter')));
    }
    if (req.method === 'GET' && id) {
      const found = (await this.listAssignments()).find((a) => a.id === id);
      return found ? json(200, found) : notFound(id);
    }
    if (req.method === 'DELETE' && id) {
      try {
        await table.deleteEntity('roleAssignment', id);
        return { status: 204 };
      } catch {
        return notFound(id);
      }
    }
    if (req.method === 'POST' && !id) {
      let body: Json;
      try {
        body = JSON.parse(req.body.toString('utf8')) as Json;
      } catch {
        return graphError(400, 'BadRequest', 'Invalid JSON body.');
      }
      const { principalId, roleDefinitionId, directoryScopeId } = body;
      if (typeof principalId !== 'string' || typeof roleDefinitionId !== 'string' || typeof directoryScopeId !== 'string') {
        return graphError(400, 'BadRequest', 'principalId, roleDefinitionId and directoryScopeId are required.');
      }
      if (!this.directory.roleDefinitions.some((r) => r.id === roleDefinitionId)) return notFound(roleDefinitionId);
      if (!findUser(this.directory, principalId) && !findServicePrincipal(this.directory, principalId)) {
        const group = (await this.requireGroups().read()).group(principalId);
        if (!group) return notFound(principalId);
        // Why: only a group made role-assignable at creation may hold a directory role.
        if (!group.isAssignableToRole) return graphError(400, 'Request_BadRequest', 'Groups without IsAssignableToRole property set cannot be assigned to roles.');
      }
      const existing = (await this.listAssignments()).find(
        (a) => a.principalId === principalId && a.roleDefinitionId === roleDefinitionId && a.directoryScopeId === directoryScopeId,
      );
      if (existing) return graphError(400, 'Request_BadRequest', 'A conflicting object with one or more of the specified property values is present in the directory.');
      const assignment: DirectoryRoleAssignment = { id: randomUUID(), principalId, roleDefinitionId, directoryScopeId };
      await table.createEntity({ partitionKey: 'roleAssignment', rowKey: assignment.id, ...assignment });
      return json(201, { '@odata.context': `${root}/$metadata#roleManagement/directory/roleAssignments/$entity`, ...assignment });
    }
    return graphError(405, 'Request_BadRequest', `${req.method} is not supported here.`);
  }

  /** The directory's role assignments now (what PIM granted and anything made outside PIM). */
  async listAssignments(): Promise<DirectoryRoleAssignment[]> {
    const out: DirectoryRoleAssignment[] = [];
    for await (const e of this.requireTable().listEntities<DirectoryRoleAssignment>({
      queryOptions: { filter: odata`PartitionKey eq ${'roleAssignment'}` },
    })) {
      out.push({ id: e.id, principalId: e.principalId, roleDefinitionId: e.roleDefinitionId, directoryScopeId: e.directoryScopeId });
    }
    return out;
  }

  private faultApi(req: RawRequest): RawResponse {
    if (req.method === 'GET') return json(200, { pending: this.faults.list(), injected: this.faults.injected });
    if (req.method === 'DELETE') {
      this.faults.clear();
      return { status: 204 };
    }
    if (req.method === 'POST') {
      let body: unknown;
      try {
        body = JSON.parse(req.body.toString('utf8'));
      } catch {
        return graphError(400, 'BadRequest', 'Send a JSON object.');
      }
      const fault = parseFault(body);
      if (typeof fault === 'string') return graphError(400, 'BadRequest', fault);
      this.faults.add(fault);
      return json(201, fault);
    }
    return graphError(405, 'BadRequest', 'Use GET, POST or DELETE.');
  }

  /**
   * Test hook (devhost only): POST {"user": "alias, UPN or id", "createdDateTime"?: ISO time, "isInteractive"?: boolean}
   * records a sign-in, as if the user had just signed in; GET lists them all.
   */
  private async signInApi(req: RawRequest): Promise<RawResponse> {
    if (req.method === 'GET') return json(200, { value: await this.requireSignIns().since(undefined) });
    if (req.method !== 'POST') return graphError(405, 'BadRequest', 'Use GET or POST.');
    let body: { user?: unknown; createdDateTime?: unknown; isInteractive?: unknown };
    try {
      body = JSON.parse(req.body.toString('utf8')) as typeof body;
    } catch {
      return graphError(400, 'BadRequest', 'Send JSON like {"user": "alice", "createdDateTime": "2026-01-01T00:00:00Z"}.');
    }
    const user = typeof body.user === 'string' ? findUser(this.directory, body.user) : undefined;
    if (!user) return graphError(400, 'BadRequest', `"user" must name a demo user (alias, UPN or id). Known: ${this.directory.users.map((u) => u.alias).join(', ')}.`);
    const at = typeof body.createdDateTime === 'string' ? new Date(body.createdDateTime) : new Date();
    if (Number.isNaN(at.getTime())) return graphError(400, 'BadRequest', '"createdDateTime" must be an ISO 8601 time.');
    return json(201, await this.requireSignIns().add(user, at, body.isInteractive !== false));
  }

  private requireSignIns(): SignInLog {
    if (!this.signIns) throw new Error('The Graph stand-in is not started.');
    return this.signIns;
  }

  private async token(req: RawRequest): Promise<RawResponse> {
    if (!this.options.issuer) return graphError(404, 'NotFound', 'No token issuer is configured in this devhost.');
    let body: { user?: unknown; servicePrincipal?: unknown; mfa?: unknown; acrs?: unknown; audience?: unknown };
    try {
      body = JSON.parse(req.body.toString('utf8') || '{}') as typeof body;
    } catch {
      return graphError(400, 'BadRequest', 'Send JSON like {"user": "alice", "mfa": true, "acrs": ["c1"], "audience": "arm"}.');
    }
    const audience = tokenAudience(body.audience);
    if (audience === null) {
      return graphError(400, 'BadRequest', '"audience" is "arm" (the ARM surface: Azure Resource Manager\'s audience), or an audience URI; leave it out for the app\'s own.');
    }
    if (typeof body.servicePrincipal === 'string') return this.appToken(body.servicePrincipal, audience);
    if (typeof body.user !== 'string') return graphError(400, 'BadRequest', '"user" (alias or UPN) or "servicePrincipal" is required, e.g. {"user": "alice"}.');
    const user = findUser(this.directory, body.user);
    if (!user) {
      return graphError(404, 'NotFound', `No demo user '${body.user}'. Known: ${this.directory.users.map((u) => u.alias).join(', ')}.`);
    }
    const acrs = Array.isArray(body.acrs) ? body.acrs.filter((a): a is string => typeof a === 'string') : [];
    const token = await this.options.issuer.issueToken({
      oid: user.id,
      name: user.displayName,
      preferred_username: user.userPrincipalName,
      roles: user.appRoles,
      amr: body.mfa === true ? ['pwd', 'mfa'] : ['pwd'],
      ...(acrs.length ? { acrs } : {}),
    }, audience ? { audience } : {});
    return json(200, { token_type: 'Bearer', expires_in: 3600, access_token: token });
  }

  /**
   * An app-only token, as Entra issues to a service principal signing in with client
   * credentials: no scp, no user claims, idtyp "app", the app's roles, and its client id in azp.
   */
  private async appToken(key: string, audience: string | undefined): Promise<RawResponse> {
    const sp = findServicePrincipal(this.directory, key);
    if (!sp) {
      return graphError(404, 'NotFound', `No demo service principal '${key}'. Known: ${this.directory.servicePrincipals.map((s) => s.alias).join(', ')}.`);
    }
    const token = await this.requireIssuer().issueToken(
      { oid: sp.id, roles: sp.appRoles, idtyp: 'app', azp: sp.appId, appid: sp.appId, azpacr: '1', scp: undefined },
      audience ? { audience } : {},
    );
    return json(200, { token_type: 'Bearer', expires_in: 3600, access_token: token });
  }

  private requireIssuer(): OidcIssuerExtension {
    if (!this.options.issuer) throw new Error('No token issuer is configured in this devhost.');
    return this.options.issuer;
  }

  private requireGroups(): GroupStore {
    if (!this.groups) throw new Error('The Graph stand-in is not started.');
    return this.groups;
  }

  private requireTable(): TableClient {
    if (!this.table) throw new Error('The Graph stand-in is not started.');
    return this.table;
  }
}

/** ARM's audience, as the app is configured to accept it (PIM_ARM_AUDIENCE's first), else Azure's public cloud's. */
const armAudience = () => process.env.PIM_ARM_AUDIENCE?.split(',')[0]?.trim() || 'https://management.azure.com/';

/**
 * The audience a token asks for: undefined for the app's own (the Graph surface), "arm" for the
 * ARM surface, or a URI as given (to try a wrong one); null when it is none of these.
 */
function tokenAudience(value: unknown): string | undefined | null {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') return null;
  if (value.toLowerCase() === 'arm') return armAudience();
  return /^[a-z][a-z0-9+.-]*:\S+$/i.test(value) ? value : null;
}

function isTextPlain(contentType: string | undefined): boolean {
  return (contentType ?? '').split(';')[0]?.trim().toLowerCase() === 'text/plain';
}

function mimeMail(from: string, body: Buffer): IncomingMail | RawResponse {
  try {
    return { from, ...parseMimeBase64(body.toString('latin1')) };
  } catch (error) {
    if (error instanceof MimeContentError) return graphError(400, error.code, error.message);
    throw error;
  }
}

function jsonMail(from: string, body: Buffer): IncomingMail | RawResponse {
  let parsed: { message?: Record<string, unknown> };
  try {
    parsed = JSON.parse(body.toString('utf8')) as typeof parsed;
  } catch {
    return graphError(400, 'BadRequest', 'Invalid JSON body.');
  }
  const mail = fromGraphJson(from, parsed.message ?? {});
  return typeof mail === 'string' ? graphError(400, 'ErrorInvalidRecipients', mail) : mail;
}
