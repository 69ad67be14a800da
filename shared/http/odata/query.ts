import { HttpError } from '../graphErrors';
import { type FilterNode, filterProperties, ODataSyntaxError, parseFilter } from './filter';

export interface ExpandItem {
  property: string;
  expand: ExpandItem[];
  /** `$select` nested in the expansion (e.g. `principal($select=id,displayName)`), where the collection allows it. */
  select?: string[];
}

export interface ODataQuery {
  filter?: FilterNode;
  top?: number;
  skipToken?: string;
  select?: string[];
  expand: ExpandItem[];
  count: boolean;
}

/** What a collection supports; anything else in the query is a 400 that names it. */
export interface QueryCapabilities {
  filterable: readonly string[];
  expandable?: readonly string[];
  /** Whether `$select` may be nested in an expansion; otherwise only `$expand` may. */
  expandSelect?: boolean;
  maxTop?: number;
}

const KNOWN = new Set(['$filter', '$top', '$skiptoken', '$select', '$expand', '$count', '$orderby', '$format']);

const bad = (message: string) => new HttpError('BadRequest', message, 400);

export function parseQuery(params: URLSearchParams, caps: QueryCapabilities): ODataQuery {
  for (const key of params.keys()) {
    if (key.startsWith('$') && !KNOWN.has(key.toLowerCase())) {
      throw bad(`Query option '${key}' is not supported. Use $filter, $top, $skiptoken, $select, $expand or $count.`);
    }
  }
  const get = (name: string) => {
    for (const [k, v] of params) if (k.toLowerCase() === name) return v;
    return undefined;
  };
  const query: ODataQuery = { expand: [], count: false };

  const filter = get('$filter');
  if (filter !== undefined) {
    try {
      query.filter = parseFilter(filter);
    } catch (error) {
      if (error instanceof ODataSyntaxError) throw bad(`Invalid filter clause: ${error.message}.`);
      throw error;
    }
    const allowed = new Set(caps.filterable.map((p) => p.toLowerCase()));
    const unknown = filterProperties(query.filter).filter((p) => !allowed.has(p.toLowerCase()));
    if (unknown.length > 0) {
      throw bad(`Invalid filter clause: property '${unknown[0]}' cannot be filtered on. Filterable: ${caps.filterable.join(', ')}.`);
    }
  }

  const top = get('$top');
  if (top !== undefined) {
    const n = Number(top);
    const max = caps.maxTop ?? 999;
    if (!/^\d+$/.test(top) || n < 1 || n > max) throw bad(`Invalid $top '${top}': use a whole number from 1 to ${max}.`);
    query.top = n;
  }

  query.skipToken = get('$skiptoken');

  const select = get('$select');
  if (select !== undefined) {
    const props = select.split(',').map((s) => s.trim());
    if (props.some((p) => !/^[A-Za-z_][A-Za-z0-9_]*$/.test(p))) throw bad(`Invalid $select '${select}': list property names separated by commas.`);
    query.select = props;
  }

  const expand = get('$expand');
  if (expand !== undefined) {
    try {
      query.expand = parseExpand(expand);
    } catch (error) {
      if (error instanceof ODataSyntaxError) throw bad(`Invalid $expand '${expand}': ${error.message}.`);
      throw error;
    }
    const allowed = new Set((caps.expandable ?? []).map((p) => p.toLowerCase()));
    const unknown = query.expand.find((e) => !allowed.has(e.property.toLowerCase()));
    if (unknown) {
      throw bad(
        `Property '${unknown.property}' cannot be expanded here${caps.expandable?.length ? `; expandable: ${caps.expandable.join(', ')}` : ''}.`,
      );
    }
    if (!caps.expandSelect && hasNestedSelect(query.expand)) throw bad(`Invalid $expand '${expand}': only $expand is supported inside parentheses here.`);
  }

  const count = get('$count');
  if (count !== undefined) {
    if (!/^(true|false)$/i.test(count)) throw bad(`Invalid $count '${count}': use true or false.`);
    query.count = count.toLowerCase() === 'true';
  }
  return query;
}

/** `policy($expand=rules),other` → tree of expansions. */
export function parseExpand(text: string): ExpandItem[] {
  let pos = 0;
  const items = (): ExpandItem[] => {
    const out: ExpandItem[] = [];
    for (;;) {
      const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*/.exec(text.slice(pos));
      if (!m) throw new ODataSyntaxError(`expected a property name at position ${pos}`);
      pos += m[0].length;
      const item: ExpandItem = { property: m[1] as string, expand: [] };
      if (text[pos] === '(') {
        pos++;
        // Nested options, separated by ';' as OData writes them: $expand=... and $select=a,b.
        for (;;) {
          const opt = /^\$(expand|select)=/i.exec(text.slice(pos));
          if (!opt) throw new ODataSyntaxError(`only $expand and $select are supported inside parentheses (position ${pos})`);
          pos += opt[0].length;
          if (opt[1]?.toLowerCase() === 'expand') item.expand = items();
          else item.select = names();
          if (text[pos] !== ';') break;
          pos++;
        }
        if (text[pos] !== ')') throw new ODataSyntaxError(`expected ')' at position ${pos}`);
        pos++;
      }
      out.push(item);
      while (text[pos] === ' ') pos++;
      if (text[pos] === ',') {
        pos++;
        continue;
      }
      return out;
    }
  };
  const names = (): string[] => {
    const m = /^\s*[A-Za-z_][A-Za-z0-9_]*(\s*,\s*[A-Za-z_][A-Za-z0-9_]*)*\s*/.exec(text.slice(pos));
    if (!m) throw new ODataSyntaxError(`expected property names after $select at position ${pos}`);
    pos += m[0].length;
    return m[0].split(',').map((n) => n.trim());
  };
  const result = items();
  if (pos < text.length && text[pos] !== ')') throw new ODataSyntaxError(`unexpected '${text[pos]}' at position ${pos}`);
  return result;
}

function hasNestedSelect(items: ExpandItem[]): boolean {
  return items.some((i) => i.select !== undefined || hasNestedSelect(i.expand));
}
