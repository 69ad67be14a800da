import SwaggerParser from '@apidevtools/swagger-parser';
import Ajv2020 from 'ajv/dist/2020';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { triggerOf, registeredFunctions } from '../../devhost/core/registry';
import { templatePath } from '../../shared/http/openapi/paths';
import { registeredRoutes } from '../../shared/http/openapi/registry';
import { type AppHost, startAppHost } from './appHost';
import { patchFullExample, patchPartialExample } from '../fixtures/armPolicyExamples';
import { ROLES, USERS } from './demo';

type Operation = { operationId: string; 'x-azure-function': string; requestBody?: { content: Record<string, { schema: { $ref: string } }> } };
type OpenApi = { openapi: string; paths: Record<string, Record<string, unknown>>; components: { schemas: Record<string, object> } };

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

let app: AppHost;
let doc: OpenApi;

beforeAll(async () => {
  app = await startAppHost();
  const res = await fetch(`${app.url}/openapi.json`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  doc = (await res.json()) as OpenApi;
});

afterAll(async () => {
  await app?.host.stop();
});

/** Every operation of the document, with its path and method. */
function operations(): Array<{ path: string; method: string; op: Operation }> {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([key]) => METHODS.includes(key))
      .map(([method, op]) => ({ path, method: method.toUpperCase(), op: op as Operation })),
  );
}

/** The component schema a route's JSON body refers to. */
function bodySchemaOf(path: string, method: string): object {
  const op = doc.paths[path]?.[method] as Operation | undefined;
  const ref = op?.requestBody?.content['application/json']?.schema.$ref;
  if (!ref) throw new Error(`${method} ${path} has no JSON body in the document.`);
  const schema = doc.components.schemas[ref.replace('#/components/schemas/', '')];
  if (!schema) throw new Error(`${ref} is not in the document.`);
  return schema;
}

const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: true });

describe('GET /openapi.json', () => {
  it('lists every HTTP function devhost registered, under its route, with each of its methods', () => {
    const registry = new Map(registeredRoutes().map((r) => [r.name.toLowerCase(), r]));
    const hostHttp = registeredFunctions().filter((fn) => triggerOf(fn)[1].type === 'httpTrigger');
    expect(hostHttp.length).toBeGreaterThan(50);
    // The registry and what the host saw agree: nothing registered around the wrapper.
    expect(new Set(hostHttp.map((fn) => fn.metadata.name.toLowerCase()))).toEqual(new Set(registry.keys()));
    for (const fn of hostHttp) {
      const [, trigger] = triggerOf(fn);
      const entry = registry.get(fn.metadata.name.toLowerCase());
      expect(entry?.route).toBe(trigger.route);
      expect([...(entry?.methods ?? [])].sort()).toEqual([...(trigger.methods ?? [])].map((m) => m.toUpperCase()).sort());
    }

    const ops = operations();
    for (const route of registeredRoutes()) {
      const { path, catchAll } = templatePath(route.route);
      for (const method of route.methods) {
        const mine = ops.filter((o) => o.op['x-azure-function'] === route.name && o.method === method);
        expect(mine.length, `${route.name} ${method}`).toBeGreaterThan(0);
        // A plain template is the path itself; a catch-all is documented under its literal root.
        if (catchAll === undefined) expect(mine.map((o) => o.path)).toContain(path);
        else for (const o of mine) expect(o.path.toLowerCase().startsWith(path === '/' ? '/' : `${path.toLowerCase()}/`)).toBe(true);
      }
    }
  });

  it('documents the Graph version and ARM scopes as OpenAPI parameters', () => {
    const path = doc.paths['/{version}/roleManagement/directory/roleAssignmentScheduleRequests'] as { parameters: Array<{ name: string; schema: { enum?: string[] } }> };
    expect(path.parameters).toContainEqual(expect.objectContaining({ name: 'version', schema: { type: 'string', enum: ['v1.0', 'beta'] } }));
    expect(doc.paths["/{version}/roleManagement/directory/roleAssignmentScheduleRequests/filterByCurrentUser(on='{on}')"]).toBeDefined();
    expect(doc.paths['/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Authorization/roleAssignmentScheduleRequests/{roleAssignmentScheduleRequestName}']).toHaveProperty('put');
    expect(doc.paths['/providers/Microsoft.Authorization/roleAssignmentApprovals/{approvalId}/stages/{stageId}']).toHaveProperty('patch');
    const put = doc.paths['/subscriptions/{subscriptionId}/providers/Microsoft.Authorization/roleEligibilityScheduleRequests/{roleEligibilityScheduleRequestName}']?.put;
    expect(put).toMatchObject({ security: [{ armBearer: [] }], responses: { '400': { $ref: '#/components/responses/ArmError' } } });
    expect(doc.paths['/{version}/roleManagement/directory/roleDefinitions']?.get).toMatchObject({ security: [{ graphBearer: [] }], responses: { '404': { $ref: '#/components/responses/GraphError' } } });
  });

  it('is a valid OpenAPI 3.1 document', async () => {
    expect(doc.openapi).toBe('3.1.0');
    await expect(SwaggerParser.validate(structuredClone(doc) as never)).resolves.toBeTruthy();
    // What the 3.1 schema cannot say: each path's template parameters are declared, once each.
    for (const [path, item] of Object.entries(doc.paths)) {
      const declared = ((item.parameters ?? []) as Array<{ name: string; in: string }>).filter((p) => p.in === 'path').map((p) => p.name);
      expect(declared.sort(), path).toEqual([...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]).sort());
    }
    // Every JSON Schema in it compiles under draft 2020-12 (OpenAPI 3.1's dialect).
    for (const [name, schema] of Object.entries(doc.components.schemas)) expect(() => ajv.compile(schema), name).not.toThrow();
  });

  it("accepts Graph's documentation example of a schedule request, as the API does; a wrong body fails both", async () => {
    const path = '/{version}/roleManagement/directory/roleAssignmentScheduleRequests';
    const validate = ajv.compile(bodySchemaOf(path, 'post'));
    // Graph's "adminAssign" example (Create roleAssignmentScheduleRequest), its enum in Graph's casing.
    const example = {
      action: 'adminAssign',
      justification: 'Assign Groups Admin to IT Helpdesk group',
      roleDefinitionId: ROLES.helpdesk,
      directoryScopeId: '/',
      principalId: USERS.dave,
      scheduleInfo: { startDateTime: new Date(Date.now() + 60_000).toISOString(), expiration: { type: 'NoExpiration' } },
    };
    expect(validate(example), JSON.stringify(validate.errors)).toBe(true);
    expect((await app.api('admin', 'POST', '/v1.0/roleManagement/directory/roleAssignmentScheduleRequests', example)).status).toBe(201);

    const wrong = { ...example, action: 'grantForever', principalId: undefined };
    expect(validate(wrong)).toBe(false);
    expect(validate.errors?.map((e) => e.instancePath || e.params)).toEqual(expect.arrayContaining(['/action']));
    const refused = await app.api('admin', 'POST', '/v1.0/roleManagement/directory/roleAssignmentScheduleRequests', wrong);
    expect(refused.status).toBe(400);
    expect(JSON.stringify(refused.body)).toMatch(/principalId/);
  });

  it('describes a rule PATCH the API accepts, and refuses a misspelt setting as the API does', async () => {
    const path = '/{version}/policies/roleManagementPolicies/{policyId}/rules/{ruleId}';
    const validate = ajv.compile(bodySchemaOf(path, 'patch'));
    const policies = await app.api('admin', 'GET', `/v1.0/policies/roleManagementPolicyAssignments?$filter=scopeId eq '/' and scopeType eq 'DirectoryRole' and roleDefinitionId eq '${ROLES.exchange}'`);
    const policyId = (policies.body as { value: Array<{ policyId: string }> }).value[0]?.policyId;
    expect(policyId).toBeTruthy();
    const rule = `/v1.0/policies/roleManagementPolicies/${policyId}/rules/Expiration_EndUser_Assignment`;
    // Graph's example (Update unifiedRoleManagementPolicyRule), without its read-back target.
    const body = { '@odata.type': '#microsoft.graph.unifiedRoleManagementPolicyExpirationRule', id: 'Expiration_EndUser_Assignment', isExpirationRequired: true, maximumDuration: 'PT1H45M' };
    expect(validate(body), JSON.stringify(validate.errors)).toBe(true);
    expect((await app.api('admin', 'PATCH', rule, body)).status).toBe(204);
    const misspelt = { ...body, maximumDurations: 'PT2H' };
    expect(validate(misspelt)).toBe(false);
    expect((await app.api('admin', 'PATCH', rule, misspelt)).status).toBe(400);
  });

  it("accepts ARM's own example bodies on the ARM paths", () => {
    const policy = ajv.compile(bodySchemaOf('/providers/Microsoft.Subscription/subscriptions/{subscriptionId}/providers/Microsoft.Authorization/roleManagementPolicies/{roleManagementPolicyName}', 'patch'));
    for (const example of [patchPartialExample(), patchFullExample()]) expect(policy(example), JSON.stringify(policy.errors)).toBe(true);
    expect(policy({ properties: { rules: [{ ruleType: 'RoleManagementPolicyExpirationRule' }] } })).toBe(false);
    const request = ajv.compile(bodySchemaOf('/subscriptions/{subscriptionId}/providers/Microsoft.Authorization/roleEligibilityScheduleRequests/{roleEligibilityScheduleRequestName}', 'put'));
    // ARM's PutRoleEligibilityScheduleRequest example.
    const armExample = {
      properties: {
        principalId: 'a3bb8764-cb92-4276-9d2a-ca1e895e55ea',
        roleDefinitionId: '/subscriptions/dfa2a084-766f-4003-8ae1-c4aeb893a99f/providers/Microsoft.Authorization/roleDefinitions/c8d4ff99-41c3-41a8-9f60-21dfdad59608',
        requestType: 'AdminAssign',
        scheduleInfo: { startDateTime: '2020-09-09T21:31:27.91Z', expiration: { type: 'AfterDuration', endDateTime: null, duration: 'P365D' } },
        condition: null,
        conditionVersion: null,
      },
    };
    expect(request(armExample), JSON.stringify(request.errors)).toBe(true);
    expect(request({ properties: { principalId: 'x' } })).toBe(false);
  });

  it('gives the error bodies the API answers with as components', async () => {
    const graphError = ajv.compile(doc.components.schemas.GraphError as object);
    const missing = await app.api('admin', 'GET', '/v1.0/roleManagement/directory/roleDefinitions/00000000-0000-0000-0000-000000000000');
    expect(missing.status).toBe(404);
    expect(graphError(missing.body), JSON.stringify(graphError.errors)).toBe(true);
    const armError = ajv.compile(doc.components.schemas.ArmError as object);
    const res = await app.call(undefined, '/subscriptions/00000000-0000-0000-0000-000000000001/providers/Microsoft.Authorization/roleEligibilitySchedules');
    expect(res.status).toBe(401);
    expect(armError(await res.json()), JSON.stringify(armError.errors)).toBe(true);
  });

  it('is built once and served as the same bytes', async () => {
    const [a, b] = await Promise.all([fetch(`${app.url}/openapi.json`).then((r) => r.text()), fetch(`${app.url}/openapi.json`).then((r) => r.text())]);
    expect(a).toBe(b);
    expect(JSON.parse(a)).toEqual(doc);
  });
});
