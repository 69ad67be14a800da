import { httpRoute } from '../httpRoute';
import * as df from 'durable-functions';
import { approversShown, decideStep, getApproval, requestsAwaitingMe } from '../../shared/app/approvals';
import type { Approval, ApprovalStep } from '../../shared/domain/approval';
import type { Caller } from '../../shared/domain/caller';
import { badRequest, notFound } from '../../shared/domain/errors';
import type { TargetKind } from '../../shared/domain/target';
import { graphHandler } from '../../shared/http/graphHandler';
import { approvalDecisionBody } from '../../shared/http/handParsedBodies';
import { pageOf } from '../../shared/http/odata/collection';
import { parseQuery } from '../../shared/http/odata/query';
import { collectionResponse, entityResponse } from '../../shared/http/responses';
import { deps, tokens, workflowFor } from '../composition';

const V = '{version:regex(^(v1\\.0|beta)$)}';

/** Graph's approvalStep. */
async function stepJson(step: ApprovalStep, assignedToMe: Set<string>): Promise<Record<string, unknown>> {
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
    // Who may decide it now, by name: what a requester waiting for approval wants to know.
    approvers: await approversShown(deps().directory, step),
  };
}

/** Graph's approval: v1.0 of PIM for Groups calls the steps `stages`; directory roles call them `steps`. */
async function approvalJson(approval: Approval, assignedToMe: Set<string>, stepsName: string): Promise<Record<string, unknown>> {
  return { id: approval.id, [stepsName]: await Promise.all(approval.steps.map((s) => stepJson(s, assignedToMe))) };
}

/**
 * The approvals of one surface: directory roles' roleAssignmentApprovals, and PIM for Groups'
 * assignmentApprovals (whose v1.0 names the steps `stages` but writes `steps` in the PATCH
 * path, so both are served). An approval of another surface's request is not found here.
 */
function register(name: string, base: string, targetKind: TargetKind, stepsName: 'steps' | 'stages'): void {
  const visible = async (caller: Caller, id: string) => {
    const found = await getApproval(deps(), caller, id);
    if (found.approval.target.kind !== targetKind) throw notFound('approval', id);
    return found;
  };
  const stepsPaths = stepsName === 'stages' ? ['stages', 'steps'] : ['steps'];

  httpRoute(`my${name}Approvals`, {
    route: `${V}/${base}/filterByCurrentUser(on='{on}')`,
    methods: ['GET'],
    authLevel: 'anonymous',
    handler: graphHandler(tokens, async ({ url, req, caller }) => {
      if (req.params.on?.toLowerCase() !== 'approver') throw badRequest(`filterByCurrentUser(on='${req.params.on}') is not supported here; use on='approver'.`);
      const query = parseQuery(url.searchParams, { filterable: ['id'] });
      const items = [];
      for (const request of await requestsAwaitingMe(deps(), caller)) {
        if (request.target.kind !== targetKind || !request.approvalId) continue;
        const { approval, assignedToMe } = await getApproval(deps(), caller, request.approvalId);
        items.push(await approvalJson(approval, assignedToMe, stepsName));
      }
      return collectionResponse(url, base, pageOf(items, query, (a) => String(a.id)), query);
    }),
  });

  httpRoute(`get${name}Approval`, {
    route: `${V}/${base}/{id}`,
    methods: ['GET'],
    authLevel: 'anonymous',
    handler: graphHandler(tokens, async ({ url, req, caller }) => {
      parseQuery(url.searchParams, { filterable: [], expandable: stepsPaths });
      const { approval, assignedToMe } = await visible(caller, req.params.id ?? '');
      // Graph returns the steps with the approval; $expand of them is accepted too.
      return entityResponse(url, base, await approvalJson(approval, assignedToMe, stepsName));
    }),
  });

  for (const steps of stepsPaths) {
    const suffix = steps === stepsName ? '' : 'Alias';
    httpRoute(`list${name}ApprovalSteps${suffix}`, {
      route: `${V}/${base}/{id}/${steps}`,
      methods: ['GET'],
      authLevel: 'anonymous',
      handler: graphHandler(tokens, async ({ url, req, caller }) => {
        const query = parseQuery(url.searchParams, { filterable: ['id', 'status', 'reviewResult', 'assignedToMe'] });
        const { approval, assignedToMe } = await visible(caller, req.params.id ?? '');
        const items = await Promise.all(approval.steps.map((s) => stepJson(s, assignedToMe)));
        return collectionResponse(url, `${base}('${approval.id}')/${steps}`, pageOf(items, query, (s) => String(s.id)), query);
      }),
    });

    httpRoute(`get${name}ApprovalStep${suffix}`, {
      route: `${V}/${base}/{id}/${steps}/{stepId}`,
      methods: ['GET'],
      authLevel: 'anonymous',
      handler: graphHandler(tokens, async ({ url, req, caller }) => {
        const { approval, assignedToMe } = await visible(caller, req.params.id ?? '');
        const step = approval.steps.find((s) => s.id === req.params.stepId);
        if (!step) throw notFound('approval step', req.params.stepId ?? '');
        return entityResponse(url, `${base}('${approval.id}')/${steps}`, await stepJson(step, assignedToMe));
      }),
    });

    httpRoute(`decide${name}ApprovalStep${suffix}`, {
      route: `${V}/${base}/{id}/${steps}/{stepId}`,
      methods: ['PATCH'],
      authLevel: 'anonymous',
      doc: { body: approvalDecisionBody, bodyName: 'ApprovalDecisionBody' },
      extraInputs: [df.input.durableClient()],
      handler: graphHandler(tokens, async ({ req, caller, body, requestId, ctx }) => {
        await visible(caller, req.params.id ?? '');
        const withWorkflow = { ...deps(), workflow: workflowFor(ctx) };
        await decideStep(withWorkflow, caller, req.params.id ?? '', req.params.stepId ?? '', body, requestId);
        return { status: 204 };
      }),
    });
  }
}

register('RoleAssignment', 'roleManagement/directory/roleAssignmentApprovals', 'directoryRole', 'steps');
register('GroupAssignment', 'identityGovernance/privilegedAccess/group/assignmentApprovals', 'group', 'stages');
