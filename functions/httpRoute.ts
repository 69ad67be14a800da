import { app, type HttpFunctionOptions } from '@azure/functions';
import { recordRoute, type RouteDoc } from '../shared/http/openapi/registry';

/**
 * `app.http` plus a record of the registration for the OpenAPI document. Every HTTP trigger
 * registers through this, so the document covers every route the host serves. Not a trigger
 * itself; the host loads it like the others and it registers nothing.
 */
export function httpRoute(name: string, options: HttpFunctionOptions & { doc?: RouteDoc }): void {
  const { doc, ...registration } = options;
  // Why explicit: the library's defaults (GET and POST, anonymous) are never what a route wants.
  if (!registration.route || !registration.methods || !registration.authLevel) {
    throw new Error(`HTTP function "${name}" must set route, methods and authLevel explicitly.`);
  }
  recordRoute({ name, route: registration.route, methods: [...registration.methods], authLevel: registration.authLevel, doc: doc ?? {} });
  app.http(name, registration);
}
