import { randomUUID } from 'node:crypto';
import type { RawRequest, RawResponse } from '../core/extension';
import type { DurableEngine } from './engine';
import { findTriggered } from './engine';
import type { DurableStore } from './store';
import { type InstanceRecord, newExecution, type RuntimeStatus, terminalStatuses } from './types';

export const WEBHOOK_PREFIX = '/runtime/webhooks/durabletask/';

/**
 * The Durable extension's HTTP API as `DurableClient` calls it through `rpcBaseUrl`
 * (start, raise event, status, list, terminate, suspend, resume, purge), with the same
 * status codes: 202 accepted, 400 bad request, 404 unknown instance, 409 duplicate id,
 * 410 instance already finished.
 */
export class DurableClientApi {
  constructor(
    private readonly store: DurableStore,
    private readonly engine: DurableEngine,
    private readonly hubName: string,
    private readonly baseUrl: () => string,
  ) {}

  async handle(req: RawRequest): Promise<RawResponse | undefined> {
    const path = req.url.pathname;
    if (!path.startsWith(WEBHOOK_PREFIX)) return undefined;
    const parts = path.slice(WEBHOOK_PREFIX.length).split('/').map(decodeURIComponent);
    const [head, id, verb, arg] = parts;
    const method = req.method.toUpperCase();
    if (head === 'orchestrators' && method === 'POST' && id) return this.startNew(id, verb, req.body.toString('utf8'));
    if (head !== 'instances') return json(404, { message: `Unknown durable API path ${path}` });
    if (!id) {
      if (method === 'GET') return this.list(req.url);
      if (method === 'DELETE') return this.purgeBy(req.url);
      return json(405, { message: `${method} is not allowed on ${path}` });
    }
    if (!verb && method === 'GET') return this.status(id, req.url);
    if (!verb && method === 'DELETE') return this.purge(id);
    if (method !== 'POST') return json(405, { message: `${method} is not allowed on ${path}` });
    const reason = req.url.searchParams.get('reason') ?? '';
    switch (verb) {
      case 'raiseEvent':
        return arg ? this.raiseEvent(id, arg, req.body.toString('utf8')) : json(400, { message: 'Event name missing' });
      case 'terminate':
        return this.control(id, 'terminate', reason);
      case 'suspend':
        return this.control(id, 'suspend', reason);
      case 'resume':
        return this.control(id, 'resume', reason);
      default:
        return json(404, { message: `Unknown durable API path ${path}` });
    }
  }

  private async startNew(name: string, requestedId: string | undefined, body: string): Promise<RawResponse> {
    const fn = findTriggered(name, 'orchestrationTrigger');
    if (!fn)
      return json(400, {
        message: `The function '${name}' doesn't exist, is disabled, or is not an orchestrator function.`,
      });
    const input = body.trim() === '' ? null : body;
    if (input !== null && !isJson(input)) return json(400, { message: 'The request body is not valid JSON.' });
    const instanceId = requestedId ?? randomUUID().replace(/-/g, '');
    // eslint-disable-next-line no-control-regex -- control characters are exactly what Table keys forbid.
    if (instanceId.length > 256 || /[/\\#?]|[\u0000-\u001f\u007f]/.test(instanceId)) {
      return json(400, { message: `Instance id '${instanceId}' contains characters that are not allowed.` });
    }
    const existing = await this.store.getInstance(instanceId);
    if (existing && !terminalStatuses.has(existing.runtimeStatus)) {
      return json(409, { message: `An instance with ID '${instanceId}' already exists.` });
    }
    if (existing) await this.store.purge(instanceId);
    const now = new Date().toISOString();
    const executionId = randomUUID().replace(/-/g, '');
    const record: InstanceRecord = {
      instanceId,
      name: fn.metadata.name,
      runtimeStatus: 'Pending',
      input,
      output: null,
      customStatus: null,
      createdTime: now,
      lastUpdatedTime: now,
      execution: newExecution(executionId),
    };
    const created = await this.store.createInstance(record, {
      rowKey: `m-start-${executionId}`,
      executionId,
      enqueuedAt: now,
      kind: 'start',
    });
    if (!created) return json(409, { message: `An instance with ID '${instanceId}' already exists.` });
    this.engine.wake(instanceId);
    const links = this.managementLinks(instanceId);
    return json(202, links, { Location: links.statusQueryGetUri, 'Retry-After': '10' });
  }

  private async raiseEvent(instanceId: string, eventName: string, body: string): Promise<RawResponse> {
    const instance = await this.store.getInstance(instanceId);
    if (!instance) return json(404, { message: `No instance with ID '${instanceId}' was found.` });
    if (terminalStatuses.has(instance.runtimeStatus)) {
      return json(410, {
        message: `The instance '${instanceId}' is ${instance.runtimeStatus} and can no longer receive events.`,
      });
    }
    const data = body.trim() === '' ? 'null' : body;
    if (!isJson(data)) return json(400, { message: 'The event data is not valid JSON.' });
    const now = new Date().toISOString();
    await this.store.addMessage(instanceId, {
      rowKey: `m-e-${now}-${randomUUID()}`,
      enqueuedAt: now,
      kind: 'event',
      event: { EventType: 15, EventId: -1, IsPlayed: false, Timestamp: now, Name: eventName, Input: data },
    });
    this.engine.wake(instanceId);
    return { status: 202 };
  }

  private async control(instanceId: string, kind: 'terminate' | 'suspend' | 'resume', reason: string) {
    const instance = await this.store.getInstance(instanceId);
    if (!instance) return json(404, { message: `No instance with ID '${instanceId}' was found.` });
    if (terminalStatuses.has(instance.runtimeStatus)) {
      return json(410, { message: `The instance '${instanceId}' is already ${instance.runtimeStatus}.` });
    }
    const now = new Date().toISOString();
    await this.store.addMessage(instanceId, { rowKey: `m-c-${now}-${randomUUID()}`, enqueuedAt: now, kind, reason });
    this.engine.wake(instanceId);
    return { status: 202 };
  }

  private async status(instanceId: string, url: URL): Promise<RawResponse> {
    const snapshot = await this.store.load(instanceId);
    const instance = snapshot.instance;
    if (!instance) return json(404, {});
    const body: Record<string, unknown> = statusBody(instance, url.searchParams.get('showInput') !== 'false');
    if (url.searchParams.get('showHistory') === 'true') {
      const withOutput = url.searchParams.get('showHistoryOutput') === 'true';
      body.historyEvents = snapshot.history.map((e) => {
        const { IsPlayed: _p, ...rest } = e;
        if (!withOutput) {
          delete rest.Result;
          delete rest.Input;
        }
        return rest;
      });
    }
    return json(terminalStatuses.has(instance.runtimeStatus) ? 200 : 202, body);
  }

  private async list(url: URL): Promise<RawResponse> {
    const all = await this.filtered(url);
    const top = Number(url.searchParams.get('top') ?? '0');
    const offset = Number(url.searchParams.get('continuationToken') ?? '0');
    if (top > 0) {
      const page = all.slice(offset, offset + top);
      const headers: Record<string, string> = {};
      if (offset + top < all.length) headers['x-ms-continuation-token'] = String(offset + top);
      return json(
        200,
        page.map((i) => statusBody(i, url.searchParams.get('showInput') !== 'false')),
        headers,
      );
    }
    return json(
      200,
      all.map((i) => statusBody(i, url.searchParams.get('showInput') !== 'false')),
    );
  }

  private async filtered(url: URL): Promise<InstanceRecord[]> {
    const from = url.searchParams.get('createdTimeFrom');
    const to = url.searchParams.get('createdTimeTo');
    const statuses = (url.searchParams.get('runtimeStatus') ?? '').split(',').filter(Boolean) as RuntimeStatus[];
    const prefix = url.searchParams.get('instanceIdPrefix');
    const all = await this.store.listInstances();
    return all
      .filter((i) => !from || i.createdTime >= new Date(from).toISOString())
      .filter((i) => !to || i.createdTime <= new Date(to).toISOString())
      .filter((i) => statuses.length === 0 || statuses.includes(i.runtimeStatus))
      .filter((i) => !prefix || i.instanceId.startsWith(prefix))
      .sort((a, b) => a.createdTime.localeCompare(b.createdTime));
  }

  private async purge(instanceId: string): Promise<RawResponse> {
    const instance = await this.store.getInstance(instanceId);
    if (!instance) return json(404, { instancesDeleted: 0 });
    if (!terminalStatuses.has(instance.runtimeStatus)) {
      return json(400, {
        message: `The instance '${instanceId}' is ${instance.runtimeStatus}; only finished instances can be purged.`,
      });
    }
    await this.store.purge(instanceId);
    return json(200, { instancesDeleted: 1 });
  }

  private async purgeBy(url: URL): Promise<RawResponse> {
    const targets = (await this.filtered(url)).filter((i) => terminalStatuses.has(i.runtimeStatus));
    for (const instance of targets) await this.store.purge(instance.instanceId);
    return targets.length === 0 ? json(404, { instancesDeleted: 0 }) : json(200, { instancesDeleted: targets.length });
  }

  /** The binding data a `durableClient` input receives, pointing back at this API. */
  clientBindingData(): Record<string, unknown> {
    const base = `${this.baseUrl()}${WEBHOOK_PREFIX.slice(0, -1)}`;
    const qs = `taskHub=${this.hubName}&connection=Storage&code=devhost`;
    const instance = `${base}/instances/INSTANCEID`;
    return {
      taskHubName: this.hubName,
      creationUrls: {
        createNewInstancePostUri: `${base}/orchestrators/{functionName}[/{instanceId}]?code=devhost`,
        createAndWaitOnNewInstancePostUri: `${base}/orchestrators/{functionName}[/{instanceId}]?timeout={timeoutInSeconds}&pollingInterval={intervalInSeconds}&code=devhost`,
      },
      managementUrls: this.managementLinks('INSTANCEID'),
      baseUrl: base,
      requiredQueryStringParameters: 'code=devhost',
      rpcBaseUrl: `${base}/`,
      httpBaseUrl: instance.replace('/instances/INSTANCEID', ''),
      qs,
    };
  }

  private managementLinks(instanceId: string) {
    const base = `${this.baseUrl()}${WEBHOOK_PREFIX}instances/${encodeURIComponent(instanceId)}`;
    const qs = `taskHub=${this.hubName}&connection=Storage&code=devhost`;
    return {
      id: instanceId,
      statusQueryGetUri: `${base}?${qs}`,
      sendEventPostUri: `${base}/raiseEvent/{eventName}?${qs}`,
      terminatePostUri: `${base}/terminate?reason={text}&${qs}`,
      rewindPostUri: `${base}/rewind?reason={text}&${qs}`,
      purgeHistoryDeleteUri: `${base}?${qs}`,
      restartPostUri: `${base}/restart?${qs}`,
      suspendPostUri: `${base}/suspend?reason={text}&${qs}`,
      resumePostUri: `${base}/resume?reason={text}&${qs}`,
    };
  }
}

function statusBody(instance: InstanceRecord, showInput: boolean) {
  return {
    name: instance.name,
    instanceId: instance.instanceId,
    runtimeStatus: instance.runtimeStatus,
    input: showInput && instance.input !== null ? JSON.parse(instance.input) : null,
    customStatus: instance.customStatus === null ? null : JSON.parse(instance.customStatus),
    output: instance.output === null ? null : JSON.parse(instance.output),
    createdTime: instance.createdTime,
    lastUpdatedTime: instance.lastUpdatedTime,
  };
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): RawResponse {
  return {
    status,
    headers: { 'Content-Type': 'application/json; charset=utf-8', ...headers },
    body: JSON.stringify(body),
  };
}
