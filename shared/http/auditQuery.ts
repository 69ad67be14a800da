import { z } from 'zod';
import type { AuditQuery } from '../ports/audit';
import { HttpError } from './graphErrors';
import type { FilterNode, Literal, Operand } from './odata/filter';
import { parseQuery } from './odata/query';

/** Graph's default page of directoryAudits; the most one page may ask for (Graph's usual cap, as its documentation gives none). */
export const AUDIT_PAGE_DEFAULT = 100;
export const AUDIT_PAGE_MAX = 999;

const SUPPORTED =
  "activityDateTime ge|le <date-time>, category eq '…', activityDisplayName eq '…', result eq '…', initiatedBy/user/id eq '…', " +
  "targetResources/any(t: t/id eq '…') and loggedByService eq 'PIM', joined with 'and'";

const bad = (message: string) => new HttpError('BadRequest', message, 400);

/**
 * The list's query options: what the handler validates with, and what the OpenAPI document
 * shows. Other `$` options are refused by the OData parser with a message that names them.
 */
export const directoryAuditsQuery = z.object({
  $filter: z.string().optional().describe(`Supported: ${SUPPORTED}.`),
  $top: z
    .string()
    .regex(/^\d+$/)
    .transform(Number)
    .pipe(z.number().int().min(1).max(AUDIT_PAGE_MAX))
    .optional()
    .describe(`Records per page, 1 to ${AUDIT_PAGE_MAX} (default ${AUDIT_PAGE_DEFAULT}).`),
  $skiptoken: z.string().optional().describe('Where the next page starts: from @odata.nextLink, used as it is.'),
  $select: z.string().optional().describe('Properties to return, separated by commas.'),
  $orderby: z.enum(['activityDateTime desc']).optional().describe('The only order: newest first (also the default).'),
});

export interface DirectoryAuditsRequest {
  query: AuditQuery;
  top: number;
  skipToken?: string;
  select?: string[];
}

/** Reads the query string of `GET /auditLogs/directoryAudits`; anything it cannot serve is a 400 that says what it can. */
export function parseDirectoryAuditsQuery(params: URLSearchParams): DirectoryAuditsRequest {
  const odata = parseQuery(params, {
    filterable: ['activityDateTime', 'category', 'activityDisplayName', 'result', 'initiatedBy', 'targetResources', 'loggedByService'],
    maxTop: AUDIT_PAGE_MAX,
  });
  if (odata.count) throw bad('$count is not supported on directoryAudits.');
  const options = Object.fromEntries([...params].filter(([k]) => k.startsWith('$')).map(([k, v]) => [k.toLowerCase(), v]));
  const parsed = directoryAuditsQuery.safeParse({ ...options, $orderby: options.$orderby?.trim().replace(/\s+/g, ' ') });
  if (!parsed.success) {
    const option = String(parsed.error.issues[0]?.path[0] ?? 'query');
    if (option === '$top') throw bad(`Invalid $top '${options.$top}': use a whole number from 1 to ${AUDIT_PAGE_MAX}.`);
    if (option === '$orderby') throw bad(`Invalid $orderby '${options.$orderby}': directoryAudits are ordered by 'activityDateTime desc' only.`);
    throw bad(`Invalid ${option}: ${parsed.error.issues[0]?.message ?? 'not understood'}.`);
  }
  return {
    query: odata.filter ? auditQueryOf(odata.filter) : {},
    top: parsed.data.$top ?? AUDIT_PAGE_DEFAULT,
    ...(odata.skipToken !== undefined ? { skipToken: odata.skipToken } : {}),
    ...(odata.select ? { select: odata.select } : {}),
  };
}

const unsupported = (what: string) => bad(`Unsupported $filter on directoryAudits: ${what}. Supported: ${SUPPORTED}.`);

/** `property op literal` (or reversed), with the property's path in lower case. */
function comparison(node: FilterNode & { kind: 'compare' }): { path: string; op: string; value: Literal } {
  const flip: Record<string, string> = { eq: 'eq', ne: 'ne', ge: 'le', le: 'ge', gt: 'lt', lt: 'gt' };
  const [property, literal, op] = node.left.kind === 'property' ? [node.left, node.right, node.op] : [node.right, node.left, flip[node.op] ?? node.op];
  if (property.kind !== 'property' || literal.kind !== 'literal') throw unsupported('compare a property with a value');
  return { path: (property as Operand & { kind: 'property' }).path.join('/').toLowerCase(), op, value: literal.value };
}

const EQ_FIELDS: Record<string, keyof AuditQuery> = {
  category: 'category',
  activitydisplayname: 'activityDisplayName',
  result: 'result',
  'initiatedby/user/id': 'initiatedByUserId',
  loggedbyservice: 'loggedByService',
};

/** The conditions of a filter that is an `and` of supported terms, as the storage's query. */
export function auditQueryOf(filter: FilterNode): AuditQuery {
  const query: AuditQuery = {};
  const set = (field: keyof AuditQuery, value: string, term: string) => {
    if (query[field] !== undefined) throw unsupported(`'${term}' is given twice; give each condition once`);
    query[field] = value;
  };
  const visit = (node: FilterNode): void => {
    if (node.kind === 'and') {
      visit(node.left);
      visit(node.right);
      return;
    }
    if (node.kind === 'lambda') {
      const p = node.predicate;
      const inner = p.kind === 'compare' ? comparison(p) : undefined;
      const onIds = inner?.path === `${node.variable.toLowerCase()}/id` && inner.op === 'eq' && typeof inner.value === 'string';
      if (node.fn !== 'any' || node.path.join('/').toLowerCase() !== 'targetresources' || !onIds) throw unsupported(`a ${node.fn}() other than targetResources/any(t: t/id eq '…')`);
      set('targetResourceId', String(inner.value), 'targetResources/any');
      return;
    }
    if (node.kind !== 'compare') throw unsupported(`'${node.kind === 'call' ? node.fn : node.kind}'`);
    const { path, op, value } = comparison(node);
    if (path === 'activitydatetime') {
      const text = typeof value === 'string' ? value : '';
      if (!/^\d{4}-\d{2}-\d{2}/.test(text) || Number.isNaN(Date.parse(text))) throw bad(`Invalid $filter: activityDateTime needs a date-time such as 2026-01-31T00:00:00Z (got '${String(value)}').`);
      if (op === 'ge') return set('from', new Date(text).toISOString(), 'activityDateTime ge');
      if (op === 'le') return set('to', new Date(text).toISOString(), 'activityDateTime le');
      throw unsupported(`activityDateTime ${op}`);
    }
    if (op !== 'eq' || typeof value !== 'string') throw unsupported(`${path} ${op} ${String(value)}`);
    const field = EQ_FIELDS[path];
    if (!field) throw unsupported(`${path} ${op}`);
    set(field, value, `${path} eq`);
  };
  visit(filter);
  return query;
}

/** The export's query options (an extension of Graph's directoryAudits, for auditors' downloads). */
export const directoryAuditsExportQuery = z.object({
  format: z.enum(['jsonl', 'csv']).optional().describe('jsonl (one JSON object a line, the default) or csv.'),
  from: z.string().optional().describe('Records at or after this date-time (ISO 8601, e.g. 2026-01-01T00:00:00Z); open when absent.'),
  to: z.string().optional().describe('Records at or before this date-time; open when absent.'),
});

export interface ExportRequest {
  format: 'jsonl' | 'csv';
  range: { from?: string; to?: string };
}

const instant = (name: string, text: string | null): string | undefined => {
  if (text === null || text === '') return undefined;
  if (!/^\d{4}-\d{2}-\d{2}/.test(text) || Number.isNaN(Date.parse(text))) throw bad(`Invalid ${name} '${text}': give a date-time such as 2026-01-31T00:00:00Z.`);
  return new Date(text).toISOString();
};

/** Reads the export's query string; anything else is a 400 that says what to send. */
export function parseExportQuery(params: URLSearchParams): ExportRequest {
  const unknown = [...params.keys()].filter((k) => !['format', 'from', 'to'].includes(k));
  if (unknown.length > 0) throw bad(`Unknown query option ${unknown.join(', ')}: the export takes format (jsonl or csv), from and to.`);
  const format = params.get('format') ?? 'jsonl';
  if (format !== 'jsonl' && format !== 'csv') throw bad(`Invalid format '${format}': use jsonl or csv.`);
  const from = instant('from', params.get('from'));
  const to = instant('to', params.get('to'));
  if (from && to && from > to) throw bad(`from (${from}) is after to (${to}): give an earlier from or a later to.`);
  return { format, range: { ...(from ? { from } : {}), ...(to ? { to } : {}) } };
}
