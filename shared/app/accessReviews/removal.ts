import { z } from 'zod';
import type { ApplyResult, DecisionItem, ReviewDefinition } from '../../domain/accessReviews';
import type { Caller } from '../../domain/caller';
import { DomainError } from '../../domain/errors';
import type { Target } from '../../domain/target';
import type { TargetBody } from '../requestBody';
import { submitScheduleRequest } from '../scheduleRequests';
import type { ReviewDeps } from './deps';

/**
 * The request body a review's removal is made of: the target as the domain holds it, whatever
 * its kind, so one body serves directory roles, groups and Azure roles alike. Only adminRemove.
 */
const REVIEW_REMOVAL_BODY: TargetBody<{ target: Target }> = {
  fields: z.object({ target: z.custom<Target>((v) => typeof v === 'object' && v !== null && 'kind' in v) }).loose(),
  actions: ['adminRemove'],
  toTarget: (fields) => fields.target,
};

/**
 * Removes what a Deny decision denies, through the same use case as an administrator's
 * adminRemove (so the same checks, audit record, event and mail to the person), with the
 * review named as the justification. Already gone is reported as such, not as a failure.
 */
export async function removeForReview(deps: ReviewDeps, caller: Caller, definition: ReviewDefinition, item: DecisionItem, correlationId: string): Promise<ApplyResult> {
  const reason = item.justification ? `: ${item.justification}` : '';
  const justification = `Denied in access review "${definition.displayName}" (${definition.id})${reason}`.slice(0, 500);
  try {
    await submitScheduleRequest(deps, item.kind, caller, { action: 'adminRemove', principalId: item.principal.id, target: item.target, justification }, correlationId, REVIEW_REMOVAL_BODY);
    return 'AppliedSuccessfully';
  } catch (error) {
    if (error instanceof DomainError && error.code === 'RoleAssignmentDoesNotExist') return 'AppliedSuccessfullyButObjectNotFound';
    if (error instanceof DomainError && error.status < 500) return 'AppliedWithUnknownFailure';
    throw error;
  }
}
