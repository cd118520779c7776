import { ExprsimError } from '../core/errors.js';
import { mulberry32, shuffle } from '../core/prng.js';
import { DEFAULT_SPLIT_RATIOS } from './defaults.js';
import { SPLITS, tally, type LabelledImage, type SkippedItem, type SplitName } from './labelled.js';

export interface SplitAssignment {
  splits: Record<SplitName, LabelledImage[]>;
  /** 'given': from the dataset; 'random': assigned here by ratios (by subject when known). */
  how: 'given' | 'random';
  /** Images dropped so that no subject appears in two splits. */
  droppedForSubjectOverlap: { count: number; first: SkippedItem[] };
}

export interface AssignOptions {
  seed: number;
  ratios?: readonly [number, number, number];
  /** Keep every subject in one split. Needs a subject for every image. */
  subjectDisjoint?: boolean;
}

function checkRatios(r: readonly number[]): void {
  const sum = r.reduce((a, b) => a + b, 0);
  if (r.length !== 3 || r.some((x) => !(x >= 0)) || Math.abs(sum - 1) > 1e-6) {
    throw new ExprsimError(
      'E_BAD_OPTION',
      `split ratios must be three non-negative numbers summing to 1, got ${r.join(',')}`,
      {
        input: `ratios=${r.join(',')}`,
        fix: 'pass e.g. 0.8,0.1,0.1',
      },
    );
  }
}

/**
 * Groups images by split.
 *
 * - Datasets with a split column keep it. With `subjectDisjoint`, a subject found in several
 *   splits keeps only the images of the split where it has the most (ties: train, then val, then
 *   test); the others are dropped and counted, so no person is both trained on and tested on.
 * - Datasets without one are split here, seeded, by `ratios` (default 0.8/0.1/0.1): whole
 *   subjects at a time when subjects are known (subject-disjoint by construction), else images.
 */
export function assignSplits(
  images: readonly LabelledImage[],
  options: AssignOptions,
): SplitAssignment {
  const splits: Record<SplitName, LabelledImage[]> = { train: [], val: [], test: [] };
  const dropped = { count: 0, first: [] as SkippedItem[] };
  const hasSubjects = images.length > 0 && images.every((im) => im.subject !== undefined);
  if (options.subjectDisjoint && !hasSubjects) {
    throw new ExprsimError(
      'E_BAD_OPTION',
      'subject-disjoint splits need a subject for every image',
      {
        fix: 'add a subject column to the labels CSV, or drop the subject-disjoint option',
      },
    );
  }
  const given = images.length > 0 && images.every((im) => im.split !== undefined);
  if (given) {
    if (!options.subjectDisjoint) {
      for (const im of images) splits[im.split as SplitName].push(im);
      return { splits, how: 'given', droppedForSubjectOverlap: dropped };
    }
    const perSubject = new Map<string, Record<SplitName, number>>();
    for (const im of images) {
      const c = perSubject.get(im.subject as string) ?? { train: 0, val: 0, test: 0 };
      c[im.split as SplitName]++;
      perSubject.set(im.subject as string, c);
    }
    const home = new Map<string, SplitName>();
    for (const [subject, c] of perSubject) {
      let best: SplitName = 'train';
      for (const s of SPLITS) if (c[s] > c[best]) best = s;
      home.set(subject, best);
    }
    for (const im of images) {
      const h = home.get(im.subject as string) as SplitName;
      if (im.split === h) splits[h].push(im);
      else
        tally(dropped, {
          line: im.line,
          item: im.key,
          reason: `subject ${im.subject} is kept in ${h}, this image is in ${im.split}`,
        });
    }
    return { splits, how: 'given', droppedForSubjectOverlap: dropped };
  }
  const ratios = options.ratios ?? DEFAULT_SPLIT_RATIOS;
  checkRatios(ratios);
  const rng = mulberry32(options.seed);
  // Group by subject when known, else each image is its own group.
  const groups = new Map<string, LabelledImage[]>();
  images.forEach((im, i) => {
    const g = hasSubjects ? (im.subject as string) : `#${i}`;
    const list = groups.get(g) ?? [];
    list.push(im);
    groups.set(g, list);
  });
  const order = shuffle([...groups.keys()].sort(), rng);
  // Fill train, then val, then test, up to cumulative image counts (integers: no float edges).
  const trainEnd = Math.round(images.length * ratios[0]);
  const valEnd = Math.round(images.length * (ratios[0] + ratios[1]));
  let placed = 0;
  for (const g of order) {
    const list = groups.get(g) as LabelledImage[];
    const s: SplitName = placed < trainEnd ? 'train' : placed < valEnd ? 'val' : 'test';
    splits[s].push(...list.map((im) => ({ ...im, split: s })));
    placed += list.length;
  }
  return { splits, how: 'random', droppedForSubjectOverlap: dropped };
}
