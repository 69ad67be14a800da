/**
 * Functions route templates as OpenAPI paths: `{name:constraint}` becomes `{name}` with the
 * constraint as the parameter's schema (the Graph version regex becomes an enum), and a
 * catch-all `{*rest}` is reported as such for the caller to expand.
 */

export interface PathParameter {
  name: string;
  in: 'path';
  required: true;
  schema: Record<string, unknown>;
  description?: string;
}

export interface TemplatePath {
  /** The OpenAPI path, leading slash, without the catch-all segment. */
  path: string;
  parameters: PathParameter[];
  /** The catch-all parameter's name, when the template ends in one. */
  catchAll?: string;
}

const PARAM = /\{(\*?)([A-Za-z_][A-Za-z0-9_]*)((?::[^{}]*(?:\([^)]*\))?)*)\??\}/g;

/** `regex(^(a|b\.c)$)` of a plain alternation becomes the enum [a, b.c]; other constraints a pattern or a type. */
function schemaOf(constraints: string): Record<string, unknown> {
  const regex = /:regex\((.*)\)$/.exec(constraints)?.[1];
  if (regex) {
    const alternation = /^\^\(([^()[\]*+?{}]+)\)\$$/.exec(regex)?.[1];
    if (alternation) return { type: 'string', enum: alternation.split('|').map((a) => a.replace(/\\(.)/g, '$1')) };
    return { type: 'string', pattern: regex };
  }
  if (/:(int|long)\b/.test(constraints)) return { type: 'integer' };
  if (/:guid\b/.test(constraints)) return { type: 'string', format: 'uuid' };
  return { type: 'string' };
}

export function templatePath(route: string): TemplatePath {
  const parameters: PathParameter[] = [];
  let catchAll: string | undefined;
  const segments = route
    .replace(/^\/+|\/+$/g, '')
    .split('/')
    .filter((segment) => {
      const star = /^\{\*([A-Za-z_][A-Za-z0-9_]*)\}$/.exec(segment);
      if (star) catchAll = star[1];
      return !star;
    })
    .map((segment) =>
      segment.replace(PARAM, (_all, _star: string, name: string, constraints: string) => {
        parameters.push({ name, in: 'path', required: true, schema: schemaOf(constraints) });
        return `{${name}}`;
      }),
    );
  return { path: `/${segments.join('/')}`, parameters, ...(catchAll !== undefined ? { catchAll } : {}) };
}
