import type { InvocationContext } from '@azure/functions';
import { type AzureQueryDeps } from '../../app/azureQueries';
import { approversShown, decideStep, getApproval, requestsAwaitingMe } from '../../app/approvals';
import { listRequests } from '../../app/scheduleQueries';
import type { Approval, ApprovalStep } from '../../domain/approval';
import { parseAzureScope, sameAzureScope } from '../../domain/azureScope';
import type { Caller } from '../../domain/caller';
import { notFound } from '../../domain/errors';
import type { DirectoryPrincipal } from '../../ports/principals';
import { type ArmResource, type ArmResourceCall, methodNotAllowed } from './dispatch';
import { APPROVALS_API_VERSION } from './errors';
import { parseArmFilter } from './filter';
import { armApprovalId } from './json';
import { armPage } from './paging';
import { noSuchPath } from './router';

/**
 * ARM's role assignment approvals (2021-01-01-preview), over the same approval engine as the
 * Graph surfaces: `/providers/Microsoft.Authorization/roleAssignmentApprovals/{id}` (also under a
 * scope), its stages (the spec's paths say `steps`, its examples `stages`: both are served), and
 * PATCH (or PUT) of a stage to decide it. Only approvals of Azure role activations are here.
 */

export interface ArmApprovalEnv {
  deps(): AzureQueryDeps;
  depsWithWorkflow(ctx: InvocationContext): AzureQueryDeps;
}

const STAGE_TYPE = 'Microsoft.Authorization/roleAssignmentApprovals/stages';
const REVIEW_RESULTS = { Approved: 'Approve', Denied: 'Deny', NotReviewed: 'NotReviewed' } as const;

type Lookup = (id: string) => Promise<DirectoryPrincipal | undefined>;

async function stageJson(approvalId: string, step: ApprovalStep, assignedToMe: Set<string>, principal: Lookup, directory: AzureQueryDeps['directory']) {
  const reviewer = step.reviewedBy ? await principal(step.reviewedBy.id) : undefined;
  return {
    id: `${armApprovalId(approvalId)}/stages/${step.id}`,
    type: STAGE_TYPE,
    name: step.id,
    properties: {
      displayName: `Stage ${step.stage + 1}`,
      status: step.status,
      assignedToMe: assignedToMe.has(step.id) && step.status === 'InProgress',
      reviewedBy: step.reviewedBy
        ? { principalType: 'user', principalId: step.reviewedBy.id, principalName: step.reviewedBy.displayName ?? reviewer?.displayName ?? null, userPrincipalName: reviewer?.userPrincipalName ?? null }
        : null,
      reviewedDateTime: step.reviewedDateTime,
      reviewResult: REVIEW_RESULTS[step.reviewResult],
      justification: step.justification ?? '',
      // Extension (not in ARM): who may decide the stage now, by name.
      approvers: await approversShown(directory, step),
    },
  };
}

async function approvalJson(approval: Approval, assignedToMe: Set<string>, principal: Lookup, directory: AzureQueryDeps['directory']) {
  const stages = await Promise.all(approval.steps.map((s) => stageJson(approval.id, s, assignedToMe, principal, directory)));
  // The spec's model names the list `steps` (what generated clients read), its examples `stages`.
  return { id: armApprovalId(approval.id), type: 'Microsoft.Authorization/roleAssignmentApprovals', name: approval.id, properties: { stages, steps: stages } };
}

function principals(deps: AzureQueryDeps): Lookup {
  const seen = new Map<string, Promise<DirectoryPrincipal | undefined>>();
  return (id) => {
    let found = seen.get(id);
    if (!found) {
      found = deps.directory.getPrincipal(id).catch(() => undefined);
      seen.set(id, found);
    }
    return found;
  };
}

/** An approval of an Azure role activation the caller may see, at the scope the path names (if it names one); else 404. */
async function visibleApproval(deps: AzureQueryDeps, caller: Caller, id: string, scope: string) {
  const found = await getApproval(deps, caller, id);
  const target = found.approval.target;
  if (target.kind !== 'azureRole' || (scope !== '' && !sameAzureScope(target.scope, parseAzureScope(scope).path))) throw notFound('approval', id);
  return found;
}

/** The ids of the approvals a list covers: waiting for the caller, of the caller's requests, or made by the caller. */
async function listedApprovalIds(deps: AzureQueryDeps, caller: Caller, filter: ReadonlySet<string>): Promise<string[]> {
  const all = filter.size === 0;
  const ids = new Set<string>();
  if (all || filter.has('asApprover')) for (const r of await requestsAwaitingMe(deps, caller)) if (r.approvalId) ids.add(r.approvalId);
  if (all || filter.has('asTarget') || filter.has('asCreatedBy')) {
    const mine = await listRequests(deps, 'assignment', caller, { targetKind: 'azureRole', principalId: caller.oid });
    for (const r of mine) if (r.approvalId && (all || (filter.has('asTarget') && r.principalId === caller.oid) || (filter.has('asCreatedBy') && r.createdBy.user.id === caller.oid))) ids.add(r.approvalId);
  }
  return [...ids];
}

export function approvalResources(env: ArmApprovalEnv): Record<string, ArmResource> {
  return {
    roleAssignmentApprovals: {
      apiVersions: [APPROVALS_API_VERSION],
      async handle(call: ArmResourceCall) {
        const { method, caller, segments } = call;
        // Approval and stage ids are GUIDs, compared case-insensitively; this service keeps them lower-case.
        const [id, child, stepId, ...rest] = segments.map((s, i) => (i === 1 ? s : s.toLowerCase()));
        if (rest.length > 0 || (child !== undefined && !['stages', 'steps'].includes(child.toLowerCase()))) throw noSuchPath(method, call.path);
        // A scope in the path must be one (approvals themselves are tenant-wide).
        if (call.scope !== '') parseAzureScope(call.scope);
        const deps = method === 'GET' ? env.deps() : env.depsWithWorkflow(call.ctx);
        const principal = principals(deps);
        if (id === undefined) {
          if (method !== 'GET') throw methodNotAllowed(method, call.path);
          const filter = parseArmFilter(call.url.searchParams.get('$filter'), { functions: ['asApprover', 'asTarget', 'asCreatedBy'], properties: [] });
          const items = [];
          for (const approvalId of await listedApprovalIds(deps, caller, filter.functions)) {
            const found = await visibleApproval(deps, caller, approvalId, call.scope).catch(() => undefined);
            if (found) items.push(await approvalJson(found.approval, found.assignedToMe, principal, deps.directory));
          }
          return { status: 200, jsonBody: armPage(call.url, items) };
        }
        if (stepId === undefined) {
          if (method !== 'GET') throw methodNotAllowed(method, call.path);
          const { approval, assignedToMe } = await visibleApproval(deps, caller, id, call.scope);
          if (child === undefined) return { status: 200, jsonBody: await approvalJson(approval, assignedToMe, principal, deps.directory) };
          const stages = await Promise.all(approval.steps.map((s) => stageJson(approval.id, s, assignedToMe, principal, deps.directory)));
          return { status: 200, jsonBody: armPage(call.url, stages) };
        }
        if (method === 'PATCH' || method === 'PUT') {
          await visibleApproval(deps, caller, id, call.scope);
          // ARM's clients send {properties: {reviewResult, justification}}; some send it unwrapped.
          const body = call.body as { properties?: unknown } | undefined;
          const decision = body && typeof body === 'object' && body.properties && typeof body.properties === 'object' ? body.properties : body;
          await decideStep(deps, caller, id, stepId, decision, call.requestId);
        } else if (method !== 'GET') {
          throw methodNotAllowed(method, call.path);
        }
        const { approval, assignedToMe } = await visibleApproval(deps, caller, id, call.scope);
        const step = approval.steps.find((s) => s.id === stepId);
        if (!step) throw notFound('approval step', stepId);
        return { status: 200, jsonBody: await stageJson(approval.id, step, assignedToMe, principal, deps.directory) };
      },
    },
  };
}
