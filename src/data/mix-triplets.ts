/**
 * `exprsim data mix`: one triplet set from several (issue 21: graded FER+ triplets mixed with
 * label triplets, or FEC with either). Each input gives up to N triplets of each split, drawn
 * at random (seeded); the splits are shuffled together, so a training run's batches mix the
 * kinds from the first step. Sources keep their names and roots; two inputs' sources of one
 * name but different roots are told apart with a suffix. Nothing is copied: rows point at the
 * inputs' images, as their own manifests do.
 */
import { join } from 'node:path';
import { ExprsimError } from '../core/errors.js';
import { deriveSeed, mulberry32, requireSeed, shuffle } from '../core/prng.js';
import {
  readDatasetManifest,
  sourceRoot,
  writeDatasetManifest,
  type DatasetManifest,
  type DatasetSource,
  type DatasetSplit,
} from './dataset-manifest.js';
import type { SplitName } from './labelled.js';
import { prepareTripletDir } from './out-dir.js';
import { readTripletFile, writeTripletFile, type TripletRow } from './triplet-file.js';

export interface MixInput {
  /** A triplet dataset folder (dataset.json). */
  dir: string;
  /** At most this many triplets of each split (absent = all of them). */
  limit?: Partial<Record<SplitName, number>>;
}

export interface MixTripletsOptions {
  inputs: readonly MixInput[];
  outDir: string;
  /** Default 1. Seeds which triplets are drawn and the shuffle. */
  seed?: number;
  overwrite?: boolean;
}

export interface MixResult {
  outDir: string;
  /** Per split: triplets written, and how many came from each input. */
  splits: Partial<Record<SplitName, { count: number; fromInputs: number[] }>>;
  /** Sources renamed because another input has a source of that name elsewhere. */
  renamed: { input: string; from: string; to: string }[];
}

const SPLITS: readonly SplitName[] = ['train', 'val', 'test'];

/** Source names unique across inputs: a name reused for another root gets `-2`, `-3`… */
function mergeSources(manifests: { dir: string; m: DatasetManifest }[]) {
  const sources: Record<string, DatasetSource> = {};
  const renamed: MixResult['renamed'] = [];
  const maps = manifests.map(({ dir, m }) => {
    const map = new Map<string, string>();
    for (const [name, s] of Object.entries(m.sources)) {
      const root = sourceRoot(dir, s);
      let to = name;
      for (let k = 2; sources[to] !== undefined && sources[to].root !== root; k++)
        to = `${name}-${k}`;
      if (to !== name) renamed.push({ input: dir, from: name, to });
      sources[to] = { ...s, root, rootFromManifest: root };
      map.set(name, to);
    }
    return map;
  });
  return { sources, renamed, maps };
}

/** Writes the mix of `inputs` to `outDir` (train/val/test files and dataset.json). */
export async function mixTriplets(o: MixTripletsOptions): Promise<MixResult> {
  if (o.inputs.length < 2) {
    throw new ExprsimError('E_BAD_OPTION', 'a mix needs at least two triplet sets', {
      input: o.inputs.map((i) => i.dir).join(', ') || '(none)',
      fix: 'pass two or more triplet dataset folders',
      option: 'inputs',
    });
  }
  const seed = requireSeed(o.seed ?? 1);
  await prepareTripletDir(o.outDir, o.overwrite);
  const manifests = [];
  for (const i of o.inputs) manifests.push({ dir: i.dir, m: await readDatasetManifest(i.dir) });
  const { sources, renamed, maps } = mergeSources(manifests);
  const splits: MixResult['splits'] = {};
  const manifestSplits: Partial<Record<SplitName, DatasetSplit>> = {};
  for (const split of SPLITS) {
    const rows: TripletRow[] = [];
    const fromInputs: number[] = [];
    let any = false;
    for (const [k, { dir, m }] of manifests.entries()) {
      const entry = m.splits[split];
      if (entry === undefined) {
        fromInputs.push(0);
        continue;
      }
      any = true;
      const all = await readTripletFile(join(dir, entry.file));
      const rng = mulberry32(deriveSeed(seed, `mix:${k}:${split}`));
      const limit = o.inputs[k].limit?.[split];
      const drawn =
        limit === undefined || limit >= all.length ? all : shuffle(all, rng).slice(0, limit);
      const map = maps[k];
      for (const r of drawn) rows.push({ ...r, source: map.get(r.source) ?? r.source });
      fromInputs.push(drawn.length);
    }
    if (!any || rows.length === 0) continue;
    shuffle(rows, mulberry32(deriveSeed(seed, `mix:${split}`)));
    const file = `${split}.jsonl`;
    await writeTripletFile(join(o.outDir, file), rows);
    splits[split] = { count: rows.length, fromInputs };
    manifestSplits[split] = { file, count: rows.length, seed, fromInputs };
  }
  if ((splits.train?.count ?? 0) + (splits.val?.count ?? 0) + (splits.test?.count ?? 0) === 0) {
    throw new ExprsimError('E_DATA_EMPTY', 'the mix has no triplets', {
      input: o.inputs.map((i) => i.dir).join(', '),
      fix: 'check the inputs and the per-split limits (a limit of 0 leaves a split out)',
    });
  }
  await writeDatasetManifest(o.outDir, {
    sources,
    seed,
    options: {
      mix: o.inputs.map((i) => ({ dir: i.dir, ...(i.limit ? { limit: i.limit } : {}) })),
    },
    splits: manifestSplits,
  });
  return { outDir: o.outDir, splits, renamed };
}

/** The mix in a few lines: per split, how many came from each input. */
export function formatMixResult(r: MixResult, dirs: readonly string[]): string[] {
  const lines = Object.entries(r.splits).map(
    ([split, s]) =>
      `${split}: ${s.count} triplets (${s.fromInputs.map((n, k) => `${n} from ${dirs[k]}`).join(', ')})`,
  );
  for (const x of r.renamed) lines.push(`source ${x.from} of ${x.input} renamed ${x.to}`);
  lines.push(`wrote ${r.outDir}`);
  return lines;
}
