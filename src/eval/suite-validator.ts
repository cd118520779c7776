/**
 * Validation over a suite during training (`exprsim train --val-suite`, issue 21: checkpoints are
 * chosen on the mean over several domains, never on one set). The sets are read, filtered and
 * (photo sets) run through their detector once, when the validator opens; each validation then
 * only embeds the same faces with the candidate model and scores them, as `exprsim eval --suite`
 * does (the same triplets, the same framing path), without intervals, which would only slow the
 * run down: the run's `eval --suite` afterwards gives them.
 */
import type { ProgressCallback } from '../core/progress.js';
import { openModelEmbedder, type Embedder } from '../embed/embedders.js';
import { evaluateEmbedder, loadEvalData, type EvalData } from './evaluate.js';
import { detectSetFaces, photoModelEmbedder, rowsWithFaces, type SetFaces } from './photo-set.js';
import type { ModelValidator, SuiteScore } from '../train/validator.js';
import { readSuite, type SuiteSet } from './suite.js';
import { ExprsimError } from '../core/errors.js';

/** One suite set, loaded and with its faces found, ready to score any model on. */
export interface PreparedSet {
  set: SuiteSet;
  data: EvalData;
  faces?: SetFaces;
  /** Triplets before those with a faceless image were left out. */
  before: number;
}

/** A set's triplets: its split, only its types, its first `limit`. */
export async function loadSetData(set: SuiteSet): Promise<EvalData> {
  const data = await loadEvalData(set.triplets, { split: set.split, noRetrieval: true });
  let rows = data.rows;
  if (set.types !== undefined) rows = rows.filter((r) => set.types?.includes(r.type));
  if (set.limit) rows = rows.slice(0, set.limit);
  if (rows.length === 0) {
    throw new ExprsimError(
      'E_DATA_EMPTY',
      `set "${set.name}" has no ${set.types?.join(' / ') ?? ''} triplets in its ${set.split} split`,
      { input: set.triplets, fix: "check the set's split and types in the suite file" },
    );
  }
  return { ...data, rows };
}

/** Loads a suite set and, for photo sets, finds the top face of each image once. */
export async function prepareSet(
  set: SuiteSet,
  onProgress?: ProgressCallback,
): Promise<PreparedSet> {
  const data = await loadSetData(set);
  const before = data.rows.length;
  if (set.detect === undefined) return { set, data, before };
  const faces = await detectSetFaces(data, set.detect, onProgress);
  return { set, data: rowsWithFaces(data, faces), faces, before };
}

/** The embedder a prepared set scores a model folder with (photo sets: through its faces). */
export function setEmbedder(p: PreparedSet, modelDir: string): Promise<Embedder> {
  return p.faces === undefined
    ? openModelEmbedder(modelDir)
    : photoModelEmbedder(modelDir, p.faces);
}

/** Opens a suite file for repeated scoring: sets loaded and faces found now, once. */
export async function openSuiteValidator(
  file: string,
  onProgress?: ProgressCallback,
): Promise<ModelValidator> {
  const suite = await readSuite(file);
  const prepared: PreparedSet[] = [];
  for (const set of suite.sets) prepared.push(await prepareSet(set, onProgress));
  return {
    name: suite.name,
    file: suite.file,
    async score(modelDir, progress) {
      const sets: SuiteScore['sets'] = [];
      for (const p of prepared) {
        const embedder = await setEmbedder(p, modelDir);
        try {
          const r = await evaluateEmbedder(embedder, p.data, {
            bootstrap: { resamples: 0 },
            onProgress: progress,
          });
          sets.push({
            name: p.set.name,
            accuracy: r.tripletAccuracy.accuracy,
            triplets: p.data.rows.length,
          });
        } finally {
          embedder.dispose();
        }
      }
      const mean = sets.reduce((a, s) => a + s.accuracy, 0) / Math.max(1, sets.length);
      return { mean, sets };
    },
  };
}
