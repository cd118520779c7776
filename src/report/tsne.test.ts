import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mulberry32 } from '../core/prng.js';
import {
  conditionalProbabilities,
  jointProbabilities,
  klDivergence,
  klGradient,
  squaredDistances,
  tsne,
} from './tsne.js';

const close = (a: number, b: number, tol: number, what: string) =>
  assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b}`);

// Three points on a line, x = 0, 1, 3: squared distances d01 = 1, d02 = 9, d12 = 4. With
// perplexity 1.5 each row has two neighbours, p(near) = 1 / (1 + exp(−β Δd)), and the row's
// entropy must be ln 1.5 nats. The binary entropy h(p) = ln 1.5 has the root p = 0.8597234930
// (by hand: h(0.85) = 0.4227 > 0.4055 > h(0.86) = 0.4050, then bisection), so in every row the
// nearer neighbour gets 0.8597235 and the farther 0.1402765, and β Δd = ln(p / (1 − p)) =
// 1.8129953 with Δd = 8, 3 and 5 for rows 0, 1, 2.
const P_NEAR = 0.859723493;
const LOGIT = 1.812995293;

test('squared distances by hand', () => {
  const d = squaredDistances([0, 1, 3], 3, 1);
  assert.deepEqual([...d], [0, 1, 9, 1, 0, 4, 9, 4, 0]);
  assert.deepEqual([...squaredDistances([0, 0, 3, 4], 2, 2)], [0, 25, 25, 0]);
});

test('perplexity-calibrated conditional probabilities match the hand computation', () => {
  const { p, beta } = conditionalProbabilities(squaredDistances([0, 1, 3], 3, 1), 3, 1.5);
  const row = (i: number) => [...p.slice(3 * i, 3 * i + 3)];
  const expect = [
    [0, P_NEAR, 1 - P_NEAR],
    [P_NEAR, 0, 1 - P_NEAR],
    [1 - P_NEAR, P_NEAR, 0],
  ];
  for (let i = 0; i < 3; i++) {
    row(i).forEach((v, j) => close(v, expect[i][j], 1e-6, `p(${j}|${i})`));
  }
  close(beta[0], LOGIT / 8, 1e-6, 'β0');
  close(beta[1], LOGIT / 3, 1e-6, 'β1');
  close(beta[2], LOGIT / 5, 1e-6, 'β2');
  // Each row's perplexity exp(H) is the one asked for.
  for (let i = 0; i < 3; i++) {
    const h = -row(i)
      .filter((v) => v > 0)
      .reduce((s, v) => s + v * Math.log(v), 0);
    close(Math.exp(h), 1.5, 1e-5, `perplexity of row ${i}`);
  }
  assert.throws(() => conditionalProbabilities(new Float64Array(9), 3, 2), RangeError);
});

test('joint probabilities symmetrise and sum to 1 (by hand)', () => {
  const cond = conditionalProbabilities(squaredDistances([0, 1, 3], 3, 1), 3, 1.5).p;
  const p = jointProbabilities(cond, 3);
  // P01 = (p(1|0) + p(0|1)) / 6, P02 = (p(2|0) + p(0|2)) / 6, P12 = (p(2|1) + p(1|2)) / 6 = 1/6.
  close(p[1], (2 * P_NEAR) / 6, 1e-7, 'P01');
  close(p[2], (2 * (1 - P_NEAR)) / 6, 1e-7, 'P02');
  close(p[5], 1 / 6, 1e-7, 'P12');
  close(p[3], p[1], 0, 'symmetric');
  close(
    p.reduce((s, v) => s + v, 0),
    1,
    1e-12,
    'sum',
  );
});

test('the KL gradient equals finite differences of the KL divergence', () => {
  const n = 6;
  const rng = mulberry32(5);
  const x = Array.from({ length: n * 3 }, () => rng());
  const p = jointProbabilities(conditionalProbabilities(squaredDistances(x, n, 3), n, 2).p, n);
  const y = Float64Array.from({ length: 2 * n }, () => rng() * 2 - 1);
  const grad = new Float64Array(2 * n);
  klGradient(p, y, n, grad);
  const h = 1e-6;
  for (let k = 0; k < 2 * n; k++) {
    const yp = Float64Array.from(y);
    const ym = Float64Array.from(y);
    yp[k] += h;
    ym[k] -= h;
    const numeric = (klDivergence(p, yp, n) - klDivergence(p, ym, n)) / (2 * h);
    close(grad[k], numeric, 1e-6, `∂KL/∂y[${k}]`);
  }
});

test('well-separated clusters stay separated, and the map is seeded', () => {
  // Three clusters of 20 points in 16-d: centres 10 apart, noise 0.3 per coordinate.
  const rng = mulberry32(11);
  const dim = 16;
  const per = 20;
  const labels: number[] = [];
  const x: number[] = [];
  for (let c = 0; c < 3; c++) {
    for (let i = 0; i < per; i++) {
      labels.push(c);
      for (let k = 0; k < dim; k++) x.push((k === c ? 10 : 0) + (rng() - 0.5) * 0.6);
    }
  }
  const n = labels.length;
  const r = tsne(x, n, dim, { perplexity: 10, iterations: 1000, seed: 3 });
  assert.equal(r.perplexity, 10);
  assert.ok(Number.isFinite(r.kl) && r.kl >= 0, `KL ${r.kl}`);
  const centre = [0, 1, 2].map((c) => {
    const idx = labels.flatMap((l, i) => (l === c ? [i] : []));
    return [0, 1].map((a) => idx.reduce((s, i) => s + r.y[2 * i + a], 0) / idx.length);
  });
  const dist = (i: number, c: number[]) => Math.hypot(r.y[2 * i] - c[0], r.y[2 * i + 1] - c[1]);
  for (let i = 0; i < n; i++) {
    const own = dist(i, centre[labels[i]]);
    for (let c = 0; c < 3; c++) {
      if (c !== labels[i]) assert.ok(own < dist(i, centre[c]) / 3, `point ${i} near cluster ${c}`);
    }
  }
  // Same input and seed, same layout; another seed, another layout.
  assert.deepEqual(tsne(x, n, dim, { perplexity: 10, iterations: 1000, seed: 3 }).y, r.y);
  assert.notDeepEqual(tsne(x, n, dim, { perplexity: 10, iterations: 50, seed: 4 }).y, r.y);
});

test('tiny inputs: perplexity is capped, one or two points need no layout', () => {
  assert.deepEqual([...tsne([1, 2], 1, 2).y], [0, 0]);
  assert.deepEqual([...tsne([1, 2, 3, 4], 2, 2).y], [0, 0, 1, 0]);
  const r = tsne([0, 1, 5, 6, 10], 5, 1, { iterations: 50 });
  assert.equal(r.perplexity, 4 / 3);
  assert.ok(r.y.every(Number.isFinite));
});
