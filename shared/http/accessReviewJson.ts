import type { DecisionItem, ReviewDefinition, ReviewInstance } from '../domain/accessReviews';
import { resourceIdOf } from '../app/accessReviews/decisions';
import { RESOURCE_TYPES } from '../app/accessReviews/instances';

/** Graph's accessReviewScheduleDefinition. */
export function definitionJson(d: ReviewDefinition): Record<string, unknown> {
  const { recurrence, ...settings } = d.settings;
  return {
    id: d.id,
    displayName: d.displayName,
    descriptionForAdmins: d.descriptionForAdmins,
    descriptionForReviewers: d.descriptionForReviewers,
    createdBy: d.createdBy,
    createdDateTime: d.createdDateTime,
    lastModifiedDateTime: d.lastModifiedDateTime,
    status: d.status,
    scope: d.scope,
    instanceEnumerationScope: null,
    reviewers: d.reviewers,
    fallbackReviewers: d.fallbackReviewers,
    backupReviewers: d.fallbackReviewers,
    settings: {
      ...settings,
      decisionHistoriesForReviewersEnabled: false,
      applyActions: d.settings.autoApplyDecisionsEnabled ? [{ '@odata.type': '#microsoft.graph.removeAccessApplyAction' }] : [],
      recurrence: recurrence
        ? {
            pattern: { type: recurrence.pattern.type, interval: recurrence.pattern.interval, month: 0, dayOfMonth: recurrence.pattern.dayOfMonth, daysOfWeek: [], firstDayOfWeek: 'sunday', index: 'first' },
            range: { type: recurrence.range.type, numberOfOccurrences: recurrence.range.numberOfOccurrences, recurrenceTimeZone: null, startDate: recurrence.range.startDate.slice(0, 10), endDate: recurrence.range.endDate?.slice(0, 10) ?? '0001-01-01' },
          }
        : null,
    },
    stageSettings: [],
    additionalNotificationRecipients: [],
  };
}

/** Graph's accessReviewInstance. */
export function instanceJson(i: ReviewInstance, d?: ReviewDefinition): Record<string, unknown> {
  return {
    id: i.id,
    startDateTime: i.startDateTime,
    endDateTime: i.endDateTime,
    status: i.status,
    ...(d ? { scope: d.scope, reviewers: d.reviewers, fallbackReviewers: d.fallbackReviewers } : {}),
  };
}

/** Graph's accessReviewInstanceDecisionItem, plus recommendationReason and lastActivationDateTime (extensions the portal shows). */
export function decisionJson(item: DecisionItem, baseUrl: string): Record<string, unknown> {
  const principalType = item.principal.kind === 'servicePrincipal' ? 'servicePrincipal' : item.principal.kind === 'group' ? 'group' : 'user';
  const root = baseUrl.replace(/\/$/, '');
  return {
    id: item.id,
    accessReviewId: item.accessReviewId,
    decision: item.decision,
    recommendation: item.recommendation,
    recommendationReason: item.recommendationReason,
    lastActivationDateTime: item.lastActivationDateTime,
    justification: item.justification,
    reviewedDateTime: item.reviewedDateTime,
    appliedDateTime: item.appliedDateTime,
    applyResult: item.applyResult,
    principalLink: `${root}/v1.0/${principalType === 'group' ? 'groups' : principalType === 'servicePrincipal' ? 'servicePrincipals' : 'users'}/${item.principal.id}`,
    resourceLink: null,
    reviewedBy: { ...item.reviewedBy, userPrincipalName: item.reviewedBy.userPrincipalName ?? null },
    appliedBy: { ...item.appliedBy, userPrincipalName: item.appliedBy.userPrincipalName ?? null },
    target: {
      '@odata.type': '#microsoft.graph.accessReviewInstanceDecisionItemUserTarget',
      userId: item.principal.id,
      userDisplayName: item.principal.displayName,
      userPrincipalName: item.principal.userPrincipalName ?? null,
    },
    principal: {
      '@odata.type': principalType === 'servicePrincipal' ? '#microsoft.graph.servicePrincipalIdentity' : principalType === 'group' ? '#microsoft.graph.groupIdentity' : '#microsoft.graph.userIdentity',
      id: item.principal.id,
      displayName: item.principal.displayName,
      userPrincipalName: item.principal.userPrincipalName ?? null,
    },
    resource: {
      '@odata.type': '#microsoft.graph.accessReviewInstanceDecisionItemResource',
      id: resourceIdOf(item),
      displayName: item.targetDisplayName,
      type: item.target.kind,
      // Extension: which assignment of the resource is reviewed.
      assignmentState: RESOURCE_TYPES[item.kind],
    },
  };
}
