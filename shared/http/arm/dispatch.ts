import type { HttpResponseInit } from '@azure/functions';
import { DomainError } from '../../domain/errors';
import { requireApiVersion, requireApiVersionPresent } from './errors';
import type { ArmCall } from './handler';
import { noSuchPath, resolveResourceType, splitArmPath, unknownResourceType } from './router';

/** One call to a Microsoft.Authorization resource type, its path split. */
export interface ArmResourceCall extends ArmCall {
  method: string;
  /** The scope as written ('' when scope-less); each resource type parses and checks it. */
  scope: string;
  /** What follows the resource type: [] (the collection), [name], [name, action], ... */
  segments: string[];
  apiVersion: string;
}

/** One resource type of the ARM surface: the api-versions it answers, and its handler. */
export interface ArmResource {
  apiVersions: readonly string[];
  handle(call: ArmResourceCall): Promise<HttpResponseInit>;
}

/** ARM's answer to a method a resource does not have. */
export function methodNotAllowed(method: string, path: string): DomainError {
  return new DomainError('MethodNotAllowed', `The requested resource does not support http method '${method}' (${path}).`, 405);
}

/**
 * Routes a call that arrived on one of the catch-all routes to its resource type: ARM's checks
 * in ARM's order (an api-version at all, a resource type the namespace has, an api-version that
 * type has), then the type's handler.
 */
export function armDispatcher(resources: Readonly<Record<string, ArmResource>>) {
  const known = Object.keys(resources);
  return async (call: ArmCall): Promise<HttpResponseInit> => {
    const method = call.req.method.toUpperCase();
    const apiVersion = requireApiVersionPresent(call.url);
    const split = splitArmPath(call.path);
    if (!split) throw noSuchPath(method, call.path);
    const type = resolveResourceType(split.resourceType, known);
    const resource = type ? resources[type] : undefined;
    if (!resource) throw unknownResourceType(split.resourceType, apiVersion);
    requireApiVersion(apiVersion, resource.apiVersions);
    return resource.handle({ ...call, method, scope: split.scope, segments: split.segments, apiVersion });
  };
}
