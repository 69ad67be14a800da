import type { Api } from '../api';

/** A directoryAudit as the API returns it: the parts the history page shows. */
export interface AuditRecord {
  id: string;
  activityDateTime: string;
  activityDisplayName: string;
  category: string;
  result: string;
  resultReason: string;
  initiatedBy: { user: { id: string; displayName: string | null; userPrincipalName: string | null } | null; app: { displayName: string } | null };
  targetResources: Array<{ id: string; displayName: string | null; type: string }>;
  additionalDetails: Array<{ key: string; value: string }>;
}

export interface AuditFilters {
  /** yyyy-mm-dd from a date input, in the user's time zone; both days are included. */
  fromDate: string;
  toDate: string;
  activity: string;
  result: '' | 'success' | 'failure';
  /** A user's or object's id: records initiated by it, or records about it (as target). */
  principal: string;
  principalRole: 'initiatedBy' | 'target';
}

export const noFilters: AuditFilters = { fromDate: '', toDate: '', activity: '', result: '', principal: '', principalRole: 'initiatedBy' };

const PAGE_SIZE = 50;
const quoted = (value: string) => `'${value.replace(/'/g, "''")}'`;

/** The API's $filter for the form's fields (empty fields add nothing). */
export function filterOf(f: AuditFilters): string {
  const terms: string[] = [];
  if (f.fromDate) terms.push(`activityDateTime ge ${new Date(`${f.fromDate}T00:00:00`).toISOString()}`);
  if (f.toDate) terms.push(`activityDateTime le ${new Date(`${f.toDate}T23:59:59.999`).toISOString()}`);
  if (f.activity.trim()) terms.push(`activityDisplayName eq ${quoted(f.activity.trim())}`);
  if (f.result) terms.push(`result eq '${f.result}'`);
  const principal = f.principal.trim();
  if (principal) terms.push(f.principalRole === 'initiatedBy' ? `initiatedBy/user/id eq ${quoted(principal)}` : `targetResources/any(t: t/id eq ${quoted(principal)})`);
  return terms.join(' and ');
}

export interface AuditPage {
  records: AuditRecord[];
  /** The API's @odata.nextLink as a path on this origin, when there is more. */
  next?: string;
}

/** The first page for these filters, or the page a previous one's `next` points to. */
export async function loadAuditPage(api: Api, filters: AuditFilters, next?: string): Promise<AuditPage> {
  const filter = filterOf(filters);
  const path = next ?? `/v1.0/auditLogs/directoryAudits?$top=${PAGE_SIZE}${filter ? `&$filter=${encodeURIComponent(filter)}` : ''}`;
  const body = await api.call<{ value: AuditRecord[]; '@odata.nextLink'?: string }>('GET', path);
  const link = body['@odata.nextLink'];
  // Why a path: the link names the API's public base URL; the portal calls its own origin.
  return { records: body.value, ...(link ? { next: `${new URL(link).pathname}${new URL(link).search}` } : {}) };
}

export function initiatorOf(r: AuditRecord): string {
  const u = r.initiatedBy.user;
  if (u) return u.displayName ?? u.userPrincipalName ?? u.id;
  return r.initiatedBy.app?.displayName ?? '—';
}

export function targetsOf(r: AuditRecord): string {
  return r.targetResources.map((t) => t.displayName ?? t.id).join(', ') || '—';
}

/** The requester's or approver's justification, else the reason the system gave. */
export function reasonOf(r: AuditRecord): string {
  const detail = (key: string) => r.additionalDetails.find((d) => d.key.toLowerCase() === key)?.value;
  return detail('justification') ?? detail('reason') ?? (r.resultReason || '—');
}
