// The route schemas are part of the API's error messages: every node a request can fail on says
// what it takes and how to fix it. And the query parser the schemas read from.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BY_PATH_QUERY,
  FLOAT32_MAX,
  PHOTOS_QUERY,
  embeddingSchema,
  idParams,
  oddOneOutBody,
  searchBody,
  type Schema,
} from './schemas.js';
import { parseQuery } from './validation.js';

/** Every node with a `type`, with its place for the assertion messages. */
function typedNodes(schema: Schema, at = '#'): [string, Schema][] {
  const out: [string, Schema][] = schema.type === undefined ? [] : [[at, schema]];
  const props = (schema.properties ?? {}) as Record<string, Schema>;
  for (const [k, v] of Object.entries(props)) out.push(...typedNodes(v, `${at}/properties/${k}`));
  if (schema.items !== undefined) out.push(...typedNodes(schema.items as Schema, `${at}/items`));
  return out;
}

test('every schema node says what it takes and how to fix it', () => {
  const schemas: [string, Schema][] = [
    ['photos query', PHOTOS_QUERY],
    ['by-path query', BY_PATH_QUERY],
    ['id params', idParams('face id')],
    ['search body', searchBody(16)],
    ['search body, no model', searchBody()],
    ['odd-one-out body', oddOneOutBody(16)],
    ['odd-one-out body, no model', oddOneOutBody()],
  ];
  let nodes = 0;
  for (const [name, schema] of schemas) {
    for (const [at, node] of typedNodes(schema)) {
      nodes++;
      assert.ok(node.description && node.description.length > 3, `${name} ${at}: description`);
      assert.ok(node.fix && node.fix.length > 3, `${name} ${at}: fix`);
    }
  }
  assert.ok(nodes >= 25, `${nodes} nodes`);
});

test('embeddings: the size when the model is known, float32 range always', () => {
  const sized = embeddingSchema(16);
  assert.deepEqual([sized.minItems, sized.maxItems], [16, 16]);
  const open = embeddingSchema();
  assert.deepEqual([open.minItems, open.maxItems], [1, 4096]);
  const item = open.items as Schema;
  assert.equal(item.maximum, FLOAT32_MAX);
  assert.equal(item.minimum, -FLOAT32_MAX);
  // FLOAT32_MAX survives the conversion to float32; 1e39 becomes Infinity.
  assert.equal(Math.fround(FLOAT32_MAX), FLOAT32_MAX);
  assert.equal(Math.fround(1e39), Infinity);
});

test('parseQuery: empty values count as left out, repeated keys become lists', () => {
  assert.deepEqual({ ...parseQuery('limit=&offset=3&status=') }, { offset: '3' });
  assert.deepEqual({ ...parseQuery('a=1&a=2&a=3&b=x%20y') }, { a: ['1', '2', '3'], b: 'x y' });
  // No prototype: "__proto__" is a key like any other, not a way to change the object.
  const q = parseQuery('__proto__=1&constructor=2');
  assert.equal(Object.getPrototypeOf(q), null);
  assert.equal(q.__proto__, '1');
  assert.equal(q.constructor, '2');
});
