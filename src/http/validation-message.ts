/**
 * Turns schema validation errors into one sentence that names the field and its limit, e.g.
 * "`n_docs` must be an integer between 1 and 50", by reading the bounds from the route's own schema.
 */

/** The parts of a validation error this module reads (Ajv and TypeBox share this shape). */
export interface SchemaIssue {
  keyword: string;
  instancePath: string;
  params?: Record<string, unknown>;
  message?: string;
}

type JsonSchema = Record<string, unknown> & {
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
};

/** Follows `/a/0/b` through `properties` and `items` to the schema of that value. */
function schemaAt(root: JsonSchema | undefined, pointer: string): JsonSchema | undefined {
  let node = root;
  for (const part of pointer.split('/').filter(Boolean)) {
    if (!node) return undefined;
    node = node.properties?.[part] ?? (/^\d+$/.test(part) ? node.items : undefined);
  }
  return node;
}

function fieldName(pointer: string, part: string): string {
  const path = pointer.split('/').filter(Boolean).join('.');
  return path ? `\`${path}\`` : part;
}

/** The values a union of constants, enums and booleans allows, as JSON; undefined when it allows anything else. */
function alternatives(schema: JsonSchema): string[] | undefined {
  if ('const' in schema) return [JSON.stringify(schema.const)];
  if (Array.isArray(schema.enum)) return schema.enum.map((v) => JSON.stringify(v));
  if (schema.type === 'boolean') return ['true', 'false'];
  const parts = schema.anyOf?.map(alternatives);
  return parts?.every((p) => p !== undefined) ? parts.flat() as string[] : undefined;
}

function describeBounds(schema: JsonSchema | undefined): string | undefined {
  if (!schema) return undefined;
  const { minimum, maximum, minLength, maxLength, type } = schema as Record<string, number | string | undefined>;
  if (minimum !== undefined && maximum !== undefined) {
    return `must be ${type === 'integer' ? 'an integer' : 'a number'} between ${minimum} and ${maximum}`;
  }
  if (minLength !== undefined && maxLength !== undefined) {
    return `must be between ${minLength} and ${maxLength} characters`;
  }
  if (schema.anyOf?.every((s) => 'const' in s)) {
    return `must be one of ${schema.anyOf.map((s) => JSON.stringify(s.const)).join(', ')}`;
  }
  const values = schema.anyOf ? alternatives(schema) : undefined;
  if (values) return `must be ${values.slice(0, -1).join(', ')} or ${values.at(-1)}`;
  if (Array.isArray(schema.enum)) return `must be one of ${schema.enum.map((v) => JSON.stringify(v)).join(', ')}`;
  if (typeof type === 'string') return `must be ${/^[aeiou]/.test(type) ? 'an' : 'a'} ${type}`;
  return undefined;
}

/** Picks the most telling issue: one about a named field wins over one about the whole object. */
function pickIssue(issues: SchemaIssue[]): SchemaIssue {
  const useful = issues.filter((i) => i.keyword !== 'boolean' && i.keyword !== 'const');
  return useful.find((i) => i.keyword === 'required' || i.keyword === 'additionalProperties')
    ?? useful.find((i) => i.instancePath !== '') ?? useful[0] ?? issues[0]!;
}

/** One message for the first problem in `issues`, using `schema` (the failing part's schema) for the bounds. */
export function validationMessage(issues: SchemaIssue[], schema: unknown, part: string): string {
  const issue = pickIssue(issues);
  const root = schema as JsonSchema | undefined;
  const params = issue.params ?? {};
  if (issue.keyword === 'required') {
    const missing = (params.requiredProperties as string[] | undefined)?.[0] ?? params.missingProperty;
    return `\`${[...issue.instancePath.split('/').filter(Boolean), missing].join('.')}\` is required`;
  }
  if (issue.keyword === 'additionalProperties') {
    const extra = (params.additionalProperties as string[] | string | undefined);
    const name = Array.isArray(extra) ? extra[0] : extra;
    return `unknown field \`${name}\` in the ${part}`;
  }
  const name = fieldName(issue.instancePath, `the ${part}`);
  const at = schemaAt(root, issue.instancePath);
  // A wrong type is reported as such, except for numbers, whose range message already says "an integer".
  const typeOnly = issue.keyword === 'type' && at?.minimum === undefined && typeof at?.type === 'string';
  const bounds = describeBounds(typeOnly ? { type: at.type } : at);
  if (bounds) return `${name} ${bounds}`;
  return `${name} ${issue.message ?? 'is invalid'}`;
}
