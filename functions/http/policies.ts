import { httpRoute } from '../httpRoute';
import { getPolicy, getPolicyRule, listPoliciesOf, updatePolicyRule, updatePolicyExtensions } from '../../shared/app/policies';
import { config } from '../../shared/config';
import { notFound } from '../../shared/domain/errors';
import { policyAssignmentIdOf } from '../../shared/domain/policy/defaults';
import type { RolePolicy } from '../../shared/domain/policy/types';
import { graphHandler } from '../../shared/http/graphHandler';
import { policyPatchBody, rulePatchBody } from '../../shared/http/handParsedBodies';
import { pageOf } from '../../shared/http/odata/collection';
import { type ExpandItem, parseQuery } from '../../shared/http/odata/query';
import { directoryMeansDirectoryRole, policyListingOf } from '../../shared/http/policyQuery';
import { collectionResponse, entityResponse } from '../../shared/http/responses';
import { deps, tokens } from '../composition';

const V = '{version:regex(^(v1\\.0|beta)$)}';
const POLICIES = 'policies/roleManagementPolicies';
const ASSIGNMENTS = 'policies/roleManagementPolicyAssignments';

/** A policy as Graph returns it, with its rules when $expand asks for them. */
function policyJson(policy: RolePolicy, expand: ExpandItem[]): Record<string, unknown> {
  const json: Record<string, unknown> = {
    id: policy.id,
    // Entra names its policies after their scope type: "DirectoryRole" or "Group".
    displayName: policy.scopeType,
    description: policy.scopeType,
    isOrganizationDefault: false,
    scopeId: policy.scopeId,
    scopeType: policy.scopeType,
    lastModifiedDateTime: policy.lastModifiedDateTime,
    lastModifiedBy: policy.lastModifiedBy,
    // Extension (not in Graph): webhook targets; they name signing keys, never hold them.
    pimWebhooks: policy.pimWebhooks ?? [],
  };
  for (const e of expand) {
    if (e.property.toLowerCase() === 'rules' || e.property.toLowerCase() === 'effectiverules') json[e.property] = policy.rules;
  }
  return json;
}

function assignmentJson(policy: RolePolicy, expand: ExpandItem[]): Record<string, unknown> {
  const json: Record<string, unknown> = {
    id: policyAssignmentIdOf(policy),
    policyId: policy.id,
    scopeId: policy.scopeId,
    scopeType: policy.scopeType,
    roleDefinitionId: policy.roleDefinitionId,
  };
  const policyExpand = expand.find((e) => e.property.toLowerCase() === 'policy');
  if (policyExpand) json.policy = policyJson(policy, policyExpand.expand);
  return json;
}

httpRoute('listRoleManagementPolicies', {
  route: `${V}/${POLICIES}`,
  methods: ['GET'],
  authLevel: 'anonymous',
  handler: graphHandler(tokens, async ({ url }) => {
    const query = parseQuery(url.searchParams, { filterable: ['id', 'scopeId', 'scopeType'], expandable: ['rules', 'effectiveRules'] });
    query.filter = directoryMeansDirectoryRole(query.filter);
    const items = (await listPoliciesOf(deps(), policyListingOf(query.filter))).map((p) => policyJson(p, query.expand));
    return collectionResponse(url, POLICIES, pageOf(items, query, (p) => String(p.id)), query);
  }),
});

httpRoute('getRoleManagementPolicy', {
  route: `${V}/${POLICIES}/{policyId}`,
  methods: ['GET'],
  authLevel: 'anonymous',
  handler: graphHandler(tokens, async ({ url, req }) => {
    const query = parseQuery(url.searchParams, { filterable: [], expandable: ['rules', 'effectiveRules'] });
    return entityResponse(url, POLICIES, policyJson(await getPolicy(deps(), req.params.policyId ?? ''), query.expand));
  }),
});

httpRoute('listRoleManagementPolicyRules', {
  route: `${V}/${POLICIES}/{policyId}/rules`,
  methods: ['GET'],
  authLevel: 'anonymous',
  handler: graphHandler(tokens, async ({ url, req }) => {
    const query = parseQuery(url.searchParams, { filterable: ['id'] });
    const policy = await getPolicy(deps(), req.params.policyId ?? '');
    return collectionResponse(url, `${POLICIES}('${policy.id}')/rules`, pageOf(policy.rules, query, (r) => r.id), query);
  }),
});

httpRoute('getRoleManagementPolicyRule', {
  route: `${V}/${POLICIES}/{policyId}/rules/{ruleId}`,
  methods: ['GET'],
  authLevel: 'anonymous',
  handler: graphHandler(tokens, async ({ url, req }) => {
    const rule = await getPolicyRule(deps(), req.params.policyId ?? '', req.params.ruleId ?? '');
    return entityResponse(url, `${POLICIES}('${req.params.policyId}')/rules`, rule);
  }),
});

httpRoute('updateRoleManagementPolicyRule', {
  route: `${V}/${POLICIES}/{policyId}/rules/{ruleId}`,
  methods: ['PATCH'],
  authLevel: 'anonymous',
  doc: { body: rulePatchBody, bodyName: 'RoleManagementPolicyRulePatchBody' },
  handler: graphHandler(tokens, async ({ req, caller, body, requestId }) => {
    await updatePolicyRule(deps(), caller, req.params.policyId ?? '', req.params.ruleId ?? '', body, requestId);
    return { status: 204 };
  }),
});

// PATCH of the policy itself changes only the pimWebhooks extension; rules change through /rules/{id}.
httpRoute('updateRoleManagementPolicy', {
  route: `${V}/${POLICIES}/{policyId}`,
  methods: ['PATCH'],
  authLevel: 'anonymous',
  doc: { body: policyPatchBody, bodyName: 'RoleManagementPolicyPatchBody' },
  handler: graphHandler(tokens, async ({ req, caller, body, requestId }) => {
    const keyNames = (config().PIM_WEBHOOK_KEYS ?? []).map((k) => k.kid);
    await updatePolicyExtensions(deps(), caller, req.params.policyId ?? '', body, keyNames, requestId);
    return { status: 204 };
  }),
});

httpRoute('listRoleManagementPolicyAssignments', {
  route: `${V}/${ASSIGNMENTS}`,
  methods: ['GET'],
  authLevel: 'anonymous',
  handler: graphHandler(tokens, async ({ url }) => {
    const query = parseQuery(url.searchParams, {
      filterable: ['id', 'policyId', 'scopeId', 'scopeType', 'roleDefinitionId'],
      expandable: ['policy'],
    });
    query.filter = directoryMeansDirectoryRole(query.filter);
    const items = (await listPoliciesOf(deps(), policyListingOf(query.filter))).map((p) => assignmentJson(p, query.expand));
    return collectionResponse(url, ASSIGNMENTS, pageOf(items, query, (a) => String(a.id)), query);
  }),
});

httpRoute('getRoleManagementPolicyAssignment', {
  route: `${V}/${ASSIGNMENTS}/{assignmentId}`,
  methods: ['GET'],
  authLevel: 'anonymous',
  handler: graphHandler(tokens, async ({ url, req }) => {
    const query = parseQuery(url.searchParams, { filterable: [], expandable: ['policy'] });
    const id = req.params.assignmentId ?? '';
    const policyId = id.slice(0, id.lastIndexOf('_'));
    const policy = await getPolicy(deps(), policyId);
    if (policyAssignmentIdOf(policy) !== id) throw notFound('role management policy assignment', id);
    return entityResponse(url, ASSIGNMENTS, assignmentJson(policy, query.expand));
  }),
});
