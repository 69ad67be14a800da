import * as df from 'durable-functions';
import type { InvocationContext } from '@azure/functions';
import {
  dismissAlert,
  getAlert,
  getOperation,
  listAlerts,
  listIncidents,
  readDefinitions,
  readSettings,
  refreshAlerts,
  remediate,
  updateSettings,
} from '../../shared/app/alerts/alertsApi';
import type { AlertDeps } from '../../shared/app/alerts/world';
import { alertNameOf } from '../../shared/domain/alerts';
import type { AlertOperation } from '../../shared/ports/alerts';
import {
  alertConfigurationPatchBody,
  alertJson,
  alertPatchBody,
  alertsRefreshBody,
  checkRefreshScope,
  configurationJson,
  definitionJson,
  incidentJson,
  operationJson,
  parseAlertListQuery,
} from '../../shared/http/alertJson';
import { graphHandler } from '../../shared/http/graphHandler';
import { parseQuery } from '../../shared/http/odata/query';
import { contextUrl, entityResponse } from '../../shared/http/responses';
import type { AlertView } from '../../shared/app/alerts/alertsApi';
import { httpRoute } from '../httpRoute';
import { alertRefreshFor, deps, tokens, workflowFor } from '../composition';

// Graph serves PIM alerts on beta only.
const BASE = 'beta/identityGovernance/roleManagementAlerts';
const EXPANDABLE = ['alertDefinition', 'alertConfiguration', 'alertIncidents'] as const;

const alertDeps = (ctx?: InvocationContext): AlertDeps => ({ ...deps(), ...(ctx ? { workflow: workflowFor(ctx) } : {}) });
const tenant = () => deps().tenantId;

/** `$expand=*` is Graph's shorthand for every navigation property. */
function withStarExpanded(params: URLSearchParams): URLSearchParams {
  const out = new URLSearchParams(params);
  if (out.get('$expand')?.trim() === '*') out.set('$expand', EXPANDABLE.join(','));
  return out;
}

async function alertWithExpansions(view: AlertView, expand: string[]): Promise<Record<string, unknown>> {
  const json: Record<string, unknown> = alertJson(tenant(), view.state);
  const wants = (p: string) => expand.some((e) => e.toLowerCase() === p.toLowerCase());
  if (wants('alertDefinition')) json.alertDefinition = definitionJson(tenant(), view.name);
  if (wants('alertConfiguration')) json.alertConfiguration = configurationJson(tenant(), view.name, view.settings);
  if (wants('alertIncidents')) json.alertIncidents = (await deps().alertRepository.incidents(view.name)).map((i) => incidentJson(view.name, i));
  return json;
}

const list = (url: URL, entitySet: string, value: unknown[]) => ({ status: 200, jsonBody: { '@odata.context': contextUrl(url, `${BASE.replace('beta/', '')}/${entitySet}`), value } });
const entity = (url: URL, entitySet: string, value: object) => entityResponse(url, `${BASE.replace('beta/', '')}/${entitySet}`, value);

httpRoute('listAlertDefinitions', {
  route: `${BASE}/alertDefinitions`,
  methods: ['GET'],
  authLevel: 'anonymous',
  doc: { summary: "PIM alerts' definitions (needs $filter=scopeId eq '/' and scopeType eq 'DirectoryRole')" },
  handler: graphHandler(tokens, async ({ url, caller }) => {
    parseAlertListQuery(url.searchParams);
    return list(url, 'alertDefinitions', readDefinitions(alertDeps(), caller).map((n) => definitionJson(tenant(), n)));
  }),
});

httpRoute('getAlertDefinition', {
  route: `${BASE}/alertDefinitions/{id}`,
  methods: ['GET'],
  authLevel: 'anonymous',
  doc: { summary: "One PIM alert's definition" },
  handler: graphHandler(tokens, async ({ url, req, caller }) => {
    const [name] = readDefinitions(alertDeps(), caller, req.params.id ?? '');
    return entity(url, 'alertDefinitions', definitionJson(tenant(), name as NonNullable<typeof name>));
  }),
});

httpRoute('listAlertConfigurations', {
  route: `${BASE}/alertConfigurations`,
  methods: ['GET'],
  authLevel: 'anonymous',
  doc: { summary: "PIM alerts' configurations (needs the scope $filter)" },
  handler: graphHandler(tokens, async ({ url, caller }) => {
    parseAlertListQuery(url.searchParams);
    return list(url, 'alertConfigurations', (await readSettings(alertDeps(), caller)).map((c) => configurationJson(tenant(), c.name, c.settings)));
  }),
});

httpRoute('alertConfiguration', {
  route: `${BASE}/alertConfigurations/{id}`,
  methods: ['GET', 'PATCH'],
  authLevel: 'anonymous',
  doc: { summary: "One PIM alert's configuration; PATCH (admins) with its @odata.type changes isEnabled and thresholds (204)", body: alertConfigurationPatchBody, bodyName: 'alertConfigurationPatch' },
  handler: graphHandler(tokens, async ({ url, req, caller, body }) => {
    const id = req.params.id ?? '';
    if (req.method === 'PATCH') {
      await updateSettings(alertDeps(), caller, id, body);
      return { status: 204 };
    }
    const [found] = await readSettings(alertDeps(), caller, id);
    if (!found) throw new Error('unreachable: readSettings answers 404 for an unknown id');
    return entity(url, 'alertConfigurations', configurationJson(tenant(), found.name, found.settings));
  }),
});

httpRoute('listAlerts', {
  route: `${BASE}/alerts`,
  methods: ['GET'],
  authLevel: 'anonymous',
  doc: { summary: "PIM alerts (needs the scope $filter; $expand=alertDefinition,alertConfiguration,alertIncidents or *)" },
  handler: graphHandler(tokens, async ({ url, caller }) => {
    const query = parseAlertListQuery(withStarExpanded(url.searchParams), EXPANDABLE);
    const views = await listAlerts(alertDeps(), caller);
    return list(url, 'alerts', await Promise.all(views.map((v) => alertWithExpansions(v, query.expand.map((e) => e.property)))));
  }),
});

httpRoute('alert', {
  route: `${BASE}/alerts/{id}`,
  methods: ['GET', 'PATCH'],
  authLevel: 'anonymous',
  doc: { summary: 'One PIM alert ($expand); PATCH {"isActive": false} dismisses it (admins, 204)', body: alertPatchBody, bodyName: 'alertDismissal' },
  handler: graphHandler(tokens, async ({ url, req, caller, body }) => {
    const id = req.params.id ?? '';
    if (req.method === 'PATCH') {
      await dismissAlert(alertDeps(), caller, id, body);
      return { status: 204 };
    }
    const query = parseQuery(withStarExpanded(url.searchParams), { filterable: [], expandable: EXPANDABLE });
    const view = await getAlert(alertDeps(), caller, id);
    return entity(url, 'alerts', await alertWithExpansions(view, query.expand.map((e) => e.property)));
  }),
});

httpRoute('listAlertIncidents', {
  route: `${BASE}/alerts/{id}/alertIncidents`,
  methods: ['GET'],
  authLevel: 'anonymous',
  doc: { summary: "A PIM alert's incidents" },
  handler: graphHandler(tokens, async ({ url, req, caller }) => {
    const { name, incidents } = await listIncidents(alertDeps(), caller, req.params.id ?? '');
    return list(url, `alerts('${req.params.id ?? ''}')/alertIncidents`, incidents.map((i) => incidentJson(name, i)));
  }),
});

httpRoute('remediateAlertIncident', {
  route: `${BASE}/alerts/{id}/alertIncidents/{incidentId}/remediate`,
  methods: ['POST'],
  authLevel: 'anonymous',
  extraInputs: [df.input.durableClient()],
  doc: { summary: "Applies the incident's remediation (admins): e.g. removes an assignment made outside PIM, or requires MFA on activation" },
  handler: graphHandler(tokens, async ({ req, ctx, caller }) => {
    await remediate(alertDeps(ctx), caller, req.params.id ?? '', req.params.incidentId ?? '');
    return { status: 200 };
  }),
});

/** 202 with the operation to poll. */
function accepted(url: URL, operation: AlertOperation) {
  return { status: 202, headers: { Location: `${url.origin}/${BASE}/operations/${operation.id}` } };
}

httpRoute('refreshAlert', {
  route: `${BASE}/alerts/{id}/refresh`,
  methods: ['POST'],
  authLevel: 'anonymous',
  doc: { summary: 'Rescans one PIM alert in the background, reactivating it if dismissed (admins); 202 at once and Location of the operation to poll' },
  extraInputs: [df.input.durableClient()],
  handler: graphHandler(tokens, async ({ url, req, ctx, caller }) => accepted(url, await refreshAlerts(alertDeps(), caller, alertRefreshFor(ctx), req.params.id ?? ''))),
});

httpRoute('refreshAlerts', {
  route: `${BASE}/alerts/refresh`,
  methods: ['POST'],
  authLevel: 'anonymous',
  extraInputs: [df.input.durableClient()],
  doc: { summary: 'Rescans every PIM alert in the background (admins); 202 at once and Location of the operation to poll', body: alertsRefreshBody, bodyName: 'alertsRefresh' },
  handler: graphHandler(tokens, async ({ url, ctx, caller, body }) => {
    checkRefreshScope(body);
    return accepted(url, await refreshAlerts(alertDeps(), caller, alertRefreshFor(ctx)));
  }),
});

httpRoute('getAlertOperation', {
  route: `${BASE}/operations/{id}`,
  methods: ['GET'],
  authLevel: 'anonymous',
  doc: { summary: 'A refresh operation (longRunningOperation)' },
  handler: graphHandler(tokens, async ({ url, req, caller }) => {
    const operation = await getOperation(alertDeps(), caller, req.params.id ?? '');
    // What was refreshed: one alert (`refresh:{alertId}`) or all of them (`refresh:{scope id}`).
    const refreshed = operation.id.replace(/^refresh:/, '');
    const location = alertNameOf(tenant(), refreshed) ? `${url.origin}/${BASE}/alerts/${refreshed}` : `${url.origin}/${BASE}/alerts`;
    return entity(url, 'operations', operationJson(operation, location));
  }),
});
