import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deriveSeed, mulberry32, randomInt, requireSeed, shuffle } from './prng.js';

test('mulberry32(1) first value, traced by hand', () => {
  // state = 1 + 0x6d2b79f5 = 0x6d2b79f6
  // t ^ (t >>> 15) = 0x6d2b79f6 ^ 0x0000da56 = 0x6d2ba3a0;  t | 1 = 0x6d2b79f7
  // imul(0x6d2ba3a0, 0x6d2b79f7) mod 2^32 = 0x91517f60
  // imul(t ^ (t >>> 7), t | 61) = 0xa0829826;  t ^= t + that -> 0xa08568e6
  // (t ^ (t >>> 14)) >>> 0 = 0xa087eaf3 = 2693262067;  / 2^32 = 0.6270739405881613
  const r = mulberry32(1);
  assert.equal(r(), 2693262067 / 4294967296);
  assert.equal(r(), 0.002735721180215478);
  assert.equal(r(), 0.5274470399599522);
  assert.equal(mulberry32(0)(), 0.26642920868471265);
});

test('same seed, same stream; values in [0, 1)', () => {
  const a = mulberry32(42);
  const b = mulberry32(42);
  for (let i = 0; i < 1000; i++) {
    const x = a();
    assert.equal(x, b());
    assert.ok(x >= 0 && x < 1);
  }
  assert.notEqual(mulberry32(43)(), mulberry32(42)());
});

test('randomInt covers [0, n) about evenly', () => {
  const r = mulberry32(7);
  const counts = [0, 0, 0, 0];
  for (let i = 0; i < 4000; i++) counts[randomInt(r, 4)]++;
  for (const c of counts) assert.ok(c > 900 && c < 1100, String(counts));
});

test('seeds are validated; derived seeds differ by purpose and are stable', () => {
  for (const bad of [-1, 1.5, 2 ** 32, NaN, '1' as unknown as number])
    assert.throws(() => requireSeed(bad), { code: 'E_BAD_OPTION' });
  assert.equal(requireSeed(0xffffffff), 4294967295);
  // FNV-1a of "1:train", by the standard constants.
  let h = 0x811c9dc5;
  for (const c of '1:train') h = Math.imul(h ^ c.charCodeAt(0), 0x01000193);
  assert.equal(deriveSeed(1, 'train'), h >>> 0);
  assert.notEqual(deriveSeed(1, 'train'), deriveSeed(1, 'test'));
  assert.notEqual(deriveSeed(1, 'train'), deriveSeed(2, 'train'));
});

test('shuffle permutes in place, reproducibly', () => {
  // Fisher-Yates with a scripted rng: i=3: j=floor(0.5*4)=2 -> [a,b,d,c]; i=2: j=floor(0*3)=0 -> [d,b,a,c];
  // i=1: j=floor(0.9*2)=1 -> unchanged.
  const seq = [0.5, 0, 0.9];
  let k = 0;
  assert.deepEqual(
    shuffle(['a', 'b', 'c', 'd'], () => seq[k++]),
    ['d', 'b', 'a', 'c'],
  );
  const x = shuffle([1, 2, 3, 4, 5, 6], mulberry32(3));
  assert.deepEqual(x, shuffle([1, 2, 3, 4, 5, 6], mulberry32(3)));
  assert.deepEqual([...x].sort(), [1, 2, 3, 4, 5, 6]);
});
