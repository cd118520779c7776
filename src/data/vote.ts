import { ExprsimError } from '../core/errors.js';
import { DEFAULT_LABEL_OPTIONS, TIE_RULES, type TieRule } from './defaults.js';
import type { FecAnnotation, FecFace, FecRating, FecRow, FecTripletType } from './fec-row.js';

/**
 * Majority vote over an FEC row's raters, and the (anchor, positive, negative) triplet it implies.
 *
 * Tie rule: when two or three images share the most votes (3 vs 3 of 6 raters, 2-2-2, 4-4-1…)
 * the raters did not agree on an odd one out, so by default the triplet is DROPPED and counted
 * as a tie. With `ties: 'lowest'` it is kept with the lowest-numbered tied image as the odd one
 * out and `tie: true` (for experiments that want every row; the choice is arbitrary but
 * deterministic). The agreement of a tie is still top votes / raters, e.g. 3/6 = 0.5.
 */
export type { TieRule };

export interface Vote {
  /** Votes for image 1, 2 and 3 as the odd one out. */
  counts: [number, number, number];
  raters: number;
  /** The most votes any image got. */
  top: number;
  /** top / raters: the fraction of raters agreeing with the majority. */
  agreement: number;
  /** The images with `top` votes, ascending; one unless tied. */
  winners: FecAnnotation[];
}

/** Counts the annotations. Throws E_BAD_OPTION for no ratings (a parsed row always has one). */
export function voteRatings(ratings: readonly FecRating[]): Vote {
  if (ratings.length === 0) {
    throw new ExprsimError('E_BAD_OPTION', 'cannot vote without ratings', {
      fix: 'pass at least one rating',
    });
  }
  const counts: [number, number, number] = [0, 0, 0];
  for (const r of ratings) counts[r.annotation - 1]++;
  const top = Math.max(...counts);
  const winners = ([1, 2, 3] as const).filter((k) => counts[k - 1] === top);
  return { counts, raters: ratings.length, top, agreement: top / ratings.length, winners };
}

export interface LabelOptions {
  /**
   * Keep only triplets whose agreement is at least this (0..1; compared with a 1e-9 tolerance so
   * that 2/3 keeps 4-of-6 votes despite floating point). Default 0: keep all.
   */
  minAgreement?: number;
  /** What to do with tied votes; see {@link TieRule}. Default 'drop'. */
  ties?: TieRule;
}

export interface FecTriplet {
  line: number;
  type: FecTripletType;
  anchor: FecFace;
  positive: FecFace;
  /** The odd one out. */
  negative: FecFace;
  /** 1, 2 or 3: which image of the row is the negative. */
  odd: FecAnnotation;
  agreement: number;
  raters: number;
  /** True when the vote was tied and `ties: 'lowest'` broke it. */
  tie: boolean;
}

export type LabelResult =
  | { kept: true; triplet: FecTriplet; vote: Vote }
  | { kept: false; reason: 'tie' | 'low-agreement'; vote: Vote };

/** Validates minAgreement and ties; returns them with defaults. */
export function resolveLabelOptions(options: LabelOptions = {}): Required<LabelOptions> {
  const minAgreement = options.minAgreement ?? DEFAULT_LABEL_OPTIONS.minAgreement;
  if (typeof minAgreement !== 'number' || !(minAgreement >= 0 && minAgreement <= 1)) {
    throw new ExprsimError(
      'E_BAD_OPTION',
      `\`minAgreement\` must be a number from 0 to 1, got ${String(minAgreement)}`,
      {
        input: `minAgreement=${String(minAgreement)}`,
        fix: 'pass e.g. 0.6 to keep triplets where at least 60% of raters agree',
        option: 'minAgreement',
      },
    );
  }
  const ties = options.ties ?? DEFAULT_LABEL_OPTIONS.ties;
  if (!TIE_RULES.includes(ties)) {
    throw new ExprsimError(
      'E_BAD_OPTION',
      `\`ties\` must be one of ${TIE_RULES.join(', ')}, got ${String(ties)}`,
      {
        input: `ties=${String(ties)}`,
        fix: "pass 'drop' (default: tied votes are dropped) or 'lowest' (keep, lowest tied image is the odd one)",
        option: 'ties',
      },
    );
  }
  return { minAgreement, ties };
}

/**
 * The triplet an FEC row's raters voted for: the odd one out is the negative, the other two are
 * anchor and positive in their original order (odd 1 -> a=2, p=3; odd 2 -> a=1, p=3; odd 3 ->
 * a=1, p=2). Tied rows follow the tie rule; rows under minAgreement are dropped.
 */
export function labelFecRow(row: FecRow, options: LabelOptions = {}): LabelResult {
  const { minAgreement, ties } = resolveLabelOptions(options);
  const vote = voteRatings(row.ratings);
  const tie = vote.winners.length > 1;
  if (tie && ties === 'drop') return { kept: false, reason: 'tie', vote };
  if (vote.agreement < minAgreement - 1e-9) return { kept: false, reason: 'low-agreement', vote };
  const odd = vote.winners[0];
  const others = row.faces.filter((_, i) => i !== odd - 1);
  return {
    kept: true,
    vote,
    triplet: {
      line: row.line,
      type: row.type,
      anchor: others[0],
      positive: others[1],
      negative: row.faces[odd - 1],
      odd,
      agreement: vote.agreement,
      raters: vote.raters,
      tie,
    },
  };
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/** "4/6" -> "2/3": a fraction in lowest terms, for agreement histograms. */
export function reducedFraction(numerator: number, denominator: number): string {
  const g = gcd(numerator, denominator) || 1;
  return `${numerator / g}/${denominator / g}`;
}
