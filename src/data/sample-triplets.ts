import { ExprsimError } from '../core/errors.js';
import type { LabelledImage } from './labelled.js';
import { randomInt, type Rng } from '../core/prng.js';
import type { TripletRow } from './triplet-file.js';

export interface SampleTripletsOptions {
  count: number;
  rng: Rng;
  /** The `source` written in each row. */
  source: string;
  /**
   * Anchor and positive from different subjects (images need a subject): the pair then shares
   * an expression, not a face, as in the cross-domain dev sets. Default false.
   */
  crossSubject?: boolean;
}

export interface SampleTripletsResult {
  rows: TripletRow[];
  requested: number;
  /** Distinct triplets the images allow ({a,p} unordered): sum over labels of C(n,2) * (N - n). */
  possible: number;
  /** requested - written: the set was too small, or duplicates kept being drawn. */
  shortfall: number;
  /** Ordered (two-image label, odd label) pairs sampled from. */
  labelPairs: number;
}

/**
 * FEC-style two-class triplets from labels: two faces of one label (anchor, positive) and one of
 * another (negative, the known odd one out), agreement 1.
 *
 * Balance: each draw picks an ordered label pair (L for a/p, M != L for n) uniformly among the
 * pairs where L has two or more images, then images uniformly within the labels (a != p). So
 * rare labels (FER2013's disgust) appear as often as common ones (happy), as FEC's triplets
 * are not dominated by one expression either. Per draw: pair, a, p, n = four rng calls.
 *
 * Triplets are distinct ({a,p} unordered, since a and p play the same role): a repeat is drawn
 * again, up to 50 draws per triplet; a set too small for `count` gives fewer, reported as
 * `shortfall`. Images are grouped by label in sorted label order and sorted by key, so the result
 * depends on the seed and the set of images, not on the order of the input rows.
 */
export function sampleLabelTriplets(
  images: readonly LabelledImage[],
  options: SampleTripletsOptions,
): SampleTripletsResult {
  const { count, rng, source } = options;
  if (!Number.isInteger(count) || count < 0) {
    throw new ExprsimError(
      'E_BAD_OPTION',
      `triplet count must be a whole number >= 0, got ${String(count)}`,
      {
        input: `count=${String(count)}`,
      },
    );
  }
  const byLabel = new Map<string, string[]>();
  for (const im of images) {
    const list = byLabel.get(im.label) ?? [];
    list.push(im.key);
    byLabel.set(im.label, list);
  }
  const subjectOf = new Map<string, string | undefined>();
  if (options.crossSubject === true) {
    for (const im of images) {
      if (im.subject === undefined) {
        throw new ExprsimError('E_DATA_FORMAT', `${im.key} has no subject`, {
          input: im.key,
          option: 'crossSubject',
          fix: 'give the labels a subject column, or leave `crossSubject` off',
        });
      }
      subjectOf.set(im.key, im.subject);
    }
  }
  const labels = [...byLabel.keys()].sort();
  for (const l of labels) byLabel.get(l)?.sort();
  const total = images.length;
  const pairs: [string[], string[]][] = [];
  let possible = 0;
  for (const l of labels) {
    const a = byLabel.get(l) as string[];
    if (a.length < 2) continue;
    possible += ((a.length * (a.length - 1)) / 2) * (total - a.length);
    for (const m of labels) if (m !== l) pairs.push([a, byLabel.get(m) as string[]]);
  }
  const rows: TripletRow[] = [];
  const result = (): SampleTripletsResult => ({
    rows,
    requested: count,
    possible,
    shortfall: count - rows.length,
    labelPairs: pairs.length,
  });
  if (count === 0) return result();
  if (pairs.length === 0) {
    throw new ExprsimError(
      'E_DATA_FORMAT',
      `cannot make two-class triplets from ${total} image${total === 1 ? '' : 's'} in ${labels.length} label${labels.length === 1 ? '' : 's'}: ` +
        'need two labels, one of them with at least two images',
      { fix: 'check the labels and the split (every split needs at least two labels)' },
    );
  }
  const target = Math.min(count, possible);
  const seen = new Set<string>();
  const maxDraws = Math.max(1000, target * 50);
  for (let draws = 0; rows.length < target && draws < maxDraws; draws++) {
    const [same, other] = pairs[randomInt(rng, pairs.length)];
    const i = randomInt(rng, same.length);
    let j = randomInt(rng, same.length - 1);
    if (j >= i) j++;
    const n = other[randomInt(rng, other.length)];
    const a = same[i];
    const p = same[j];
    if (options.crossSubject === true && subjectOf.get(a) === subjectOf.get(p)) continue;
    const key = a < p ? `${a}\n${p}\n${n}` : `${p}\n${a}\n${n}`;
    if (seen.has(key)) continue;
    seen.add(key);
    rows.push({ a, p, n, type: 'TWO_CLASS_TRIPLET', agreement: 1, source });
  }
  return result();
}
