/**
 * Measures and stores a model's framing (align/framing.ts): for a model trained on ready-made
 * face crops, where its crops sit relative to each detector's box, so that `embed`, `index`,
 * `search`, `serve` and `eval` cut photo faces as the model learnt them without a `margin`.
 * The crops are a seeded sample of the model's training images (never its val or test images:
 * those are what the framing is then judged on).
 */
import { ExprsimError } from '../core/errors.js';
import type { ProgressCallback } from '../core/progress.js';
import { deriveSeed, mulberry32, shuffle } from '../core/prng.js';
import type { JsonObject, RawImage } from '../core/types.js';
import { createDetector } from '../detect/registry.js';
import { parseDetectorName } from '../detect/defaults.js';
import { DEFAULT_FRAME_MODEL } from './defaults.js';
import { readImage } from '../image/read.js';
import { collectImageFiles } from '../image/walk-files.js';
import { measureFraming, type MeasureFramingResult } from '../align/measure-framing.js';
import type { Framing } from '../align/framing.js';
import { parsePreprocessRecord } from '../align/record.js';
import { readModelManifest, writeModelPreprocess } from '../models/artifact.js';

export interface FrameModelOptions {
  /** The model folder. */
  model: string;
  /** Face crops like the model's training images: files and/or folders (walked). */
  images: readonly string[];
  /** Detectors to measure; default mtcnn, blazeface, viola-jones. */
  detectors?: readonly string[];
  /** Crops sampled from `images`; default 1000. */
  count?: number;
  seed?: number;
  /** Store the framings in the model's record (model.json); default false (measure only). */
  write?: boolean;
  onProgress?: ProgressCallback;
}

export interface FrameModelResult {
  model: string;
  images: number;
  /** Per detector: the fit, its spread and misses. */
  detectors: MeasureFramingResult[];
  /** The record's framing after the run (written when `write`). */
  framing: Record<string, Framing>;
  written: boolean;
}

/** Measures each detector's framing of the model's crops; stores them with `write`. */
export async function frameModel(options: FrameModelOptions): Promise<FrameModelResult> {
  const manifest = await readModelManifest(options.model);
  const record = parsePreprocessRecord(manifest.preprocess, options.model);
  if (record.crop.kind !== 'whole-image') {
    throw new ExprsimError(
      'E_BAD_OPTION',
      `the model was trained on ${record.crop.detector} crops of photos, which its record already frames`,
      { input: options.model, fix: 'frame only models trained on ready-made face crops' },
    );
  }
  const names = (options.detectors ?? DEFAULT_FRAME_MODEL.detectors).map((d) =>
    parseDetectorName(d),
  );
  const count = options.count ?? DEFAULT_FRAME_MODEL.count;
  if (!Number.isInteger(count) || count < 1) {
    throw new ExprsimError('E_BAD_OPTION', `\`count\` must be a whole number ≥ 1, got ${count}`, {
      input: String(count),
      option: 'count',
    });
  }
  const files = (await collectImageFiles(options.images)).sort();
  const rng = mulberry32(deriveSeed(options.seed ?? DEFAULT_FRAME_MODEL.seed, 'frame-model'));
  const chosen = shuffle([...files], rng).slice(0, count);
  if (chosen.length === 0) {
    throw new ExprsimError('E_DATA_EMPTY', 'no images to measure the framing on', {
      input: options.images.join(' '),
      option: 'images',
      fix: "pass the model's training face crops (files or folders)",
    });
  }
  const faces: RawImage[] = [];
  for (const f of chosen) faces.push(await readImage(f, { channels: 3 }));
  const results: MeasureFramingResult[] = [];
  const framing: Record<string, Framing> = { ...(record.crop.framing ?? {}) };
  for (const [i, name] of names.entries()) {
    options.onProgress?.({ done: i, total: names.length, label: `frame ${name}` });
    const detector = await createDetector(name);
    try {
      const r = await measureFraming(faces, detector, { seed: options.seed });
      results.push(r);
      framing[name] = { dx: r.dx, dy: r.dy, scale: r.scale };
    } finally {
      detector.dispose();
    }
  }
  options.onProgress?.({ done: names.length, total: names.length, label: 'frame' });
  if (options.write === true) {
    const updated = { ...record, crop: { kind: 'whole-image' as const, framing } };
    await writeModelPreprocess(options.model, updated as unknown as JsonObject);
  }
  return {
    model: options.model,
    images: chosen.length,
    detectors: results,
    framing,
    written: options.write === true,
  };
}
