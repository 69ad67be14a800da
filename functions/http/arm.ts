/**
 * The ARM surface: Azure resource roles through Azure Resource Manager's PIM API
 * (`/{scope}/providers/Microsoft.Authorization/...`). A route's catch-all must come last, so each
 * root an ARM scope starts with gets one catch-all route, and the dispatcher finds the resource.
 * Reads and writes are registered apart (same template, disjoint methods): only writes start or
 * wake activation workflows, so only they take the durable client.
 */
import type { HttpRequest } from '@azure/functions';
import { httpRoute } from '../httpRoute';
import * as df from 'durable-functions';
import { approvalResources } from '../../shared/http/arm/approvalResources';
import { armDispatcher } from '../../shared/http/arm/dispatch';
import { armHandler } from '../../shared/http/arm/handler';
import { ARM_ROUTE_ROOTS, armPathOf, type ArmRouteRoot } from '../../shared/http/arm/router';
import { scheduleResources } from '../../shared/http/arm/scheduleResources';
import { ARM_POLICY_RESOURCE_TYPES, handleArmPolicies } from '../../shared/http/arm/policies';
import type { ArmResource } from '../../shared/http/arm/dispatch';
import { armTokens, deps, workflowFor } from '../composition';

const env = {
  deps: () => deps(),
  depsWithWorkflow: (ctx: Parameters<typeof workflowFor>[0]) => ({ ...deps(), workflow: workflowFor(ctx) }),
};

/** Role settings: roleManagementPolicies and roleManagementPolicyAssignments, handled by the policy surface. */
const policyResources: Record<string, ArmResource> = Object.fromEntries(
  ARM_POLICY_RESOURCE_TYPES.map((type) => [
    type,
    {
      apiVersions: ['2020-10-01'],
      handle: (call) => handleArmPolicies(deps(), { caller: call.caller, body: call.body, url: call.url, requestId: call.requestId }, call.scope, type, call.segments[0], call.method),
    } satisfies ArmResource,
  ]),
);

const dispatch = armDispatcher({ ...scheduleResources(env), ...approvalResources(env), ...policyResources });

function register(root: ArmRouteRoot): void {
  const route = `${root.route}/{*rest}`;
  const path = (req: HttpRequest) => armPathOf(root, req.params.rest);
  httpRoute(`arm${root.name}Read`, { route, methods: ['GET'], authLevel: 'anonymous', handler: armHandler(armTokens, path, dispatch) });
  httpRoute(`arm${root.name}Write`, {
    route,
    methods: ['PUT', 'POST', 'PATCH', 'DELETE'],
    authLevel: 'anonymous',
    extraInputs: [df.input.durableClient()],
    handler: armHandler(armTokens, path, dispatch),
  });
}

for (const root of ARM_ROUTE_ROOTS) register(root);
