// Data defaults the CLI's help shows, in a module that loads nothing heavy (no fs, no sharp).

/**
 * FER+ graded triplets (`writeFerplusTriplets`, `exprsim data ferplus-triplets`); why each
 * value is what it is: src/data/README.md, "FER+".
 * - `counts`: as the label triplets (50,000 train, 5,000 val: about ±0.6 points of triplet
 *   accuracy); `test` is written only when the votes have PrivateTest faces.
 * - `oneClassShare`: half one-class (graded similarity inside one emotion, where hard labels are
 *   blind), half mixed.
 * - `minMargin`: 0.3 in total variation. One rater changing a vote moves a face's distribution
 *   by 1/n (n = its emotion votes: at least 8 of FER+'s 10 with `maxUnknown` 2 and `maxNf` 0; 7
 *   for its one nine-vote face) and the margin by at most 2/n <= 0.29: a kept triplet's odd one
 *   out survives any one changed vote.
 * - `maxNf` 0: one "not a face" vote flags a damaged crop (text, a drawing, a blank).
 * - `maxUnknown` 2: three or more "unknown" votes leave seven or fewer to make a distribution
 *   from (3% of the faces).
 */
export const DEFAULT_FERPLUS_TRIPLETS = Object.freeze({
  counts: Object.freeze({ train: 50_000, val: 5_000, test: 5_000 }),
  oneClassShare: 0.5,
  minMargin: 0.3,
  maxNf: 0,
  maxUnknown: 2,
  seed: 1,
  sourceName: 'ferplus',
});
