import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Embedder } from '../embed/embedders.js';
import { evaluateEmbedder, type EvalData } from './evaluate.js';

/** 1-d embeddings by key: happy faces near 0, sad faces near 10. */
const VALUE: Record<string, number> = { h1: 0, h2: 1, h3: 2, s1: 10, s2: 11, s3: 12 };

function embedder(has?: (key: string) => boolean): Embedder {
  return {
    name: 'fixture',
    info: {},
    keyFor: (_s, k) => k,
    has,
    embed: (keys) =>
      Promise.resolve({ data: Float32Array.from(keys.map((k) => VALUE[k])), dim: 1 }),
    dispose: () => undefined,
  };
}

const data: EvalData = {
  dir: 'fixture',
  split: 'test',
  rows: [
    { a: 'h1', p: 'h2', n: 's1', type: 'TWO_CLASS_TRIPLET', agreement: 1, source: 'x' },
    { a: 's1', p: 's2', n: 'h3', type: 'TWO_CLASS_TRIPLET', agreement: 1, source: 'x' },
  ],
  resolve: (_s, k) => k,
  labelled: ['h1', 'h2', 'h3', 's1', 's2', 's3'].map((key) => ({
    source: 'x',
    key,
    label: key[0],
  })),
};

test('retrieval runs over every labelled image when the embedder has them all', async () => {
  const r = await evaluateEmbedder(embedder(), data, { bootstrap: { resamples: 10 } });
  assert.equal(r.tripletAccuracy.accuracy, 1);
  assert.equal(r.retrieval?.images, 6);
  assert.equal(r.retrievalNote, undefined);
});

test('labelled images a feature cache lacks are left out of retrieval, and the result says so', async () => {
  let seen: { key: string; row: number }[] | undefined;
  let keys: readonly string[] = [];
  const r = await evaluateEmbedder(
    embedder((k) => k !== 's3' && k !== 'h3'),
    data,
    {
      bootstrap: { resamples: 10 },
      onEmbeddings: (e) => {
        seen = e.labelled;
        keys = e.keys;
      },
    },
  );
  // The embeddings handed on list the labelled images retrieval used, each at its own row.
  assert.deepEqual(
    seen?.map((im) => im.key),
    ['h1', 'h2', 's1', 's2'],
  );
  for (const im of seen ?? []) assert.equal(keys[im.row], im.key);
  assert.equal(r.tripletAccuracy.accuracy, 1, 'triplet scoring is unchanged');
  assert.equal(r.retrieval?.images, 4);
  assert.match(r.retrievalNote ?? '', /^2 of the split's 6 labelled images/);
  // Nearest neighbour of each remaining image has its label: precision@1 = 1.
  assert.equal(r.retrieval?.precisionAt[1], 1);
});
