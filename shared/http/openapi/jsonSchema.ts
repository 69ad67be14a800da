import { z } from 'zod';

export type JsonSchema = Record<string, unknown>;

/** `^(?:[aA][bB]|...)$`: the enum's values in any letter case, as the handlers read them. */
function caseInsensitivePattern(values: readonly string[]): string {
  const letters = (v: string) =>
    [...v].map((c) => (c.toLowerCase() !== c.toUpperCase() ? `[${c.toLowerCase()}${c.toUpperCase()}]` : c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('');
  return `^(?:${values.map(letters).join('|')})$`;
}

/**
 * An enum marked `caseInsensitive` (see CASE_INSENSITIVE) becomes "one of the values, or any
 * spelling of one in another case": clients still see the values, and a validator accepts
 * what the API accepts (Graph's own examples write "NoExpiration").
 */
function widenCaseInsensitive(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(widenCaseInsensitive);
  if (typeof node !== 'object' || node === null) return node;
  const { caseInsensitive, ...rest } = node as JsonSchema;
  const out: JsonSchema = Object.fromEntries(Object.entries(rest).map(([k, v]) => [k, widenCaseInsensitive(v)]));
  if (caseInsensitive === true && Array.isArray(out.enum) && out.enum.every((v) => typeof v === 'string')) {
    const values = out.enum as string[];
    const { enum: _values, type: _type, ...others } = out;
    return { ...others, anyOf: [{ type: 'string', enum: values }, { type: 'string', pattern: caseInsensitivePattern(values) }] };
  }
  return out;
}

/**
 * The JSON Schema (2020-12, OpenAPI 3.1's dialect) of what a zod schema accepts as input, as
 * zod itself generates it; `$schema` is left to the document.
 */
export function jsonSchemaOf(schema: z.ZodType): JsonSchema {
  const { $schema: _dialect, ...generated } = z.toJSONSchema(schema, { io: 'input', target: 'draft-2020-12', unrepresentable: 'any' }) as JsonSchema;
  return widenCaseInsensitive(generated) as JsonSchema;
}
