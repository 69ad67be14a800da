/**
 * A new access review's body as Graph takes it (the scope and reviewer query strings, the
 * recurrence), how a definition's scope reads in words, and the results as CSV. No API calls
 * here (see accessReviews.ts), so it is tested without a browser.
 */
import { type DecisionItem, decisionWords, nameOf, type ReviewDefinition, type ReviewerScope, resourceOf } from '../reviewItems';
import { CADENCES as REPEATING_CADENCES } from '../../../shared/domain/reviewRecurrence';

/** What a review covers: the parts of the Assignments page's target (AdminTarget) that its scope names. */
export type ReviewTarget =
  | { kind: 'role'; roleDefinitionId: string }
  | { kind: 'group'; groupId: string; accessId: string }
  | { kind: 'azure'; scope: string; roleDefinitionId: string };

/** Which assignments of a directory role or an Azure role are reviewed (a group's review covers eligible and active members or owners). */
export type Assignments = 'eligible' | 'active' | 'both';

const GUID_TAIL = /[^/]+$/;

/**
 * Graph's scope query for the target: the PIM role scopes Graph documents, a group's members or
 * owners, and for Azure roles this service's ARM form (queryType AzureResourceManager).
 */
export function scopeOf(target: ReviewTarget, assignments: Assignments): { '@odata.type': string; query: string; queryType: string } {
  const scope = (query: string, queryType = 'MicrosoftGraph') => ({ '@odata.type': '#microsoft.graph.accessReviewQueryScope', query, queryType });
  if (target.kind === 'group') return scope(`/groups/${target.groupId}/${target.accessId === 'owner' ? 'owners' : 'transitiveMembers'}`);
  if (target.kind === 'azure') {
    const type = assignments === 'active' ? 'roleAssignmentScheduleInstances' : 'roleEligibilityScheduleInstances';
    return scope(`${target.scope}/providers/Microsoft.Authorization/${type}?$filter=roleDefinitionId eq '${GUID_TAIL.exec(target.roleDefinitionId)?.[0] ?? target.roleDefinitionId}'`, 'AzureResourceManager');
  }
  const role = target.roleDefinitionId;
  if (assignments === 'eligible') return scope(`/roleManagement/directory/roleEligibilityScheduleInstances?$expand=principal&$filter=(isof(principal,'microsoft.graph.user') and roleDefinitionId eq '${role}')`);
  if (assignments === 'active') return scope(`/roleManagement/directory/roleAssignmentScheduleInstances?$expand=principal&$filter=(assignmentType eq 'Assigned' and isof(principal,'microsoft.graph.user') and roleDefinitionId eq '${role}')`);
  return scope(`/roleManagement/directory/roleDefinitions/${role}`);
}

export type ReviewerKind = 'self' | 'users' | 'groupMembers' | 'groupOwners' | 'manager';

/** Graph's reviewer scopes: [] is a self-review; `./manager` is each principal's own manager. */
export function reviewersOf(kind: ReviewerKind, users: string[], groupId: string): ReviewerScope[] {
  switch (kind) {
    case 'self':
      return [];
    case 'users':
      return users.map(userScope);
    case 'groupMembers':
      return [{ query: `/groups/${groupId}/transitiveMembers`, queryType: 'MicrosoftGraph' }];
    case 'groupOwners':
      return [{ query: `/groups/${groupId}/owners`, queryType: 'MicrosoftGraph' }];
    case 'manager':
      return [{ query: './manager', queryType: 'MicrosoftGraph', queryRoot: 'decisions' }];
    default: {
      const never: never = kind;
      return never;
    }
  }
}

export const userScope = (id: string): ReviewerScope => ({ query: `/users/${id}`, queryType: 'MicrosoftGraph' });

/** The cadences Entra's portal offers, as Graph's recurrence patterns (the API's own table); one-time has none. */
export const CADENCES = { once: undefined, ...REPEATING_CADENCES } as const;
export type Cadence = keyof typeof CADENCES;

export interface Recurrence {
  cadence: Cadence;
  /** yyyy-mm-dd */
  startDate: string;
  end: 'noEnd' | 'endDate' | 'numbered';
  endDate: string;
  occurrences: number;
}

/**
 * Graph's patternedRecurrence for the form's choice. A one-time review starting today (or with no
 * date) has none, and starts at once; one starting later is a single numbered occurrence.
 */
export function recurrenceOf(r: Recurrence, today: string): Record<string, unknown> | null {
  const pattern = CADENCES[r.cadence];
  const day = Number(r.startDate.slice(8, 10)) || 1;
  if (!pattern) return r.startDate > today ? { pattern: { type: 'absoluteMonthly', interval: 1, dayOfMonth: day }, range: { type: 'numbered', startDate: r.startDate, numberOfOccurrences: 1 } } : null;
  return {
    pattern: { ...pattern, dayOfMonth: pattern.type === 'weekly' ? 0 : day },
    range: {
      type: r.end,
      startDate: r.startDate,
      ...(r.end === 'endDate' ? { endDate: r.endDate } : {}),
      ...(r.end === 'numbered' ? { numberOfOccurrences: r.occurrences } : {}),
    },
  };
}

/** Describes a definition's scope query in words, naming the role or group where the lists know it. */
export function describeReviewScope(definition: ReviewDefinition, names: Map<string, string>): string {
  const query = definition.scope?.query ?? '';
  const named = (id: string) => names.get(id.toLowerCase()) ?? id;
  let m: RegExpExecArray | null;
  if ((m = /roleDefinitions\/([^/?]+)$/.exec(query))) return `${named(m[1] ?? '')}: eligible and active`;
  if ((m = /roleEligibilityScheduleInstances\?.*roleDefinitionId eq '([^']+)'/.exec(query))) return `${named(m[1] ?? '')}: eligible${query.startsWith('/roleManagement') ? '' : ` at ${query.split('/providers/')[0]}`}`;
  if ((m = /roleAssignmentScheduleInstances\?.*roleDefinitionId eq '([^']+)'/.exec(query))) return `${named(m[1] ?? '')}: active${query.startsWith('/roleManagement') ? '' : ` at ${query.split('/providers/')[0]}`}`;
  if ((m = /^\/groups\/([^/]+)\/(\w+)/.exec(query))) return `${named(m[1] ?? '')}: ${m[2] === 'owners' ? 'owners' : 'members'}`;
  return query;
}

const CSV_COLUMNS = ['principal', 'resource', 'decision', 'reviewedBy', 'reviewedDateTime', 'justification', 'applyResult'] as const;

/** One CSV field: quoted when it holds a comma, quote or line break; a leading =, +, - or @ is defused (spreadsheet formulas). */
function csvField(value: string): string {
  const safe = /^[=+\-@]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** The decisions as CSV (RFC 4180, CRLF): one row per reviewed assignment. */
export function decisionsCsv(items: DecisionItem[]): string {
  const rows = items.map((i) => [nameOf(i.principal), resourceOf(i), decisionWords(i.decision), nameOf(i.reviewedBy), i.reviewedDateTime ?? '', i.justification ?? '', i.applyResult ?? '']);
  return [CSV_COLUMNS.join(','), ...rows.map((r) => r.map(csvField).join(','))].join('\r\n') + '\r\n';
}
