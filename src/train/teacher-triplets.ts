/**
 * Distillation through triplets (issue 21): a teacher's output distributions (face-api's 7
 * expression probabilities, Human's emotion probabilities) over the images of a triplet set's
 * splits, turned into graded triplets by the same rule as FER+'s raters' votes
 * (data/graded-triplets.ts: the closest pair by total variation is anchor and positive, kept
 * when it is clearly closest; ONE_CLASS when all three share the teacher's top emotion). A
 * student trained on them learns the teacher's graded similarity, inside one emotion too, where
 * hard labels are blind, in the same triplet format as FEC, labels and FER+, so training never
 * cares where they came from. The images stay where the input set's sources put them.
 */
import { join } from 'node:path';
import { ExprsimError } from '../core/errors.js';
import type { ProgressCallback } from '../core/progress.js';
import { deriveSeed, mulberry32, requireSeed, shuffle } from '../core/prng.js';
import {
  loadTripletSplit,
  readDatasetManifest,
  sourceRoot,
  writeDatasetManifest,
  type DatasetSplit,
} from '../data/dataset-manifest.js';
import {
  majorityOf,
  sampleGradedTriplets,
  type GradedFace,
  type SampleGradedResult,
} from '../data/graded-triplets.js';
import type { SplitName } from '../data/labelled.js';
import { checkTripletDir, prepareTripletDir } from '../data/out-dir.js';
import { writeTripletFile, type TripletRow } from '../data/triplet-file.js';
import { backboneOutputEmbedder, classifierOutputEmbedder } from '../embed/embedders.js';
import type { Embedder } from '../embed/embedders.js';

/** Teachers whose outputs are distributions over expressions. */
export const TEACHER_NAMES = ['faceapi-expression', 'human-emotion'] as const;
export type TeacherName = (typeof TEACHER_NAMES)[number];

export interface TeacherTripletOptions {
  /** A triplet dataset folder whose splits' images the teacher grades. */
  from: string;
  outDir: string;
  /** Default 'faceapi-expression'. */
  teacher?: string;
  /** Triplets per split (a split absent or 0 is left out). */
  counts: Partial<Record<SplitName, number>>;
  /** Default 0.5: half the triplets one-class. */
  oneClassShare?: number;
  /** Default 0.2 in total variation: the closest pair must be this much closer than the next. */
  minMargin?: number;
  /** Default 1. */
  seed?: number;
  overwrite?: boolean;
  onProgress?: ProgressCallback;
}

export interface TeacherTripletResult {
  outDir: string;
  teacher: TeacherName;
  splits: Partial<
    Record<
      SplitName,
      { images: number; count: number; types: SampleGradedResult['types']; shortfall: number }
    >
  >;
}

const SPLITS: readonly SplitName[] = ['train', 'val', 'test'];

function teacherOf(name: string | undefined): TeacherName {
  const t = name ?? 'faceapi-expression';
  if ((TEACHER_NAMES as readonly string[]).includes(t)) return t as TeacherName;
  throw new ExprsimError('E_UNKNOWN_NAME', `unknown teacher ${JSON.stringify(t)}`, {
    input: t,
    fix: `use one of ${TEACHER_NAMES.join(', ')} (teachers whose outputs are expression probabilities)`,
    option: 'teacher',
  });
}

function share(name: string, v: number): number {
  if (Number.isFinite(v) && v >= 0 && v <= 1) return v;
  throw new ExprsimError('E_BAD_OPTION', `\`${name}\` must be from 0 to 1, got ${v}`, {
    input: String(v),
    option: name,
  });
}

/** The teacher's distribution (scaled to sum 100, as votes) for every image of `keys`. */
async function teacherFaces(
  teacher: Embedder,
  images: { source: string; key: string; path: string }[],
  onProgress?: ProgressCallback,
): Promise<GradedFace[]> {
  const { data, dim } = await teacher.embed(
    images.map((im) => im.path),
    onProgress,
  );
  return images.map((im, i) => {
    const p = Array.from(data.subarray(i * dim, (i + 1) * dim));
    const sum = p.reduce((s, v) => s + Math.max(0, v), 0);
    if (!(sum > 0) || p.some((v) => !Number.isFinite(v))) {
      throw new ExprsimError('E_MODEL_FORMAT', 'the teacher gave no distribution for an image', {
        input: im.path,
        fix: 'check the image, or use another teacher',
      });
    }
    const counts = p.map((v) => (100 * Math.max(0, v)) / sum);
    // The source rides in the key so that two sources' images stay apart.
    return { key: `${im.source}\n${im.key}`, counts, majority: majorityOf(counts) };
  });
}

/** Writes graded triplets of `from`'s images by the teacher's outputs to `outDir`. */
export async function writeTeacherTriplets(
  o: TeacherTripletOptions,
): Promise<TeacherTripletResult> {
  const teacherName = teacherOf(o.teacher);
  const seed = requireSeed(o.seed ?? 1);
  const oneClassShare = share('oneClassShare', o.oneClassShare ?? 0.5);
  const minMargin = share('minMargin', o.minMargin ?? 0.2);
  await checkTripletDir(o.outDir, o.overwrite);
  const manifest = await readDatasetManifest(o.from);
  const wanted = SPLITS.filter((s) => (o.counts[s] ?? 0) > 0 && manifest.splits[s] !== undefined);
  if (wanted.length === 0) {
    throw new ExprsimError(
      'E_BAD_OPTION',
      'no split to write: every count is 0 or its split absent',
      {
        input: o.from,
        fix: `ask for triplets of a split the set has (${Object.keys(manifest.splits).join(', ')})`,
        option: 'counts',
      },
    );
  }
  const teacher =
    teacherName === 'human-emotion'
      ? await classifierOutputEmbedder(teacherName)
      : await backboneOutputEmbedder(teacherName);
  const rowsBySplit = new Map<SplitName, TripletRow[]>();
  const result: TeacherTripletResult = { outDir: o.outDir, teacher: teacherName, splits: {} };
  try {
    for (const s of wanted) {
      const set = await loadTripletSplit(o.from, s);
      const seen = new Map<string, { source: string; key: string; path: string }>();
      for (const r of set.rows) {
        for (const key of [r.a, r.p, r.n]) {
          const id = `${r.source}\n${key}`;
          if (!seen.has(id))
            seen.set(id, { source: r.source, key, path: set.resolve(r.source, key) });
        }
      }
      const images = [...seen.values()].sort((a, b) =>
        a.source === b.source ? (a.key < b.key ? -1 : 1) : a.source < b.source ? -1 : 1,
      );
      const faces = await teacherFaces(teacher, images, o.onProgress);
      const g = sampleGradedTriplets(faces, {
        count: o.counts[s] ?? 0,
        oneClassShare,
        minMargin,
        rngOneClass: mulberry32(deriveSeed(seed, `${s}:one-class`)),
        rngMixed: mulberry32(deriveSeed(seed, `${s}:mixed`)),
        source: '',
      });
      const rows = g.rows.map((r) => {
        const [source, a] = r.a.split('\n');
        return { ...r, a, p: r.p.split('\n')[1], n: r.n.split('\n')[1], source };
      });
      shuffle(rows, mulberry32(deriveSeed(seed, `${s}:order`)));
      rowsBySplit.set(s, rows);
      result.splits[s] = {
        images: images.length,
        count: rows.length,
        types: g.types,
        shortfall: (o.counts[s] ?? 0) - rows.length,
      };
    }
  } finally {
    teacher.dispose();
  }
  const total = [...rowsBySplit.values()].reduce((n, r) => n + r.length, 0);
  if (total === 0) {
    throw new ExprsimError('E_DATA_EMPTY', "no triple passed the rule on the teacher's outputs", {
      input: o.from,
      fix: 'lower `minMargin`, or grade a larger set',
      option: 'minMargin',
    });
  }
  await prepareTripletDir(o.outDir, o.overwrite);
  const splits: Partial<Record<SplitName, DatasetSplit>> = {};
  for (const [s, rows] of rowsBySplit) {
    const file = `${s}.jsonl`;
    await writeTripletFile(join(o.outDir, file), rows);
    splits[s] = { file, count: rows.length, requested: o.counts[s], seed, ...result.splits[s] };
  }
  // Sources as the input set resolves them (absolute roots: the images did not move).
  const sources = Object.fromEntries(
    Object.entries(manifest.sources).map(([name, src]) => {
      const root = sourceRoot(o.from, src);
      return [name, { ...src, root, rootFromManifest: root }];
    }),
  );
  await writeDatasetManifest(o.outDir, {
    sources,
    seed,
    options: { teacher: teacherName, from: o.from, oneClassShare, minMargin },
    splits,
  });
  return result;
}
