import { z } from 'zod';
import { ALERT_DEFINITIONS, type AlertName, type AlertSettings, alertId } from '../domain/alerts';
import type { AlertOperation, AlertState, StoredIncident } from '../ports/alerts';
import type { BreakGlassAccount } from '../ports/breakGlass';
import { HttpError } from './graphErrors';
import { pinnedValue } from './odata/filter';
import { type ODataQuery, parseQuery } from './odata/query';

/** Graph's lastModifiedDateTime of an alert nobody has dismissed or refreshed. */
const NEVER_MODIFIED = '0001-01-01T08:00:00Z';
const SCOPE = { scopeId: '/', scopeType: 'DirectoryRole' } as const;

/**
 * A list's query: Graph answers 400 unless `$filter` pins `scopeId eq '/' and scopeType eq
 * 'DirectoryRole'` (alerts cover directory roles at the tenant only).
 */
export function parseAlertListQuery(params: URLSearchParams, expandable: readonly string[] = []): ODataQuery {
  const query = parseQuery(params, { filterable: ['scopeId', 'scopeType'], expandable });
  const scopeId = query.filter ? pinnedValue(query.filter, 'scopeId') : undefined;
  const scopeType = query.filter ? pinnedValue(query.filter, 'scopeType') : undefined;
  if (scopeId !== '/' || typeof scopeType !== 'string' || scopeType.toLowerCase() !== 'directoryrole') {
    throw new HttpError('BadRequest', "The $filter must be scopeId eq '/' and scopeType eq 'DirectoryRole': alerts cover directory roles at the tenant scope.", 400);
  }
  return query;
}

export function definitionJson(tenantId: string, name: AlertName): Record<string, unknown> {
  const { displayName, description, severityLevel, securityImpact, mitigationSteps, howToPrevent, isRemediatable, isConfigurable } = ALERT_DEFINITIONS[name];
  return { id: alertId(tenantId, name), displayName, ...SCOPE, description, severityLevel, securityImpact, mitigationSteps, howToPrevent, isRemediatable, isConfigurable };
}

export function configurationJson(tenantId: string, name: AlertName, settings: AlertSettings): Record<string, unknown> {
  const { isEnabled, ...thresholds } = settings;
  return { '@odata.type': `#microsoft.graph.${ALERT_DEFINITIONS[name].configurationType}`, id: alertId(tenantId, name), alertDefinitionId: alertId(tenantId, name), ...SCOPE, isEnabled, ...thresholds };
}

export function alertJson(tenantId: string, state: AlertState): Record<string, unknown> {
  return {
    id: alertId(tenantId, state.name),
    alertDefinitionId: alertId(tenantId, state.name),
    ...SCOPE,
    incidentCount: state.incidentCount,
    isActive: state.isActive,
    lastModifiedDateTime: state.lastModifiedDateTime ?? NEVER_MODIFIED,
    lastScannedDateTime: state.lastScannedDateTime,
  };
}

export function incidentJson(name: AlertName, incident: StoredIncident): Record<string, unknown> {
  return { '@odata.type': `#microsoft.graph.${ALERT_DEFINITIONS[name].incidentType}`, id: incident.id, ...incident.fields };
}

export function operationJson(operation: AlertOperation, resourceLocation: string | null): Record<string, unknown> {
  return { ...operation, resourceLocation };
}

export function breakGlassJson(account: BreakGlassAccount): Record<string, unknown> {
  return { ...account };
}

/** PATCH alertConfigurations/{id}: checked by hand (shared/domain/alerts.ts `patchSettings`); this documents it. */
export const alertConfigurationPatchBody = z
  .object({
    '@odata.type': z.string().meta({ description: 'The configuration\'s own type, e.g. #microsoft.graph.tooManyGlobalAdminsAssignedToTenantAlertConfiguration' }),
    isEnabled: z.boolean().optional(),
    globalAdminCountThreshold: z.int().min(1).optional(),
    percentageOfGlobalAdminsOutOfRolesThreshold: z.int().min(0).max(100).optional(),
    duration: z.string().meta({ description: 'ISO 8601 days, e.g. P30D' }).optional(),
    timeIntervalBetweenActivations: z.string().meta({ description: 'ISO 8601 duration, e.g. PT1H' }).optional(),
    sequentialActivationCounterThreshold: z.int().min(2).max(100).optional(),
  })
  .loose();

/** PATCH alerts/{id}: dismissal only. */
export const alertPatchBody = z.strictObject({ '@odata.type': z.string().optional(), isActive: z.literal(false) });

/** POST alerts/refresh: the scope, as Graph's body names it. */
export const alertsRefreshBody = z.object({ scopeId: z.literal('/').optional(), scopeType: z.string().optional() }).loose();

/** The body of POST alerts/refresh, when sent, names the one scope alerts cover. */
export function checkRefreshScope(body: unknown): void {
  if (body === undefined) return;
  const scope = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  const typeOk = scope.scopeType === undefined || (typeof scope.scopeType === 'string' && scope.scopeType.toLowerCase() === 'directoryrole');
  if ((scope.scopeId !== undefined && scope.scopeId !== '/') || !typeOk || typeof body !== 'object' || body === null) {
    throw new HttpError('BadRequest', 'Send {"scopeId": "/", "scopeType": "DirectoryRole"} (or no body): alerts cover directory roles at the tenant scope.', 400);
  }
}

/** POST /pim/breakGlassAccounts. */
export const breakGlassAccountBody = z.strictObject({ id: z.string().meta({ description: "The user's object id" }) });
