import type { z } from 'zod';

/** What the OpenAPI document says about one registration beyond its route: all optional. */
export interface RouteDoc {
  summary?: string;
  /** The zod schema the handler validates the JSON body with (one source of truth for the document). */
  body?: z.ZodType;
  /** The zod schema of the query options the handler validates (each property becomes a query parameter). */
  query?: z.ZodObject;
  /** A name for the body's component schema (defaults to the function's name + "Body"). */
  bodyName?: string;
  /** The media type of a successful answer, when not JSON (e.g. the approval links' HTML pages). */
  produces?: string;
}

/** One HTTP function as registered with the Functions host. */
export interface RouteEntry {
  name: string;
  /** The route template as given to the host, e.g. `{version:regex(...)}/policies/{id}`. */
  route: string;
  methods: readonly string[];
  authLevel: string;
  doc: RouteDoc;
}

/**
 * Every HTTP function registered in this process, in registration order. Why a registry: the
 * OpenAPI document is built from what the app actually registered, so a new route cannot be
 * missing from it; `functions/httpRoute.ts` records here as it registers with the host.
 */
const routes = new Map<string, RouteEntry>();

export function recordRoute(entry: RouteEntry): void {
  if (routes.has(entry.name.toLowerCase())) throw new Error(`HTTP function "${entry.name}" is registered twice.`);
  routes.set(entry.name.toLowerCase(), entry);
}

export function registeredRoutes(): RouteEntry[] {
  return [...routes.values()];
}
