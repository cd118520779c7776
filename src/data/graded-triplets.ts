import { ExprsimError } from '../core/errors.js';
import { randomInt, type Rng } from '../core/prng.js';
import type { FecTripletType } from './fec-row.js';
import type { TripletRow } from './triplet-file.js';

/**
 * Graded triplets: three faces whose odd one out follows from their raters' vote distributions,
 * not from hard labels. Works on any vote counts (FER+ gives eight emotions, ten raters).
 */
export interface GradedFace {
  key: string;
  /** Votes per category; their sum is the face's number of (counted) votes, > 0. */
  counts: readonly number[];
  /** The category with strictly the most votes, or -1 when the top is tied. */
  majority: number;
}

/** Floating-point slack for threshold comparisons (distances are ratios of small integers). */
const EPS = 1e-9;

/** The category with strictly the most votes, or -1 when two or more share the top. */
export function majorityOf(counts: readonly number[]): number {
  let best = -1;
  let top = -1;
  let tied = false;
  counts.forEach((c, i) => {
    if (c > top) {
      top = c;
      best = i;
      tied = false;
    } else if (c === top) tied = true;
  });
  return tied || top <= 0 ? -1 : best;
}

/** Votes as fractions of the face's votes (all zero when it has none). */
export function voteDistribution(counts: readonly number[]): number[] {
  const total = counts.reduce((s, c) => s + c, 0);
  return counts.map((c) => (total === 0 ? 0 : c / total));
}

/**
 * Total-variation distance between two faces' vote distributions: half the L1 distance, the
 * share of votes that would have to change for one face's distribution to become the other's.
 * In [0, 1]; 0 for the same distribution, 1 for faces with no category in common.
 *
 * Why total variation and not Jensen–Shannon or KL: with ten raters every vote is a tenth, and
 * TV is linear in votes, so one stray vote moves a distance by exactly one vote's share, whereas
 * JS and KL weigh a category with one vote against none as a large difference; TV is also a
 * metric (the triangle inequality bounds how far the three distances of a triple can disagree).
 * Computed on the integer counts (|a·B − b·A| / 2AB) so equal distances compare equal.
 */
export function voteDistance(a: readonly number[], b: readonly number[]): number {
  const ta = a.reduce((s, c) => s + c, 0);
  const tb = b.reduce((s, c) => s + c, 0);
  if (ta <= 0 || tb <= 0 || a.length !== b.length) {
    throw new ExprsimError(
      'E_DATA_FORMAT',
      'vote distance needs two faces with votes over the same categories',
      {
        input: `[${a.join(',')}] vs [${b.join(',')}]`,
      },
    );
  }
  let num = 0;
  for (let i = 0; i < a.length; i++) num += Math.abs(a[i] * tb - b[i] * ta);
  return num / (2 * ta * tb);
}

/** The odd one out of three faces by the rule, with the distances it came from. */
export interface GradedJudgement {
  /** Indices (0..2) into the three faces: the closest pair, then the odd one. */
  anchor: number;
  positive: number;
  negative: number;
  /** The three pairwise distances, ascending. */
  distances: [number, number, number];
  /** Second-smallest distance − smallest: how clearly the closest pair is closest. */
  margin: number;
}

/**
 * The rule: of the three pairwise distances, the closest pair is the anchor and positive (in the
 * order given) and the third face is the odd one out; `margin` = next distance − closest. The
 * closest pair is clearly closest when margin ≥ a threshold (see gradeTriple's caller).
 */
export function judgeTriple(faces: readonly [GradedFace, GradedFace, GradedFace]): GradedJudgement {
  const [x, y, z] = faces;
  const pairs: { d: number; a: number; p: number; n: number }[] = [
    { d: voteDistance(x.counts, y.counts), a: 0, p: 1, n: 2 },
    { d: voteDistance(x.counts, z.counts), a: 0, p: 2, n: 1 },
    { d: voteDistance(y.counts, z.counts), a: 1, p: 2, n: 0 },
  ];
  // Stable sort: among equal distances the first pair wins, but then margin is 0 and a caller
  // with a positive threshold drops the triple.
  pairs.sort((u, v) => u.d - v.d);
  const [c, next, far] = pairs;
  return {
    anchor: c.a,
    positive: c.p,
    negative: c.n,
    distances: [c.d, next.d, far.d],
    margin: next.d - c.d,
  };
}

/**
 * FEC's triplet type from the faces' majority categories: ONE_CLASS when all three share one;
 * else TWO or THREE by the number of distinct majorities, where a face with a tied top counts
 * as a class of its own (it has no majority to share, so the type never claims more agreement
 * than the votes show).
 */
export function gradedTripletType(faces: readonly GradedFace[]): FecTripletType {
  const classes = new Set<string>();
  faces.forEach((f, i) => classes.add(f.majority >= 0 ? `m${f.majority}` : `tie${i}`));
  return classes.size === 1
    ? 'ONE_CLASS_TRIPLET'
    : classes.size === 2
      ? 'TWO_CLASS_TRIPLET'
      : 'THREE_CLASS_TRIPLET';
}

/** Margin (0..1) rounded for the file: distances are ratios of counts, 4 decimals keep them. */
function roundMargin(m: number): number {
  return Math.round(m * 1e4) / 1e4;
}

/** A triple as a row when it passes the rule, else undefined. */
export function gradeTriple(
  faces: readonly [GradedFace, GradedFace, GradedFace],
  minMargin: number,
  source: string,
): TripletRow | undefined {
  const j = judgeTriple(faces);
  if (!(j.margin > EPS) || j.margin < minMargin - EPS) return undefined;
  return {
    a: faces[j.anchor].key,
    p: faces[j.positive].key,
    n: faces[j.negative].key,
    type: gradedTripletType(faces),
    agreement: Math.min(1, roundMargin(j.margin)),
    source,
  };
}

export interface SampleGradedOptions {
  /** Triplets wanted in all. */
  count: number;
  /** Share of them that are one-class (all three faces share a majority), 0..1. */
  oneClassShare: number;
  /** Keep a triple only when its margin is at least this (total variation, 0..1). */
  minMargin: number;
  /** One stream per part (one-class, mixed): changing the share does not reshuffle the other. */
  rngOneClass: Rng;
  rngMixed: Rng;
  source: string;
}

/** What one part of the sampling did. */
export interface GradedPartStats {
  requested: number;
  written: number;
  /** Triples drawn in all, and those dropped because the closest pair was not clear enough. */
  draws: number;
  unclear: number;
  duplicates: number;
  shortfall: number;
}

export interface SampleGradedResult {
  /** One-class rows first, then mixed ones (the caller shuffles). */
  rows: TripletRow[];
  oneClass: GradedPartStats;
  mixed: GradedPartStats;
  types: Record<FecTripletType, number>;
}

function tripleKey(a: string, b: string, c: string): string {
  return [a, b, c].sort().join('\n');
}

/** Three distinct indices into [0, n). */
function threeOf(rng: Rng, n: number): [number, number, number] {
  const i = randomInt(rng, n);
  let j = randomInt(rng, n - 1);
  if (j >= i) j++;
  let k = randomInt(rng, n - 2);
  for (const x of [Math.min(i, j), Math.max(i, j)]) if (k >= x) k++;
  return [i, j, k];
}

/**
 * Samples graded triplets from one split's faces (sorted by key by the caller, so the result
 * depends on the seed and the set of faces only).
 *
 * - One-class (`oneClassShare` of `count`): a majority class drawn in proportion to its faces
 *   (among classes with three or more), then three distinct faces of it; graded similarity
 *   inside one emotion, where hard labels cannot say which face is the odd one.
 * - Mixed (the rest): three distinct faces uniformly from all; a draw whose three faces share a
 *   majority is drawn again, so the one-class share is what was asked for.
 *
 * Both keep a draw only when the rule's margin is at least `minMargin`, and never the same
 * three faces twice (as a set: the rule fixes their roles). Each part stops after 200 draws per
 * wanted triplet (at least 10,000); a pool too small or too uniform gives fewer (`shortfall`).
 */
export function sampleGradedTriplets(
  faces: readonly GradedFace[],
  options: SampleGradedOptions,
): SampleGradedResult {
  const { count, oneClassShare, minMargin, source } = options;
  const oneTarget = Math.round(count * oneClassShare);
  const seen = new Set<string>();
  const rows: TripletRow[] = [];
  const types: Record<FecTripletType, number> = {
    ONE_CLASS_TRIPLET: 0,
    TWO_CLASS_TRIPLET: 0,
    THREE_CLASS_TRIPLET: 0,
  };
  const byClass = new Map<number, number[]>();
  faces.forEach((f, i) => {
    if (f.majority < 0) return;
    const list = byClass.get(f.majority) ?? [];
    list.push(i);
    byClass.set(f.majority, list);
  });
  // Faces whose class has three or more: drawing one of them uniformly picks its class in
  // proportion to the class's size.
  const eligible = [...byClass.values()].filter((l) => l.length >= 3).flat();

  const part = (
    target: number,
    draw: () => [number, number, number] | undefined,
  ): GradedPartStats => {
    const s: GradedPartStats = {
      requested: target,
      written: 0,
      draws: 0,
      unclear: 0,
      duplicates: 0,
      shortfall: 0,
    };
    const maxDraws = Math.max(10_000, target * 200);
    while (s.written < target && s.draws < maxDraws) {
      const t = draw();
      if (t === undefined) break;
      s.draws++;
      const three: [GradedFace, GradedFace, GradedFace] = [faces[t[0]], faces[t[1]], faces[t[2]]];
      const key = tripleKey(three[0].key, three[1].key, three[2].key);
      if (seen.has(key)) {
        s.duplicates++;
        continue;
      }
      const row = gradeTriple(three, minMargin, source);
      if (row === undefined) {
        s.unclear++;
        seen.add(key);
        continue;
      }
      seen.add(key);
      rows.push(row);
      types[row.type]++;
      s.written++;
    }
    s.shortfall = target - s.written;
    return s;
  };

  const r1 = options.rngOneClass;
  const oneClass = part(oneTarget, () => {
    if (eligible.length === 0) return undefined;
    const list = byClass.get(faces[eligible[randomInt(r1, eligible.length)]].majority) as number[];
    const t = threeOf(r1, list.length);
    return [list[t[0]], list[t[1]], list[t[2]]];
  });
  const r2 = options.rngMixed;
  const mixed = part(count - oneTarget, () => {
    if (faces.length < 3) return undefined;
    // A draw of three faces sharing a majority is one-class: draw again (bounded, since a pool
    // of one class only would loop forever).
    for (let tries = 0; tries < 1000; tries++) {
      const t = threeOf(r2, faces.length);
      const m = faces[t[0]].majority;
      if (m < 0 || faces[t[1]].majority !== m || faces[t[2]].majority !== m) return t;
    }
    return undefined;
  });
  return { rows, oneClass, mixed, types };
}
