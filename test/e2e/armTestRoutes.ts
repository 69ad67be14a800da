import { app } from '@azure/functions';
import { deps, tokens } from '../../functions/composition';
import { splitAuthorizationPath } from '../../shared/http/arm/armPath';
import { handleArmPolicies, isArmPolicyResourceType } from '../../shared/http/arm/policies';
import { graphHandler } from '../../shared/http/graphHandler';

/**
 * Test-only: serves ARM's policy paths under `/test-arm/{scope}/providers/Microsoft.Authorization/…`
 * through `handleArmPolicies`, the way the ARM router dispatches them, without claiming the
 * router's own catch-all routes (subscriptions/…, providers/…). Tokens are the app's usual ones.
 */
export const ARM_TEST_BASE = '/test-arm';

let registered = false;

export function registerArmPolicyTestRoutes(): void {
  if (registered) return;
  registered = true;
  app.http('testArmPolicies', {
    route: 'test-arm/{*path}',
    methods: ['GET', 'PATCH', 'PUT', 'DELETE'],
    authLevel: 'anonymous',
    handler: graphHandler(tokens, async ({ req, caller, body, url, requestId }) => {
      const parts = splitAuthorizationPath(req.params.path ?? '');
      if (!parts || !isArmPolicyResourceType(parts.resourceType) || parts.action) return { status: 404 };
      return handleArmPolicies(deps(), { caller, body, url, requestId }, parts.scope, parts.resourceType, parts.name, req.method);
    }),
  });
}
