import { mulberry32 } from '../core/prng.js';
import { DEFAULT_TSNE as D } from './defaults.js';

/**
 * Exact t-SNE (van der Maaten & Hinton, "Visualizing Data using t-SNE", JMLR 2008) for the
 * report's 2-D maps of test embeddings: O(n²) memory and time per iteration, meant for at most a
 * few thousand points (the experiment runner stores ≤ 1,500 per run).
 *
 * 1. Conditional probabilities p(j|i) ∝ exp(−β_i ‖x_i − x_j‖²), β_i found by bisection so that
 *    the row's perplexity exp(H(P_i)) (H in nats) equals the requested perplexity.
 * 2. Joint probabilities P_ij = (p(j|i) + p(i|j)) / 2n.
 * 3. 2-D points y, Student-t similarities Q_ij = (1 + ‖y_i − y_j‖²)⁻¹ / Σ_{k≠l} (1 + ‖y_k − y_l‖²)⁻¹,
 *    gradient descent on KL(P ‖ Q): ∂C/∂y_i = 4 Σ_j (P_ij − Q_ij)(y_i − y_j)(1 + ‖y_i − y_j‖²)⁻¹,
 *    with momentum (0.5, then 0.8), per-coordinate adaptive gains (+0.2 / ×0.8, at least 0.01) and
 *    early exaggeration (P × 12 for the first 250 iterations), the usual schedule.
 *
 * Seeded: the start is N(0, 10⁻⁴ I) from mulberry32(seed), so the same input and seed give the
 * same map on every machine.
 */

export interface TsneOptions {
  /** Effective number of neighbours; default 30, capped at (n − 1) / 3. */
  perplexity?: number;
  /** Gradient-descent iterations; default 1000. */
  iterations?: number;
  /** Seeds the starting layout; default 1. */
  seed?: number;
  /** Default max(n / exaggeration / 4, 50) (Belkina et al. 2019, scikit-learn's 'auto'). */
  learningRate?: number;
  /** Default 12. */
  earlyExaggeration?: number;
  /** Iterations with exaggerated P (and momentum 0.5); default 250. */
  exaggerationIterations?: number;
}

export interface TsneResult {
  /** n × 2, row-major. */
  y: Float64Array;
  /** KL(P ‖ Q) of the final layout. */
  kl: number;
  /** The perplexity used (after capping). */
  perplexity: number;
}

/** Squared Euclidean distances between the n rows of `x` (n × dim), n × n. */
export function squaredDistances(x: ArrayLike<number>, n: number, dim: number): Float64Array {
  const d = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      let s = 0;
      for (let k = 0; k < dim; k++) {
        const t = x[i * dim + k] - x[j * dim + k];
        s += t * t;
      }
      d[i * n + j] = s;
      d[j * n + i] = s;
    }
  }
  return d;
}

/**
 * Row-wise conditional probabilities p(j|i) (row i, column j; the diagonal is 0) with each row's
 * perplexity calibrated to `perplexity` by bisection on β_i = 1 / 2σ_i². Needs 1 ≤ perplexity <
 * n − 1 (a row over n − 1 neighbours cannot be more spread out than uniform).
 */
export function conditionalProbabilities(
  d2: Float64Array,
  n: number,
  perplexity: number,
  tolerance = 1e-6,
  maxSteps = 200,
): { p: Float64Array; beta: Float64Array } {
  if (!(perplexity >= 1) || !(perplexity < n - 1)) {
    throw new RangeError(`perplexity must be in [1, n − 1) = [1, ${n - 1}), got ${perplexity}`);
  }
  const target = Math.log(perplexity);
  const p = new Float64Array(n * n);
  const beta = new Float64Array(n);
  const row = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    // Distances shifted by the row's smallest, so exp never underflows to all zeros.
    let dmin = Infinity;
    for (let j = 0; j < n; j++) if (j !== i && d2[i * n + j] < dmin) dmin = d2[i * n + j];
    let b = 1;
    let lo = 0;
    let hi = Infinity;
    let sum = 0;
    for (let step = 0; step < maxSteps; step++) {
      sum = 0;
      let weighted = 0;
      for (let j = 0; j < n; j++) {
        if (j === i) {
          row[j] = 0;
          continue;
        }
        const dj = d2[i * n + j] - dmin;
        const v = Math.exp(-b * dj);
        row[j] = v;
        sum += v;
        weighted += dj * v;
      }
      // H = log Σ_j e^{−β d_j} + β Σ_j d_j p_j  (nats), with d shifted by dmin.
      const h = Math.log(sum) + (b * weighted) / sum;
      const diff = h - target;
      if (Math.abs(diff) < tolerance) break;
      if (diff > 0) {
        lo = b; // too spread out: sharpen
        b = hi === Infinity ? b * 2 : (b + hi) / 2;
      } else {
        hi = b;
        b = (b + lo) / 2;
      }
    }
    beta[i] = b;
    for (let j = 0; j < n; j++) p[i * n + j] = row[j] / sum;
  }
  return { p, beta };
}

/** P_ij = (p(j|i) + p(i|j)) / 2n: symmetric, sums to 1. */
export function jointProbabilities(cond: Float64Array, n: number): Float64Array {
  const p = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const v = (cond[i * n + j] + cond[j * n + i]) / (2 * n);
      p[i * n + j] = v;
      p[j * n + i] = v;
    }
  }
  return p;
}

/**
 * The gradient of KL(exaggeration·P ‖ Q) with respect to the n × 2 layout `y`, into `grad`;
 * returns Z = Σ_{k≠l} (1 + ‖y_k − y_l‖²)⁻¹ (Q's normaliser). One pass over the pairs: with
 * w_ij = (1 + ‖y_i − y_j‖²)⁻¹ and Q_ij = w_ij / Z, ∂C/∂y_i = 4 (Σ_j P_ij w_ij (y_i − y_j) −
 * Σ_j w_ij² (y_i − y_j) / Z), so the attractive and repulsive sums are gathered separately and
 * combined once Z is known. `scratch` (2n values) holds the repulsive sums.
 */
export function klGradient(
  p: Float64Array,
  y: Float64Array,
  n: number,
  grad: Float64Array,
  exaggeration = 1,
  scratch: Float64Array = new Float64Array(2 * n),
): number {
  const rep = scratch;
  grad.fill(0);
  rep.fill(0);
  let z = 0;
  for (let i = 0; i < n; i++) {
    const xi = y[2 * i];
    const yi = y[2 * i + 1];
    const row = i * n;
    let ax = 0;
    let ay = 0;
    let rx = 0;
    let ry = 0;
    for (let j = i + 1; j < n; j++) {
      const dx = xi - y[2 * j];
      const dy = yi - y[2 * j + 1];
      const w = 1 / (1 + dx * dx + dy * dy);
      z += 2 * w;
      const a = p[row + j] * w;
      const r = w * w;
      ax += a * dx;
      ay += a * dy;
      rx += r * dx;
      ry += r * dy;
      grad[2 * j] -= a * dx;
      grad[2 * j + 1] -= a * dy;
      rep[2 * j] -= r * dx;
      rep[2 * j + 1] -= r * dy;
    }
    grad[2 * i] += ax;
    grad[2 * i + 1] += ay;
    rep[2 * i] += rx;
    rep[2 * i + 1] += ry;
  }
  for (let k = 0; k < 2 * n; k++) grad[k] = 4 * (exaggeration * grad[k] - rep[k] / z);
  return z;
}

/** KL(P ‖ Q) of the layout `y` (terms with P_ij = 0 contribute 0). */
export function klDivergence(p: Float64Array, y: Float64Array, n: number): number {
  let sumQ = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const dx = y[2 * i] - y[2 * j];
      const dy = y[2 * i + 1] - y[2 * j + 1];
      sumQ += 2 / (1 + dx * dx + dy * dy);
    }
  }
  let kl = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const pij = p[i * n + j];
      if (i === j || pij <= 0) continue;
      const dx = y[2 * i] - y[2 * j];
      const dy = y[2 * i + 1] - y[2 * j + 1];
      const q = 1 / (1 + dx * dx + dy * dy) / sumQ;
      kl += pij * Math.log(pij / Math.max(q, 1e-300));
    }
  }
  return kl;
}

/** Standard normal draws from a uniform generator (Box–Muller). */
function gaussian(rng: () => number): () => number {
  let spare: number | undefined;
  return () => {
    if (spare !== undefined) {
      const s = spare;
      spare = undefined;
      return s;
    }
    const u = 1 - rng(); // (0, 1]
    const v = rng();
    const r = Math.sqrt(-2 * Math.log(u));
    spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  };
}

/** A 2-D t-SNE layout of the n rows of `x` (n × dim). */
export function tsne(
  x: ArrayLike<number>,
  n: number,
  dim: number,
  options: TsneOptions = {},
): TsneResult {
  if (x.length !== n * dim) throw new RangeError(`x has ${x.length} values, not ${n} × ${dim}`);
  const y = new Float64Array(2 * n);
  if (n < 3) {
    // Nothing to lay out: one point at the origin, two a unit apart.
    if (n === 2) y[2] = 1;
    return { y, kl: 0, perplexity: 0 };
  }
  const perplexity = Math.max(1, Math.min(options.perplexity ?? D.perplexity, (n - 1) / 3));
  const iterations = options.iterations ?? D.iterations;
  const exaggeration = options.earlyExaggeration ?? D.earlyExaggeration;
  const exaggerated = options.exaggerationIterations ?? D.exaggerationIterations;
  const lr = options.learningRate ?? Math.max(n / exaggeration / 4, 50);
  const p = jointProbabilities(
    conditionalProbabilities(squaredDistances(x, n, dim), n, perplexity).p,
    n,
  );
  const normal = gaussian(mulberry32(options.seed ?? D.seed));
  for (let k = 0; k < 2 * n; k++) y[k] = 1e-4 * normal();
  const grad = new Float64Array(2 * n);
  const update = new Float64Array(2 * n);
  const gains = new Float64Array(2 * n).fill(1);
  const scratch = new Float64Array(2 * n);
  for (let it = 0; it < iterations; it++) {
    const early = it < exaggerated;
    klGradient(p, y, n, grad, early ? exaggeration : 1, scratch);
    const momentum = early ? 0.5 : 0.8;
    for (let k = 0; k < 2 * n; k++) {
      // Grow the gain while the gradient keeps pointing against the last update's direction.
      gains[k] = Math.sign(grad[k]) !== Math.sign(update[k]) ? gains[k] + 0.2 : gains[k] * 0.8;
      if (gains[k] < 0.01) gains[k] = 0.01;
      update[k] = momentum * update[k] - lr * gains[k] * grad[k];
      y[k] += update[k];
    }
    // Keep the layout centred (KL is translation invariant; this keeps numbers small).
    let mx = 0;
    let my = 0;
    for (let i = 0; i < n; i++) {
      mx += y[2 * i];
      my += y[2 * i + 1];
    }
    mx /= n;
    my /= n;
    for (let i = 0; i < n; i++) {
      y[2 * i] -= mx;
      y[2 * i + 1] -= my;
    }
  }
  return { y, kl: klDivergence(p, y, n), perplexity };
}
