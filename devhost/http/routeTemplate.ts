/**
 * ASP.NET-style route templates as the Functions host matches them: literal segments
 * (case-insensitive), `{name}`, `{name?}` (optional), `{name=default}`, `{name:constraint}`
 * (int, long, bool, guid, alpha, decimal, double, float, datetime, minlength(n), maxlength(n),
 * length(n), min(n), max(n), range(a,b), regex(...)) and a trailing catch-all `{*rest}`.
 */

interface ParamPart {
  kind: 'param';
  name: string;
  optional: boolean;
  catchAll: boolean;
  defaultValue?: string;
  constraints: Array<(value: string) => boolean>;
}
type Part = { kind: 'literal'; text: string } | ParamPart;
type Segment = Part[];

export interface CompiledRoute {
  template: string;
  /** Lower sorts first: literal segments beat parameters, which beat optional and catch-all ones. */
  precedence: number;
  match(path: string): Record<string, string> | undefined;
}

export class RouteTemplateError extends Error {}

export function compileRoute(template: string): CompiledRoute {
  const trimmed = template.replace(/^\/+|\/+$/g, '');
  const segments: Segment[] = trimmed === '' ? [] : trimmed.split('/').map((s) => parseSegment(s, template));
  const catchAllIndex = segments.findIndex((seg) => seg.some((p) => p.kind === 'param' && p.catchAll));
  if (catchAllIndex >= 0 && catchAllIndex !== segments.length - 1) {
    throw new RouteTemplateError(`Route "${template}": a catch-all parameter must be the last segment.`);
  }
  return {
    template,
    precedence: precedenceOf(segments),
    match: (path) => matchSegments(segments, splitPath(path)),
  };
}

function splitPath(path: string): string[] {
  const trimmed = path.replace(/^\/+|\/+$/g, '');
  return trimmed === '' ? [] : trimmed.split('/');
}

function parseSegment(raw: string, template: string): Segment {
  const parts: Part[] = [];
  let i = 0;
  while (i < raw.length) {
    const open = raw.indexOf('{', i);
    if (open < 0) {
      parts.push({ kind: 'literal', text: raw.slice(i) });
      break;
    }
    if (open > i) parts.push({ kind: 'literal', text: raw.slice(i, open) });
    const close = findClose(raw, open);
    if (close < 0) throw new RouteTemplateError(`Route "${template}": unbalanced "{" in segment "${raw}".`);
    parts.push(parseParam(raw.slice(open + 1, close), template));
    i = close + 1;
  }
  const params = parts.filter((p): p is ParamPart => p.kind === 'param');
  if (params.length > 1 && params.some((p) => p.optional || p.catchAll)) {
    throw new RouteTemplateError(`Route "${template}": optional or catch-all parameters must stand alone in "${raw}".`);
  }
  return parts;
}

/** Finds the "}" closing the parameter at `open`, skipping parentheses inside regex(...) constraints. */
function findClose(raw: string, open: number): number {
  let depth = 0;
  for (let i = open + 1; i < raw.length; i++) {
    const c = raw[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === '}' && depth === 0) return i;
  }
  return -1;
}

function parseParam(body: string, template: string): ParamPart {
  let text = body;
  const catchAll = text.startsWith('*');
  if (catchAll) text = text.replace(/^\*+/, '');
  let defaultValue: string | undefined;
  const eq = text.indexOf('=');
  if (eq >= 0) {
    defaultValue = text.slice(eq + 1);
    text = text.slice(0, eq);
  }
  let optional = false;
  if (text.endsWith('?')) {
    optional = true;
    text = text.slice(0, -1);
  }
  const [name, ...constraintTexts] = splitConstraints(text);
  if (!name || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
    throw new RouteTemplateError(`Route "${template}": "{${body}}" is not a valid parameter.`);
  }
  return {
    kind: 'param',
    name,
    optional: optional || catchAll || defaultValue !== undefined,
    catchAll,
    defaultValue,
    constraints: constraintTexts.map((c) => constraintFor(c, template)),
  };
}

function splitConstraints(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let current = '';
  for (const c of text) {
    if (c === '(') depth++;
    if (c === ')') depth--;
    if (c === ':' && depth === 0) {
      out.push(current);
      current = '';
    } else {
      current += c;
    }
  }
  out.push(current);
  return out;
}

function constraintFor(text: string, template: string): (value: string) => boolean {
  const m = /^([a-z]+)(?:\((.*)\))?$/i.exec(text);
  if (!m) throw new RouteTemplateError(`Route "${template}": unknown constraint "${text}".`);
  const name = (m[1] ?? '').toLowerCase();
  const arg = m[2] ?? '';
  const nums = arg.split(',').map((s) => Number(s.trim()));
  const n0 = nums[0] ?? Number.NaN;
  const n1 = nums[1] ?? Number.NaN;
  switch (name) {
    case 'int':
    case 'long':
      return (v) => /^-?\d+$/.test(v);
    case 'bool':
      return (v) => /^(true|false)$/i.test(v);
    case 'guid':
      return (v) => /^\{?[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}\}?$/i.test(v);
    case 'alpha':
      return (v) => /^[a-z]+$/i.test(v);
    case 'decimal':
    case 'double':
    case 'float':
      return (v) => v.trim() !== '' && Number.isFinite(Number(v));
    case 'datetime':
      return (v) => !Number.isNaN(Date.parse(v));
    case 'minlength':
      return (v) => v.length >= n0;
    case 'maxlength':
      return (v) => v.length <= n0;
    case 'length':
      return Number.isNaN(n1) ? (v) => v.length === n0 : (v) => v.length >= n0 && v.length <= n1;
    case 'min':
      return (v) => Number(v) >= n0;
    case 'max':
      return (v) => Number(v) <= n0;
    case 'range':
      return (v) => Number(v) >= n0 && Number(v) <= n1;
    case 'regex': {
      const re = new RegExp(arg, 'i');
      return (v) => re.test(v);
    }
    default:
      throw new RouteTemplateError(`Route "${template}": unknown constraint "${text}".`);
  }
}

function precedenceOf(segments: Segment[]): number {
  let value = 0;
  segments.forEach((seg, i) => {
    value += segmentDigit(seg) / 10 ** i;
  });
  return value;
}

function segmentDigit(seg: Segment): number {
  if (seg.length > 1) return 2; // complex segment: literal text around parameters
  const part = seg[0];
  if (!part || part.kind === 'literal') return 1;
  if (part.catchAll) return 5;
  if (part.optional) return 4;
  return part.constraints.length > 0 ? 2 : 3;
}

function matchSegments(segments: Segment[], pathSegments: string[]): Record<string, string> | undefined {
  const values: Record<string, string> = {};
  for (let i = 0; i < segments.length; i++) {
    const seg = segments[i] as Segment;
    const first = seg[0];
    if (first?.kind === 'param' && first.catchAll) {
      const rest = pathSegments.slice(i).map(safeDecode).join('/');
      if (rest === '' && first.defaultValue === undefined) return values;
      const value = rest === '' ? (first.defaultValue as string) : rest;
      if (!first.constraints.every((c) => c(value))) return undefined;
      values[first.name] = value;
      return values;
    }
    const raw = pathSegments[i];
    if (raw === undefined) {
      // Missing trailing segments match only optional parameters (which may carry defaults).
      if (first?.kind === 'param' && first.optional && seg.length === 1) {
        if (first.defaultValue !== undefined) values[first.name] = first.defaultValue;
        continue;
      }
      return undefined;
    }
    if (!matchSegment(seg, safeDecode(raw), values)) return undefined;
  }
  return pathSegments.length > segments.length ? undefined : values;
}

function matchSegment(seg: Segment, text: string, values: Record<string, string>): boolean {
  let pattern = '^';
  const names: ParamPart[] = [];
  for (const part of seg) {
    if (part.kind === 'literal') pattern += escapeRegex(part.text);
    else {
      pattern += '(.+?)';
      names.push(part);
    }
  }
  // 's': a parameter matches any characters, line breaks included (ASP.NET routing does too).
  const m = new RegExp(`${pattern}$`, 'is').exec(text);
  if (!m) return false;
  for (let i = 0; i < names.length; i++) {
    const param = names[i] as ParamPart;
    const value = m[i + 1] ?? '';
    if (!param.constraints.every((c) => c(value))) return false;
    values[param.name] = value;
  }
  return true;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
