/**
 * Request validation by the route schemas (schemas.ts): the ajv compilers fastify uses, and
 * fastify's validation errors (`FST_ERR_VALIDATION`, `error.validation`) → a 400 naming the
 * field, what it takes and how to fix it.
 */
import AjvCompiler from '@fastify/ajv-compiler';
import type { FastifyInstance, FastifySchemaValidationError } from 'fastify';
import type { Schema } from './schemas.js';

/**
 * Query and path values arrive as strings and are coerced ("12" → 12, fastify's default); JSON
 * bodies carry real numbers and are not (`{"faceId": true}` or `["0.5"]` are refused, not read as
 * 1 and 0.5). Both report errors with their schema node and value (`verbose`), which the messages
 * are made from, and know `fix` as an annotation.
 */
export function installValidation(app: FastifyInstance): void {
  // One pool per server: ajv caches every schema it compiled for as long as it lives.
  const build = AjvCompiler();
  // Parameters a query schema does not list are refused (fastify's default strips them).
  // `finite`: ajv coerces "1e400" to Infinity and then skips its range checks (they apply to
  // finite numbers only), so a query's ?offset=1e400 would pass as Infinity.
  const finite = {
    // No `type`: ajv runs number keywords for finite numbers only.
    keyword: 'finite',
    schemaType: 'boolean' as const,
    errors: false as const,
    validate: (on: boolean, data: unknown) =>
      !on || typeof data !== 'number' || Number.isFinite(data),
  };
  const shared = { verbose: true, keywords: ['fix', finite], removeAdditional: false as const };
  const coercing = build({}, { customOptions: shared });
  const strict = build({}, { customOptions: { ...shared, coerceTypes: false } });
  app.setValidatorCompiler((route) =>
    (route.httpPart === 'body' ? strict : coercing)(route as Parameters<typeof strict>[0]),
  );
}

/**
 * An empty query value (`?limit=`) counts as left out, so its default applies. `token` is the
 * access check's (access.ts), not a route's.
 */
export function parseQuery(query: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = Object.create(null);
  for (const [key, value] of new URLSearchParams(query)) {
    if (value === '' || key === 'token') continue;
    const had = out[key];
    out[key] = had === undefined ? value : [...(Array.isArray(had) ? had : [had]), value];
  }
  return out;
}

/** ajv's error with `verbose`: the schema node holding the failed keyword and the value. */
interface VerboseError extends FastifySchemaValidationError {
  parentSchema?: Schema;
  data?: unknown;
}

const ROOT_NAMES: Record<string, string> = {
  body: 'the body',
  querystring: 'the query',
  params: 'the path',
  headers: 'the headers',
};

/** "/embeddings/1/3" → "embeddings[1][3]". */
function fieldName(instancePath: string): string {
  return instancePath
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s, i) => (/^\d+$/.test(s) ? `[${s}]` : i === 0 ? s : `.${s}`))
    .join('');
}

/** A value as a message shows it: JSON, cut short (an embedding has hundreds of characters). */
function shown(value: unknown): string {
  // Infinity (a coerced "1e400") would show as null.
  const s =
    typeof value === 'number' && !Number.isFinite(value) ? String(value) : JSON.stringify(value);
  if (s === undefined) return 'nothing';
  return s.length > 60 ? `${s.slice(0, 57)}…` : s;
}

/**
 * fastify's validation error → the message and fix of its 400: the message names the field and
 * what it takes, the fix comes from the field's schema. Of several errors (a failed `oneOf` lists
 * its branches' first), the `oneOf` is the one to tell: "exactly one of faceId and embedding".
 */
export function describeValidation(
  errors: readonly FastifySchemaValidationError[],
  context: string | undefined,
): { message: string; fix?: string } {
  const root = ROOT_NAMES[context ?? ''] ?? 'the request';
  const all = errors as readonly VerboseError[];
  const e = all.find((x) => x.keyword === 'oneOf') ?? all[0];
  if (e === undefined) return { message: `${root} is not valid` };
  const node = e.parentSchema ?? {};
  const at = (path: string) => (path === '' ? root : fieldName(path));
  if (e.keyword === 'required') {
    const missing = String(e.params.missingProperty);
    const schema = (node.properties as Record<string, Schema> | undefined)?.[missing];
    const name = schema?.title ?? at(`${e.instancePath}/${missing}`);
    return { message: `${name} is required`, fix: schema?.fix ?? node.fix };
  }
  if (e.keyword === 'additionalProperties') {
    const extra = String(e.params.additionalProperty);
    const known = Object.keys((node.properties as Record<string, Schema> | undefined) ?? {});
    return {
      message: `${shown(extra)} is not a parameter of ${root === 'the query' ? 'this endpoint' : root}; it takes ${known.join(', ')}`,
      fix: node.fix,
    };
  }
  const name = node.title ?? at(e.instancePath);
  // A node without a description is an omission in schemas.ts; ajv's own words still name the rule.
  const what = node.description ?? `valid (${e.message ?? e.keyword})`;
  return { message: `${name} must be ${what}, got ${shown(e.data)}`, fix: node.fix };
}
