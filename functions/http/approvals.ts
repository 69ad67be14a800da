import { app } from '@azure/functions';
import * as df from 'durable-functions';
import { decideStep, getApproval } from '../../shared/app/approvals';
import type { Approval, ApprovalStep } from '../../shared/domain/approval';
import { notFound } from '../../shared/domain/errors';
import { graphHandler } from '../../shared/http/graphHandler';
import { pageOf } from '../../shared/http/odata/collection';
import { parseQuery } from '../../shared/http/odata/query';
import { collectionResponse, entityResponse } from '../../shared/http/responses';
import { deps, tokens, workflowFor } from '../composition';

const V = '{version:regex(^(v1\\.0|beta)$)}';
const APPROVALS = 'roleManagement/directory/roleAssignmentApprovals';

/** Graph's approvalStep. */
function stepJson(step: ApprovalStep, assignedToMe: Set<string>): Record<string, unknown> {
  return {
    id: step.id,
    displayName: `Stage ${step.stage + 1}`,
    status: step.status,
    reviewResult: step.reviewResult,
    reviewedBy: step.reviewedBy,
    reviewedDateTime: step.reviewedDateTime,
    justification: step.justification,
    assignedToMe: assignedToMe.has(step.id) && step.status === 'InProgress',
    // Extensions (not in Graph): the quorum and every approver's decision so far.
    approvalsRequired: step.approvalsRequired ?? 1,
    decisions: step.decisions ?? [],
    escalatedDateTime: step.escalatedDateTime ?? null,
  };
}

function approvalJson(approval: Approval, assignedToMe: Set<string>): Record<string, unknown> {
  return { id: approval.id, steps: approval.steps.map((s) => stepJson(s, assignedToMe)) };
}

app.http('getRoleAssignmentApproval', {
  route: `${V}/${APPROVALS}/{id}`,
  methods: ['GET'],
  authLevel: 'anonymous',
  handler: graphHandler(tokens, async ({ url, req, caller }) => {
    parseQuery(url.searchParams, { filterable: [], expandable: ['steps'] });
    const { approval, assignedToMe } = await getApproval(deps(), caller, req.params.id ?? '');
    // Graph returns the steps with the approval; $expand=steps is accepted too.
    return entityResponse(url, APPROVALS, approvalJson(approval, assignedToMe));
  }),
});

app.http('listRoleAssignmentApprovalSteps', {
  route: `${V}/${APPROVALS}/{id}/steps`,
  methods: ['GET'],
  authLevel: 'anonymous',
  handler: graphHandler(tokens, async ({ url, req, caller }) => {
    const query = parseQuery(url.searchParams, { filterable: ['id', 'status', 'reviewResult', 'assignedToMe'] });
    const { approval, assignedToMe } = await getApproval(deps(), caller, req.params.id ?? '');
    const steps = approval.steps.map((s) => stepJson(s, assignedToMe));
    return collectionResponse(url, `${APPROVALS}('${approval.id}')/steps`, pageOf(steps, query, (s) => String(s.id)), query);
  }),
});

app.http('getRoleAssignmentApprovalStep', {
  route: `${V}/${APPROVALS}/{id}/steps/{stepId}`,
  methods: ['GET'],
  authLevel: 'anonymous',
  handler: graphHandler(tokens, async ({ url, req, caller }) => {
    const { approval, assignedToMe } = await getApproval(deps(), caller, req.params.id ?? '');
    const step = approval.steps.find((s) => s.id === req.params.stepId);
    if (!step) throw notFound('approval step', req.params.stepId ?? '');
    return entityResponse(url, `${APPROVALS}('${approval.id}')/steps`, stepJson(step, assignedToMe));
  }),
});

app.http('decideRoleAssignmentApprovalStep', {
  route: `${V}/${APPROVALS}/{id}/steps/{stepId}`,
  methods: ['PATCH'],
  authLevel: 'anonymous',
  extraInputs: [df.input.durableClient()],
  handler: graphHandler(tokens, async ({ req, caller, body, requestId, ctx }) => {
    const withWorkflow = { ...deps(), workflow: workflowFor(ctx) };
    await decideStep(withWorkflow, caller, req.params.id ?? '', req.params.stepId ?? '', body, requestId);
    return { status: 204 };
  }),
});
