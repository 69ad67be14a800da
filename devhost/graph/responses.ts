import { randomUUID } from 'node:crypto';
import { evaluate, parseFilter } from '../../shared/http/odata/filter';
import type { RawResponse } from '../core/extension';
import type { StoredGroup } from './groupStore';

export type Json = Record<string, unknown>;

/** Graph's answers, shared by the stand-in's routes: bodies, collections and error shapes. */
export function json(status: number, body: unknown, headers: Record<string, string> = {}): RawResponse {
  return { status, headers: { 'Content-Type': 'application/json; charset=utf-8', ...headers }, body: JSON.stringify(body) };
}

export function graphError(status: number, code: string, message: string, headers: Record<string, string> = {}): RawResponse {
  return json(status, { error: { code, message, innerError: { date: new Date().toISOString(), 'request-id': randomUUID() } } }, headers);
}

export function notFound(id: string | undefined): RawResponse {
  return graphError(404, 'Request_ResourceNotFound', `Resource '${id ?? ''}' does not exist or one of its queried reference-property objects are not present.`);
}

/** Graph's answer to a path segment it does not know (a navigation the type does not declare). */
export function unknownSegment(segment: string | undefined): RawResponse {
  return graphError(400, 'BadRequest', `Resource not found for the segment '${segment ?? ''}'.`);
}

export function collection(root: string, entitySet: string, value: unknown[]): RawResponse {
  return json(200, { '@odata.context': `${root}/$metadata#${entitySet}`, value });
}

export function filtered(items: Json[], filter: string | null): Json[] {
  if (!filter) return items;
  const node = parseFilter(filter);
  return items.filter((i) => evaluate(node, i));
}

/** `$select`: only the named properties (case-insensitive, as Graph), plus the @odata annotations. */
export function selected(item: Json, select: string | null): Json {
  if (!select) return item;
  const keep = new Set(select.split(',').map((p) => p.trim().toLowerCase()).filter(Boolean));
  return Object.fromEntries(Object.entries(item).filter(([k]) => k.startsWith('@odata.') || keep.has(k.toLowerCase())));
}

export function userJson(u: { id: string; displayName: string; userPrincipalName: string }): Json {
  return { '@odata.type': '#microsoft.graph.user', id: u.id, displayName: u.displayName, userPrincipalName: u.userPrincipalName, mail: u.userPrincipalName };
}

export function servicePrincipalJson(sp: { id: string; appId: string; displayName: string }): Json {
  return { '@odata.type': '#microsoft.graph.servicePrincipal', id: sp.id, appId: sp.appId, displayName: sp.displayName, servicePrincipalType: 'Application' };
}

/** Every demo group is a security group without mail, as PIM for Groups and role assignment need. */
export function groupJson(g: StoredGroup): Json {
  const dynamic = g.groupTypes.includes('DynamicMembership');
  return {
    '@odata.type': '#microsoft.graph.group',
    id: g.id,
    displayName: g.displayName,
    groupTypes: g.groupTypes,
    isAssignableToRole: g.isAssignableToRole,
    mailEnabled: false,
    securityEnabled: true,
    membershipRule: g.membershipRule,
    membershipRuleProcessingState: dynamic ? 'On' : null,
    onPremisesSyncEnabled: g.onPremisesSyncEnabled,
  };
}
