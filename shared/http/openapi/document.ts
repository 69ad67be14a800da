import { z } from 'zod';
import { ARM_ROUTE_ROOTS, type ArmRouteRoot } from '../arm/router';
import type { ArmErrorBody } from '../arm/errors';
import type { GraphErrorBody } from '../graphErrors';
import { armOperations } from './armPaths';
import { type JsonSchema, jsonSchemaOf } from './jsonSchema';
import { type PathParameter, templatePath } from './paths';
import type { RouteEntry } from './registry';

/** What the document needs from configuration. */
export interface OpenApiSettings {
  /** Where the app is served (PIM_PUBLIC_BASE_URL). */
  serverUrl: string;
  /** The Graph-compatible API's token audience (PIM_OIDC_AUDIENCE). */
  graphAudience: string;
  /** The ARM-compatible API's token audiences (PIM_ARM_AUDIENCE). */
  armAudiences: readonly string[];
}

type Operation = Record<string, unknown>;
type PathItem = { parameters?: PathParameter[] } & Record<string, unknown>;

/** The error bodies as zod schemas, typed against the interfaces the error mappers build, so they cannot drift apart. */
const errorDetail = z.object({ code: z.string(), message: z.string(), target: z.string().optional() });
const graphErrorBody: z.ZodType<GraphErrorBody> = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    details: z.array(errorDetail).optional(),
    innerError: z.object({ date: z.string(), 'request-id': z.string(), 'client-request-id': z.string().optional() }),
  }),
});
const armErrorBody: z.ZodType<ArmErrorBody> = z.object({
  error: z.object({ code: z.string(), message: z.string(), details: z.array(errorDetail).optional() }),
});

const GRAPH_PREFIX = '{version';
const ref = (kind: 'schemas' | 'responses', name: string) => ({ $ref: `#/components/${kind}/${name}` });
const errorResponses = (name: 'GraphError' | 'ArmError') =>
  Object.fromEntries(['400', '401', '403', '404', '405', '409', '429', '500'].map((status) => [status, ref('responses', name)]));

type Kind = 'graph' | 'arm' | 'public';

function kindOf(route: RouteEntry): Kind {
  if (route.route.startsWith(GRAPH_PREFIX)) return 'graph';
  return armRootOf(route) ? 'arm' : 'public';
}

function armRootOf(route: RouteEntry): ArmRouteRoot | undefined {
  return ARM_ROUTE_ROOTS.find((root) => route.route.toLowerCase() === `${root.route}/{*rest}`.toLowerCase());
}

/** A builder that keeps one component per body name and refuses two different schemas under one name. */
class Components {
  readonly schemas: Record<string, JsonSchema> = {};
  private readonly sources = new Map<string, z.ZodType>();
  add(name: string, schema: z.ZodType): { $ref: string } {
    const known = this.sources.get(name);
    if (known === undefined) {
      this.sources.set(name, schema);
      this.schemas[name] = jsonSchemaOf(schema);
    } else if (known !== schema && JSON.stringify(jsonSchemaOf(schema)) !== JSON.stringify(this.schemas[name])) {
      throw new Error(`Two different body schemas are named ${name}.`);
    }
    return ref('schemas', name);
  }
}

function jsonBody(schemaRef: { $ref: string }) {
  return { required: true, content: { 'application/json': { schema: schemaRef } } };
}

function successOf(method: string, produces = 'application/json'): Record<string, unknown> {
  if (method === 'HEAD' || method === 'OPTIONS') return { '200': { description: 'OK' }, '204': { description: 'No content' } };
  if (produces !== 'application/json') return { '200': { description: 'OK', content: { [produces]: { schema: { type: 'string' } } } } };
  if (method === 'DELETE' || method === 'PATCH') return { '200': { description: 'Done; the changed entity when the API returns one' }, '204': { description: 'Done' } };
  if (method === 'POST') return { '201': { description: 'Created' }, '202': { description: 'Accepted' }, '204': { description: 'Done' } };
  return { '200': { description: 'OK', content: { 'application/json': { schema: { type: 'object' } } } } };
}

/** Query parameters from the zod object a handler validates its query string with. */
function queryParameters(schema: z.ZodObject): Array<Record<string, unknown>> {
  return Object.entries(schema.shape).map(([name, field]) => {
    const { description, ...fieldSchema } = jsonSchemaOf(field as z.ZodType);
    const optional = (field as z.ZodType).safeParse(undefined).success;
    return { name, in: 'query', required: !optional, schema: fieldSchema, ...(typeof description === 'string' ? { description } : {}) };
  });
}

/** A summary from the function's name when its registration gives none: `listRoleDefinitions` → "List role definitions". */
function humanized(name: string): string {
  const words = name.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/**
 * The OpenAPI 3.1 document of every route in `routes` (the app's registry): Graph-compatible
 * routes with their path parameters, the ARM catch-alls expanded into ARM's scope paths, and
 * request bodies from the zod schemas the handlers validate with.
 */
export function buildOpenApi(routes: readonly RouteEntry[], settings: OpenApiSettings): Record<string, unknown> {
  const components = new Components();
  const paths: Record<string, PathItem> = {};
  const operationIds = new Set<string>();

  const addOperation = (path: string, parameters: PathParameter[], method: string, operation: Operation) => {
    const item = (paths[path] ??= parameters.length > 0 ? { parameters } : {});
    const key = method.toLowerCase();
    if (item[key]) throw new Error(`Two operations for ${method} ${path}: ${String((item[key] as Operation)['x-azure-function'])} and ${String(operation['x-azure-function'])}.`);
    let id = String(operation.operationId);
    for (let n = 2; operationIds.has(id); n++) id = `${String(operation.operationId)}${n}`;
    operationIds.add(id);
    item[key] = { ...operation, operationId: id };
  };

  for (const route of routes) {
    const kind = kindOf(route);
    const root = armRootOf(route);
    if (kind === 'arm' && root) {
      const served = new Set<string>();
      for (const op of armOperations(root)) {
        if (!route.methods.includes(op.method)) continue;
        served.add(op.method);
        addOperation(op.path, op.parameters, op.method, {
          operationId: `${op.resourceType}_${op.method.toLowerCase()}${op.collection ? 'List' : ''}`,
          summary: op.summary,
          tags: ['Azure resource roles (ARM)'],
          'x-azure-function': route.name,
          parameters: [
            { name: 'api-version', in: 'query', required: true, schema: { type: 'string', enum: [...op.apiVersions] } },
            ...(op.collection ? [{ name: '$filter', in: 'query', required: false, schema: { type: 'string' }, description: "ARM's filter, e.g. asTarget() or atScope()" }] : []),
          ],
          ...(op.body ? { requestBody: jsonBody(components.add(op.body.name, op.body.schema)) } : {}),
          responses: { ...successOf(op.method), ...errorResponses('ArmError') },
          security: [{ armBearer: [] }],
        });
      }
      // The catch-all also takes methods no resource type under this root has: say so, rather than leave them out.
      for (const method of route.methods.filter((m) => !served.has(m))) {
        addOperation(`/${root.route}/{rest}`, [{ name: 'rest', in: 'path', required: true, schema: { type: 'string' }, description: 'The rest of an ARM path (may contain slashes)' }], method, {
          operationId: `${route.name}_${method.toLowerCase()}`,
          summary: `No resource under /${root.route} answers ${method}: ARM's 405 (or 404 for an unknown path)`,
          tags: ['Azure resource roles (ARM)'],
          'x-azure-function': route.name,
          responses: { ...errorResponses('ArmError') },
          security: [{ armBearer: [] }],
        });
      }
      continue;
    }
    const { path, parameters, catchAll } = templatePath(route.route);
    const fullPath = catchAll === undefined ? path : `${path === '/' ? '' : path}/{${catchAll}}`;
    const allParams = catchAll === undefined ? parameters : [...parameters, { name: catchAll, in: 'path' as const, required: true as const, schema: { type: 'string' }, description: 'Any path no other route matches (may contain slashes)' }];
    for (const method of route.methods) {
      const body = route.doc.body && method !== 'GET' ? components.add(route.doc.bodyName ?? `${route.name}Body`, route.doc.body) : undefined;
      addOperation(fullPath, allParams, method, {
        operationId: route.methods.length > 1 ? `${route.name}_${method.toLowerCase()}` : route.name,
        summary: route.doc.summary ?? humanized(route.name),
        tags: [kind === 'graph' ? 'Microsoft Graph-compatible' : 'Service'],
        'x-azure-function': route.name,
        ...(route.doc.query ? { parameters: queryParameters(route.doc.query) } : {}),
        ...(body ? { requestBody: jsonBody(body) } : {}),
        // The app-wide catch-all only ever answers Graph's 404.
        responses: catchAll !== undefined ? { '404': ref('responses', 'GraphError') } : { ...successOf(method, route.doc.produces), ...(kind === 'graph' ? errorResponses('GraphError') : {}) },
        // Why: only the Graph and ARM surfaces take bearer tokens; the rest is anonymous by design (health, link pages, this document).
        security: kind === 'graph' ? [{ graphBearer: [] }] : [],
      });
    }
  }

  return {
    openapi: '3.1.0',
    info: {
      title: 'PIM Functions',
      version: '0.1.0',
      description: 'Just-in-time privileged access: a Microsoft Graph-compatible API for directory roles and PIM for Groups, and an ARM-compatible API for Azure resource roles. Generated from the registered routes and the schemas that validate their bodies.',
    },
    servers: [{ url: settings.serverUrl.replace(/\/+$/, '') }],
    paths,
    components: {
      schemas: { GraphError: jsonSchemaOf(graphErrorBody), ArmError: jsonSchemaOf(armErrorBody), ...components.schemas },
      responses: {
        GraphError: { description: "Microsoft Graph's error body", content: { 'application/json': { schema: ref('schemas', 'GraphError') } } },
        ArmError: { description: "Azure Resource Manager's error body (CloudError)", content: { 'application/json': { schema: ref('schemas', 'ArmError') } } },
      },
      securitySchemes: {
        graphBearer: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: `A Microsoft Entra ID access token for audience ${settings.graphAudience}.`,
          'x-audience': settings.graphAudience,
        },
        armBearer: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: `A Microsoft Entra ID access token for Azure Resource Manager: audience ${settings.armAudiences.join(' or ')}.`,
          'x-audience': [...settings.armAudiences],
        },
      },
    },
  };
}
