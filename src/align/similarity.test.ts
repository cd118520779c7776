import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applySimilarity, fitSimilarity, invertSimilarity, similarityScale } from './similarity.js';

const close = (a: number, b: number, eps = 1e-9) =>
  assert.ok(Math.abs(a - b) < eps, `${a} vs ${b}`);

test('fitSimilarity recovers an exact rotation + scale + shift', () => {
  // (0,0) -> (1,1) and (1,0) -> (1,3): rotate 90 degrees, scale 2, shift (1, 1): a = 0, b = 2.
  const t = fitSimilarity(
    [
      { x: 0, y: 0 },
      { x: 1, y: 0 },
    ],
    [
      { x: 1, y: 1 },
      { x: 1, y: 3 },
    ],
  );
  close(t.a, 0);
  close(t.b, 2);
  close(t.tx, 1);
  close(t.ty, 1);
  close(similarityScale(t), 2);
  const p = applySimilarity(t, { x: 0, y: 1 }); // (0,1) -> (-2, 0) + (1, 1)
  close(p.x, -1);
  close(p.y, 1);
  const back = applySimilarity(invertSimilarity(t), p);
  close(back.x, 0);
  close(back.y, 1);
});

test('fitSimilarity is the least-squares fit for inconsistent points', () => {
  // Source square corners (+-1, +-1); targets scaled by 2 except one pulled out to (3, 3).
  const src = [
    { x: -1, y: -1 },
    { x: 1, y: -1 },
    { x: 1, y: 1 },
    { x: -1, y: 1 },
  ];
  const dst = [
    { x: -2, y: -2 },
    { x: 2, y: -2 },
    { x: 3, y: 3 },
    { x: -2, y: 2 },
  ];
  const t = fitSimilarity(src, dst);
  // Target mean (0.25, 0.25); dot = sum(sx*(dx-0.25) + sy*(dy-0.25)) = 4+4+6+4 = 18 -> a = 18/8.
  // cross = sum(sx*dy' - sy*dx') = (2-2)+(-2+2)+(3-3)+(-2+2) = 0 -> b = 0.
  close(t.a, 18 / 8);
  close(t.b, 0);
  close(t.tx, 0.25);
  close(t.ty, 0.25);
});

test('fitSimilarity rejects too few or coincident points', () => {
  assert.throws(() => fitSimilarity([{ x: 0, y: 0 }], [{ x: 0, y: 0 }]), { code: 'E_BAD_OPTION' });
  assert.throws(
    () =>
      fitSimilarity(
        [
          { x: 1, y: 1 },
          { x: 1, y: 1 },
        ],
        [
          { x: 0, y: 0 },
          { x: 1, y: 0 },
        ],
      ),
    { code: 'E_BAD_OPTION' },
  );
});
