import { canonicalAzureScope, roleDefinitionGuid } from './azureScope';
import { badRequest } from './errors';
import type { ScheduleKind } from './schedules';
import type { Target } from './target';
import type { ReviewRecurrence } from './reviewRecurrence';

/**
 * Access reviews (Graph `identityGovernance/accessReviews`): a definition says what is reviewed
 * (its scope: the eligible and/or active assignments of one target), by whom and how often; each
 * occurrence is an instance with one decision item per reviewed assignment.
 */

/** Graph's accessReviewQueryScope (and accessReviewReviewerScope), as clients send it. */
export interface QueryScope {
  '@odata.type'?: string;
  query: string;
  queryType?: string;
  queryRoot?: string | null;
}

/** What a definition's scope query names: one target, and which kinds of its assignments are reviewed. */
export interface ReviewScope {
  target: Target;
  /** The assignments reviewed: eligible ones, active (assigned, not activated) ones, or both. */
  kinds: ScheduleKind[];
  /** Only users' assignments (Graph's `isof(principal,'microsoft.graph.user')`), not groups' or applications'. */
  usersOnly?: boolean;
}

/** Who reviews: the principals themselves, fixed people, a group's members or owners, or each principal's manager. */
export type ReviewerRule =
  | { type: 'self' }
  | { type: 'user'; userId: string }
  | { type: 'groupMembers'; groupId: string }
  | { type: 'groupOwners'; groupId: string }
  /** The owners of the reviewed group (`./owners`, queryRoot on the scope). */
  | { type: 'scopeOwners' }
  | { type: 'manager' };

export type DefaultDecision = 'Approve' | 'Deny' | 'Recommendation';
export type ReviewStatus = 'NotStarted' | 'InProgress' | 'Completed';
export type Decision = 'Approve' | 'Deny' | 'DontKnow' | 'NotReviewed';
export type Recommendation = 'Approve' | 'Deny' | 'NoInfoAvailable';
export type ApplyResult = 'New' | 'AppliedSuccessfully' | 'AppliedWithUnknownFailure' | 'AppliedSuccessfullyButObjectNotFound' | 'ApplyNotSupported';

export interface ReviewSettings {
  mailNotificationsEnabled: boolean;
  reminderNotificationsEnabled: boolean;
  justificationRequiredOnApproval: boolean;
  defaultDecisionEnabled: boolean;
  defaultDecision: DefaultDecision | 'None';
  instanceDurationInDays: number;
  autoApplyDecisionsEnabled: boolean;
  recommendationsEnabled: boolean;
  /** ISO 8601 duration: activations older than this count as no use (default P30D). */
  recommendationLookBackDuration: string;
  /** Null for a one-time review (one instance, starting at once). */
  recurrence: ReviewRecurrence | null;
}

export interface Identity {
  id: string;
  displayName: string | null;
  userPrincipalName?: string | null;
}

export interface ReviewDefinition {
  id: string;
  displayName: string;
  descriptionForAdmins: string;
  descriptionForReviewers: string;
  createdBy: Identity;
  createdDateTime: string;
  lastModifiedDateTime: string;
  status: ReviewStatus;
  scope: QueryScope;
  reviewers: QueryScope[];
  fallbackReviewers: QueryScope[];
  settings: ReviewSettings;
  /** How many instances were started: the next one to start is this index. */
  startedInstances: number;
}

export interface ReviewInstance {
  id: string;
  definitionId: string;
  /** The occurrence of the recurrence this instance is (0 is the first). */
  index: number;
  startDateTime: string;
  endDateTime: string;
  status: ReviewStatus;
  /** Everyone who reviews some item of this instance (for reminders and the reviewer index). */
  reviewerIds: string[];
}

export interface DecisionItem {
  id: string;
  /** The instance's id (Graph's name for it). */
  accessReviewId: string;
  decision: Decision;
  recommendation: Recommendation;
  /** Extension: why the recommendation is what it is, e.g. "Not activated in the last 30 days". */
  recommendationReason: string | null;
  /** Extension: the principal's last activation of the target, when known. */
  lastActivationDateTime: string | null;
  justification: string;
  reviewedBy: Identity;
  reviewedDateTime: string | null;
  appliedBy: Identity;
  appliedDateTime: string | null;
  applyResult: ApplyResult;
  principal: Identity & { kind: 'user' | 'group' | 'servicePrincipal' };
  /** What is reviewed: the principal's eligible or active assignment of the target. */
  kind: ScheduleKind;
  target: Target;
  targetDisplayName: string | null;
  scheduleId: string;
  /** Who may decide this item. */
  reviewerIds: string[];
}

/** The all-zero id Graph shows for "nobody" (an item not yet reviewed or applied). */
export const NOBODY: Identity = { id: '00000000-0000-0000-0000-000000000000', displayName: null, userPrincipalName: null };
/** Who decides what reviewers left undecided, and applies decisions on the timer (Graph's name). */
export const REVIEW_SYSTEM: Identity = { id: '00000000-0000-0000-0000-000000000000', displayName: 'AAD Access Reviews', userPrincipalName: null };

const GUID = '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}';
const ROLE_ALL = new RegExp(`^/roleManagement/directory/roleDefinitions/(${GUID})$`);
const ROLE_ELIGIBLE = new RegExp(`^/roleManagement/directory/roleEligibilityScheduleInstances\\?\\$expand=principal&\\$filter=\\(isof\\(principal,'microsoft\\.graph\\.user'\\) and roleDefinitionId eq '(${GUID})'\\)$`);
const ROLE_ACTIVE = new RegExp(`^/roleManagement/directory/roleAssignmentScheduleInstances\\?\\$expand=principal&\\$filter=\\(assignmentType eq 'Assigned' and isof\\(principal,'microsoft\\.graph\\.user'\\) and roleDefinitionId eq '(${GUID})'\\)$`);
const GROUP = new RegExp(`^/groups/(${GUID})/(transitiveMembers|members|owners)(?:/microsoft\\.graph\\.user)?$`);
const AZURE = /^(\/.+)\/providers\/Microsoft\.Authorization\/(roleEligibilityScheduleInstances|roleAssignmentScheduleInstances)\?\$filter=roleDefinitionId eq '([^']+)'$/i;

/** The scope query strings this service reviews, for error messages and the README. */
export const SCOPE_FORMS = [
  '/roleManagement/directory/roleDefinitions/{roleId} (eligible and active assignments of a directory role)',
  "/roleManagement/directory/roleEligibilityScheduleInstances?$expand=principal&$filter=(isof(principal,'microsoft.graph.user') and roleDefinitionId eq '{roleId}')",
  "/roleManagement/directory/roleAssignmentScheduleInstances?$expand=principal&$filter=(assignmentType eq 'Assigned' and isof(principal,'microsoft.graph.user') and roleDefinitionId eq '{roleId}')",
  '/groups/{groupId}/transitiveMembers (or /members): eligible and active members of a PIM group; /groups/{groupId}/owners: its owners',
  "{armScope}/providers/Microsoft.Authorization/roleEligibilityScheduleInstances?$filter=roleDefinitionId eq '{roleGuid}' (or roleAssignmentScheduleInstances), queryType AzureResourceManager",
];

/** A capture group the pattern always has (its groups are not optional). */
const group = (m: RegExpExecArray, i: number): string => m[i] ?? '';

/** Reads a definition's scope query; a query this service cannot review is a 400 naming the forms it can. */
export function parseReviewScope(scope: QueryScope | undefined): ReviewScope {
  const query = decodeURI(scope?.query?.trim() ?? '').replace(/\s+/g, ' ');
  let m: RegExpExecArray | null;
  if ((m = ROLE_ALL.exec(query))) return { target: { kind: 'directoryRole', roleDefinitionId: group(m, 1).toLowerCase(), directoryScopeId: '/' }, kinds: ['eligibility', 'assignment'] };
  if ((m = ROLE_ELIGIBLE.exec(query))) return { target: { kind: 'directoryRole', roleDefinitionId: group(m, 1).toLowerCase(), directoryScopeId: '/' }, kinds: ['eligibility'], usersOnly: true };
  if ((m = ROLE_ACTIVE.exec(query))) return { target: { kind: 'directoryRole', roleDefinitionId: group(m, 1).toLowerCase(), directoryScopeId: '/' }, kinds: ['assignment'], usersOnly: true };
  if ((m = GROUP.exec(query))) return { target: { kind: 'group', groupId: group(m, 1).toLowerCase(), accessId: m[2] === 'owners' ? 'owner' : 'member' }, kinds: ['eligibility', 'assignment'] };
  if ((m = AZURE.exec(query))) {
    const scopePath = canonicalAzureScope(group(m, 1));
    return {
      target: { kind: 'azureRole', scope: scopePath, roleDefinitionId: roleDefinitionGuid(group(m, 3)).toLowerCase() },
      kinds: group(m, 2).toLowerCase() === 'roleeligibilityscheduleinstances' ? ['eligibility'] : ['assignment'],
    };
  }
  throw badRequest(`scope.query '${scope?.query ?? ''}' is not a scope this service reviews. Use one of: ${SCOPE_FORMS.join('; ')}.`, 'InvalidScope');
}

/** Reads one reviewer scope; self-review is the empty reviewers list, not an entry. */
export function parseReviewer(reviewer: QueryScope, at: string): ReviewerRule {
  const query = reviewer.query?.trim() ?? '';
  let m: RegExpExecArray | null;
  if ((m = new RegExp(`^/users/(${GUID})$`).exec(query))) return { type: 'user', userId: group(m, 1).toLowerCase() };
  if ((m = new RegExp(`^/groups/(${GUID})/(transitiveMembers|members)(?:/microsoft\\.graph\\.user)?$`).exec(query))) return { type: 'groupMembers', groupId: group(m, 1).toLowerCase() };
  if ((m = new RegExp(`^/groups/(${GUID})/owners$`).exec(query))) return { type: 'groupOwners', groupId: group(m, 1).toLowerCase() };
  if (query === './owners') return { type: 'scopeOwners' };
  if (query === './manager') {
    if ((reviewer.queryRoot ?? '').toLowerCase() !== 'decisions') throw badRequest(`${at}: './manager' needs queryRoot 'decisions' (each principal's own manager).`, 'InvalidReviewers');
    return { type: 'manager' };
  }
  throw badRequest(`${at}.query '${query}' is not a reviewer this service resolves. Use /users/{id}, /groups/{id}/transitiveMembers, /groups/{id}/owners, ./owners, or ./manager with queryRoot 'decisions'; an empty reviewers list is a self-review.`, 'InvalidReviewers');
}

/** Whether a decision may be changed: only while its instance runs. */
export function isOpen(instance: ReviewInstance): boolean {
  return instance.status === 'InProgress';
}

/**
 * What the default decision makes of an item nobody reviewed: Approve or Deny, the item's own
 * recommendation, or nothing (it stays NotReviewed and is not applied).
 */
export function defaultDecisionFor(settings: ReviewSettings, item: DecisionItem): 'Approve' | 'Deny' | undefined {
  if (!settings.defaultDecisionEnabled || item.decision !== 'NotReviewed') return undefined;
  if (settings.defaultDecision === 'Approve' || settings.defaultDecision === 'Deny') return settings.defaultDecision;
  if (settings.defaultDecision === 'Recommendation' && item.recommendation !== 'NoInfoAvailable') return item.recommendation;
  return undefined;
}

/**
 * The recommendation for an item from the principal's use of the target: an eligibility not
 * activated within the look-back window is recommended for Deny; one activated within it for
 * Approve. Active assignments have no use to measure.
 */
export function recommend(kind: ScheduleKind, lastActivation: string | null, now: Date, lookBackMs: number, lookBackText: string): { recommendation: Recommendation; reason: string } {
  if (kind === 'assignment') return { recommendation: 'NoInfoAvailable', reason: 'Active assignments are not activated, so there is no use to go by' };
  const days = Math.round(lookBackMs / 86_400_000);
  const window = days >= 1 ? `${days} days` : lookBackText;
  if (lastActivation && now.getTime() - Date.parse(lastActivation) <= lookBackMs) return { recommendation: 'Approve', reason: `Activated in the last ${window}` };
  return { recommendation: 'Deny', reason: `Not activated in the last ${window}` };
}
