import { Client, type Context, GraphError, HTTPMessageHandler, type Middleware } from '@microsoft/microsoft-graph-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AppHost, startAppHost, TENANT_ID } from './appHost';

let app: AppHost;

/** Adds the bearer token to every request (the SDK's own AuthenticationHandler does so only over https). */
function bearer(token: string): Middleware {
  let next: Middleware | undefined;
  return {
    async execute(context: Context) {
      const headers = new Headers(context.options?.headers as ConstructorParameters<typeof Headers>[0]);
      headers.set('Authorization', `Bearer ${token}`);
      context.options = { ...context.options, headers: Object.fromEntries(headers.entries()) };
      await next?.execute(context);
    },
    setNext(middleware: Middleware) {
      next = middleware;
    },
  };
}
let graph: (user: string) => Promise<Client>;
const ALICE = '73b0040d-6875-43f0-b197-2aeff3c6b91d';
const APP_ADMIN = '9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3';

beforeAll(async () => {
  app = await startAppHost();
  // The official Graph SDK with its base URL pointed at this service. The SDK attaches tokens
  // only to https hosts; devhost speaks plain http, so a one-line middleware adds the header
  // (against a deployed, https instance the usual authProvider works unchanged).
  graph = async (user) => {
    const token = await app.token(user);
    return Client.initWithMiddleware({ baseUrl: app.url, middleware: [bearer(token), new HTTPMessageHandler()] });
  };
});

afterAll(async () => {
  await app?.host.stop();
});

describe('the official @microsoft/microsoft-graph-client against this service', () => {
  it('lists role definitions and reads a policy assignment with expanded rules', async () => {
    const roles = (await (await graph('alice')).api('/roleManagement/directory/roleDefinitions').filter("displayName eq 'Application Administrator'").get()) as {
      value: Array<{ id: string }>;
    };
    expect(roles.value.map((r) => r.id)).toEqual([APP_ADMIN]);
    const assignments = (await (await graph('alice'))
      .api('/policies/roleManagementPolicyAssignments')
      .filter(`scopeId eq '/' and scopeType eq 'DirectoryRole' and roleDefinitionId eq '${APP_ADMIN}'`)
      .expand('policy($expand=rules)')
      .get()) as { value: Array<{ policyId: string; policy: { rules: unknown[] } }> };
    expect(assignments.value[0]?.policyId).toBe(`DirectoryRole_${TENANT_ID}_${APP_ADMIN}`);
    expect(assignments.value[0]?.policy.rules).toHaveLength(17);
  });

  it('creates an eligibility and pages through it with the SDK', async () => {
    const created = (await (await graph('admin'))
      .api('/roleManagement/directory/roleEligibilityScheduleRequests')
      .version('beta')
      .post({
        action: 'adminAssign',
        principalId: ALICE,
        roleDefinitionId: APP_ADMIN,
        directoryScopeId: '/',
        justification: 'SDK test',
        scheduleInfo: { startDateTime: new Date().toISOString(), expiration: { type: 'afterDuration', duration: 'P30D' } },
      })) as { id: string; status: string };
    expect(created.status).toBe('Provisioned');
    const mine = (await (await graph('alice')).api("/roleManagement/directory/roleEligibilitySchedules/filterByCurrentUser(on='principal')").get()) as {
      value: Array<{ roleDefinitionId: string }>;
    };
    expect(mine.value.map((s) => s.roleDefinitionId)).toContain(APP_ADMIN);
  });

  it('surfaces Graph-shaped errors as GraphError with code and status', async () => {
    try {
      await (await graph('alice')).api('/policies/roleManagementPolicies/nope/rules/Expiration_EndUser_Assignment').patch({ maximumDuration: 'PT2H' });
      throw new Error('accepted');
    } catch (error) {
      expect(error).toBeInstanceOf(GraphError);
      expect((error as GraphError).statusCode).toBe(403);
      expect((error as GraphError).code).toBe('Authorization_RequestDenied');
    }
  });
});
