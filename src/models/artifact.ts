import * as tf from '@tensorflow/tfjs';
import { ExprsimError, isExprsimError } from '../core/errors.js';
import { absolutePath, joinPath, readTextFile } from '../core/files.js';
import { fileIO } from '../engine/file-io.js';
import { packageVersion } from '../core/paths.js';
import { writeFileAtomic } from '../core/fs.js';
import type { BackboneRef, JsonObject, JsonValue, Shape3 } from '../core/types.js';
import {
  getHeadDefinition,
  getHeadInfo,
  isHeadName,
  setHeadInfo,
  HEAD_NAMES,
  type HeadName,
  type ResolvedHeadConfig,
} from './heads/registry.js';
// Register the custom layers a saved head may contain, so loading works on its own.
import './layers/l2-normalize.js';
import './layers/batch-norm.js';

/**
 * exprsim's model artifact: a folder with tfjs's layers-format `model.json` and `weights.bin`,
 * written by `fileIO` (weights first, then model.json, each atomically). The exprsim manifest
 * lives inside model.json, under `userDefinedMetadata.exprsim`, so the topology, the weights'
 * manifest and exprsim's description are written together in one atomic rename and cannot
 * disagree about which save they belong to.
 */

export const MODEL_FORMAT = 'exprsim-model';
/** The manifest version this exprsim writes and reads. Bump on incompatible changes. */
export const MODEL_FORMAT_VERSION = 1;
/** Key of the manifest in model.json's userDefinedMetadata. */
export const MANIFEST_KEY = 'exprsim';

export interface ModelManifest {
  format: typeof MODEL_FORMAT;
  formatVersion: number;
  head: { name: HeadName; config: ResolvedHeadConfig };
  /** The backbone the head's features come from, or 'pixels' for heads on raw pixels. */
  backbone: BackboneRef | 'pixels';
  /**
   * How faces were detected, cropped, aligned and masked for this model: src/align's
   * PreprocessRecord (opaque here; src/features' createEmbedder parses and follows it).
   */
  preprocess: JsonObject;
  /** The head's input [h, w, c] (a feature map, or pixels). */
  inputShape: Shape3;
  embeddingSize: number;
  /**
   * Flip averaging (models/flip-average.ts): a face's embedding is the normalised mean of the
   * head's output on it and on its mirror image. Embedders follow it. Absent = false.
   */
  averageFlip?: true;
  /** How the model was trained (data, split, optimiser, steps, seed, …); free-form. */
  training?: JsonObject;
  /** Evaluation results (e.g. triplet prediction accuracy); free-form. */
  metrics?: JsonObject;
  /** ISO 8601 date of the save. */
  created: string;
  /** exprsim version that wrote it. */
  exprsimVersion: string;
}

/** What the caller says when saving; the rest is filled in and checked against the model. */
export interface ModelManifestInput {
  /** Default: the head createHead or loadModel recorded for this model. */
  head?: { name: string; config?: object };
  backbone: BackboneRef | 'pixels';
  /** Default {}. */
  preprocess?: JsonObject;
  /** Default false. See {@link ModelManifest.averageFlip}. */
  averageFlip?: boolean;
  training?: JsonObject;
  metrics?: JsonObject;
  /** Default: now. */
  created?: Date | string;
}

export interface LoadedModel {
  model: tf.LayersModel;
  manifest: ModelManifest;
}

function formatError(message: string, input: string, fix?: string, cause?: unknown) {
  return new ExprsimError('E_MODEL_FORMAT', message, { input, fix, cause });
}

function isPlainObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function isJson(x: unknown): x is JsonValue {
  if (x === null || typeof x === 'string' || typeof x === 'boolean') return true;
  if (typeof x === 'number') return Number.isFinite(x);
  if (Array.isArray(x)) return x.every(isJson);
  if (isPlainObject(x) && Object.getPrototypeOf(x) === Object.prototype) {
    return Object.values(x).every(isJson);
  }
  return false;
}

function isShape3(x: unknown): x is Shape3 {
  return (
    Array.isArray(x) && x.length === 3 && x.every((d) => Number.isInteger(d) && (d as number) > 0)
  );
}

function checkBackbone(x: unknown): x is BackboneRef | 'pixels' {
  return (
    x === 'pixels' ||
    (isPlainObject(x) &&
      typeof x.name === 'string' &&
      x.name.length > 0 &&
      x.name !== 'pixels' &&
      typeof x.version === 'string' &&
      x.version.length > 0)
  );
}

/** The backbone must match the head's input mode: 'pixels' exactly for pixel heads. */
function checkBackboneMode(
  backbone: BackboneRef | 'pixels',
  config: ResolvedHeadConfig,
  where: string,
  err: (message: string, fix: string) => ExprsimError,
): void {
  if ((backbone === 'pixels') !== (config.inputMode === 'pixels')) {
    throw err(
      backbone === 'pixels'
        ? `backbone is 'pixels' but the head reads feature maps (inputMode 'features') in ${where}`
        : `the head reads pixels (inputMode 'pixels') but a backbone is named in ${where}`,
      "use backbone 'pixels' exactly when the head's inputMode is 'pixels'",
    );
  }
}

/**
 * Check a parsed manifest; `source` names the file for errors. Throws E_MODEL_FORMAT (or
 * E_UNKNOWN_NAME for a head this exprsim does not have).
 */
export function validateManifest(value: unknown, source: string): ModelManifest {
  const bad = (what: string, fix = 'the model folder is damaged: save or copy it again') =>
    formatError(`invalid exprsim manifest: ${what}`, source, fix);
  if (!isPlainObject(value)) {
    throw formatError(
      'not an exprsim model: model.json has no exprsim manifest',
      source,
      'save the model with saveModel (a plain tfjs model has no head, backbone or preprocessing)',
    );
  }
  const m = value;
  if (m.format !== MODEL_FORMAT)
    throw bad(`format is ${JSON.stringify(m.format)}, expected "${MODEL_FORMAT}"`);
  if (
    typeof m.formatVersion !== 'number' ||
    !Number.isInteger(m.formatVersion) ||
    m.formatVersion < 1
  ) {
    throw bad(`formatVersion ${JSON.stringify(m.formatVersion)} is not a positive integer`);
  }
  if (m.formatVersion > MODEL_FORMAT_VERSION) {
    throw formatError(
      `model format version ${m.formatVersion} is newer than this exprsim reads (${MODEL_FORMAT_VERSION})`,
      source,
      'upgrade exprsim to load this model',
    );
  }
  if (m.formatVersion !== MODEL_FORMAT_VERSION) {
    throw formatError(
      `model format version ${m.formatVersion} is no longer supported (this exprsim reads ${MODEL_FORMAT_VERSION})`,
      source,
      'retrain or re-save the model with this exprsim',
    );
  }
  const head = m.head;
  if (!isPlainObject(head) || typeof head.name !== 'string' || !isPlainObject(head.config)) {
    throw bad('head must be { name, config }');
  }
  if (!isHeadName(head.name)) {
    throw new ExprsimError('E_UNKNOWN_NAME', `model uses unknown head "${head.name}"`, {
      input: source,
      fix: `this exprsim has ${HEAD_NAMES.join(', ')}; upgrade exprsim or retrain`,
    });
  }
  let config: ResolvedHeadConfig;
  try {
    config = getHeadDefinition(head.name).resolve(head.config as never);
  } catch (e) {
    const why = isExprsimError(e) ? e.toLine() : String(e);
    throw formatError(`invalid config for head ${head.name}: ${why}`, source, undefined, e);
  }
  if (!checkBackbone(m.backbone)) {
    throw bad("backbone must be 'pixels' or { name, version } (non-empty strings)");
  }
  checkBackboneMode(m.backbone, config, 'the manifest', (msg, fix) =>
    formatError(msg, source, fix),
  );
  if (!isPlainObject(m.preprocess) || !isJson(m.preprocess))
    throw bad('preprocess must be a JSON object');
  if (!isShape3(m.inputShape)) throw bad('inputShape must be [h, w, c] of positive integers');
  if (m.inputShape.join() !== config.inputShape.join()) {
    throw formatError(
      `manifest inputShape [${m.inputShape.join(', ')}] differs from the head config's [${config.inputShape.join(', ')}]`,
      source,
      'the model folder is damaged: save or copy it again',
    );
  }
  if (m.embeddingSize !== config.embeddingSize) {
    throw bad(
      `embeddingSize ${JSON.stringify(m.embeddingSize)} differs from the head config's ${config.embeddingSize}`,
    );
  }
  if (m.averageFlip !== undefined && m.averageFlip !== true) {
    throw bad(`averageFlip must be true when present, got ${JSON.stringify(m.averageFlip)}`);
  }
  for (const key of ['training', 'metrics'] as const) {
    if (m[key] !== undefined && (!isPlainObject(m[key]) || !isJson(m[key]))) {
      throw bad(`${key} must be a JSON object`);
    }
  }
  if (typeof m.created !== 'string' || Number.isNaN(Date.parse(m.created))) {
    throw bad('created must be an ISO 8601 date');
  }
  if (typeof m.exprsimVersion !== 'string') throw bad('exprsimVersion must be a string');
  return {
    format: MODEL_FORMAT,
    formatVersion: m.formatVersion,
    head: { name: head.name, config },
    backbone: m.backbone,
    preprocess: m.preprocess,
    inputShape: m.inputShape,
    embeddingSize: config.embeddingSize,
    ...(m.averageFlip === true ? { averageFlip: true as const } : {}),
    ...(m.training === undefined ? {} : { training: m.training as JsonObject }),
    ...(m.metrics === undefined ? {} : { metrics: m.metrics as JsonObject }),
    created: m.created,
    exprsimVersion: m.exprsimVersion,
  };
}

/** The model's input [h, w, c] and output size, checked to be one image in, one vector out. */
function modelShapes(model: tf.LayersModel, source: string): { input: number[]; output: number[] } {
  if (model.inputs.length !== 1 || model.outputs.length !== 1) {
    throw formatError(
      `model has ${model.inputs.length} inputs and ${model.outputs.length} outputs, expected 1 and 1`,
      source,
    );
  }
  return {
    input: model.inputs[0].shape.slice(1) as number[],
    output: model.outputs[0].shape.slice(1) as number[],
  };
}

/** Model and manifest must agree on input shape and embedding size. */
function checkModelAgainst(
  model: tf.LayersModel,
  inputShape: Shape3,
  embeddingSize: number,
  source: string,
  err: (message: string) => ExprsimError,
): void {
  const { input, output } = modelShapes(model, source);
  if (input.join() !== inputShape.join()) {
    throw err(
      `model input [${input.join(', ')}] does not match the manifest's inputShape [${inputShape.join(', ')}]`,
    );
  }
  if (output.length !== 1 || output[0] !== embeddingSize) {
    throw err(
      `model output [${output.join(', ')}] does not match the manifest's embeddingSize ${embeddingSize}`,
    );
  }
}

/**
 * Save a head model and its manifest to `dir` (created if needed; an existing model there is
 * replaced atomically, file by file). The head defaults to what createHead or loadModel recorded
 * for the model; its config is stored resolved. Returns the manifest written. Throws
 * E_BAD_OPTION when the manifest does not describe the model, E_IO when the write fails.
 */
export async function saveModel(
  model: tf.LayersModel,
  dir: string,
  manifest: ModelManifestInput,
): Promise<ModelManifest> {
  const where = absolutePath(dir);
  const badInput = (message: string, fix?: string) =>
    new ExprsimError('E_BAD_OPTION', message, { input: where, fix });
  const recorded = getHeadInfo(model);
  const headName = manifest.head?.name ?? recorded?.name;
  if (headName === undefined) {
    throw badInput(
      'saveModel: which head is this model? It was not built by createHead',
      'pass manifest.head = { name, config }',
    );
  }
  const def = getHeadDefinition(headName);
  if (recorded !== undefined && recorded.name !== def.name) {
    throw badInput(`manifest.head is ${def.name} but the model was built as ${recorded.name}`);
  }
  const config = def.resolve(
    (manifest.head?.config ?? recorded?.config) as never,
  ) as ResolvedHeadConfig;
  if (!checkBackbone(manifest.backbone)) {
    throw badInput(
      `backbone must be 'pixels' or { name, version } (non-empty strings), got ${JSON.stringify(manifest.backbone)}`,
    );
  }
  checkBackboneMode(manifest.backbone, config, 'saveModel', (m, fix) => badInput(m, fix));
  const preprocess = manifest.preprocess ?? {};
  for (const [key, value] of [
    ['preprocess', preprocess],
    ['training', manifest.training],
    ['metrics', manifest.metrics],
  ] as const) {
    if (value !== undefined && (!isPlainObject(value) || !isJson(value))) {
      throw badInput(`manifest.${key} must be a plain JSON object (finite numbers, no undefined)`);
    }
  }
  const created =
    manifest.created === undefined
      ? new Date()
      : manifest.created instanceof Date
        ? manifest.created
        : new Date(manifest.created);
  if (Number.isNaN(created.getTime()))
    throw badInput(`manifest.created is not a date: ${String(manifest.created)}`);
  checkModelAgainst(model, config.inputShape, config.embeddingSize, where, (m) => badInput(m));
  if (manifest.averageFlip !== undefined && typeof manifest.averageFlip !== 'boolean') {
    throw badInput(
      `manifest.averageFlip must be true or false, got ${String(manifest.averageFlip)}`,
    );
  }

  const full: ModelManifest = {
    format: MODEL_FORMAT,
    formatVersion: MODEL_FORMAT_VERSION,
    head: { name: def.name, config },
    backbone: manifest.backbone,
    preprocess,
    inputShape: [...config.inputShape],
    embeddingSize: config.embeddingSize,
    ...(manifest.averageFlip === true ? { averageFlip: true as const } : {}),
    ...(manifest.training === undefined ? {} : { training: manifest.training }),
    ...(manifest.metrics === undefined ? {} : { metrics: manifest.metrics }),
    created: created.toISOString(),
    exprsimVersion: packageVersion(),
  };
  const io = fileIO(where);
  try {
    await model.save({
      save: (artifacts) =>
        io.save!({
          ...artifacts,
          userDefinedMetadata: {
            ...(artifacts.userDefinedMetadata ?? {}),
            [MANIFEST_KEY]: full as unknown as JsonObject,
          },
        }),
    });
  } catch (e) {
    if (isExprsimError(e)) throw e;
    throw new ExprsimError('E_IO', `could not write the model: ${(e as Error).message}`, {
      input: where,
      fix: 'check that the folder is writable and the disk has space',
      cause: e,
    });
  }
  return full;
}

async function readModelJson(
  dir: string,
): Promise<{ path: string; json: Record<string, unknown> }> {
  const path = joinPath(absolutePath(dir), 'model.json');
  let text: string;
  try {
    text = await readTextFile(path);
  } catch (e) {
    throw new ExprsimError('E_FILE_NOT_FOUND', 'model.json not found', {
      input: path,
      fix: 'point to a model folder written by exprsim (with model.json and weights.bin)',
      cause: e,
    });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw formatError(
      'model.json is not valid JSON',
      path,
      'the file is damaged: save or copy the model again',
      e,
    );
  }
  if (!isPlainObject(json)) throw formatError('model.json is not a JSON object', path);
  return { path, json };
}

/** Read and validate a model folder's manifest without loading the weights. */
export async function readModelManifest(dir: string): Promise<ModelManifest> {
  const { path, json } = await readModelJson(dir);
  const meta = json.userDefinedMetadata;
  return validateManifest(isPlainObject(meta) ? meta[MANIFEST_KEY] : undefined, path);
}

/**
 * Replaces the preprocessing record of a saved model (model.json only, written atomically; the
 * weights are untouched). The record is validated as the manifest's; used to store a measured
 * framing (src/embed/frame-model.ts) with the model.
 */
export async function writeModelPreprocess(dir: string, preprocess: JsonObject): Promise<void> {
  const { path, json } = await readModelJson(dir);
  const meta = json.userDefinedMetadata as Record<string, unknown>;
  const manifest = { ...(meta[MANIFEST_KEY] as Record<string, unknown>), preprocess };
  validateManifest(manifest, path);
  const out = { ...json, userDefinedMetadata: { ...meta, [MANIFEST_KEY]: manifest } };
  await writeFileAtomic(path, `${JSON.stringify(out)}\n`);
}

/**
 * Load a model folder written by saveModel: validate the manifest (format and version, head
 * name and config, backbone, shapes), load the tfjs model and its weights, and check that the
 * model's input and output match the manifest, and that it computes finite numbers
 * (checkFiniteModel: finite weights, a finite output on a probe input). Throws E_FILE_NOT_FOUND
 * for a missing model.json or weight file, E_UNKNOWN_NAME for an unknown head, E_MODEL_FORMAT
 * otherwise (weights outside the folder, of the wrong size, or not finite included).
 */
export async function loadModel(dir: string): Promise<LoadedModel> {
  const manifest = await readModelManifest(dir);
  const path = joinPath(absolutePath(dir), 'model.json');
  const artifacts = await fileIO(absolutePath(dir)).load!();
  let model: tf.LayersModel;
  try {
    model = await tf.loadLayersModel(tf.io.fromMemory(artifacts));
  } catch (e) {
    throw formatError(
      `cannot build the model from model.json: ${(e as Error).message.split('\n')[0]}`,
      path,
      'the model folder is damaged or was written by another program',
      e,
    );
  }
  try {
    checkModelAgainst(model, manifest.inputShape, manifest.embeddingSize, path, (m) =>
      formatError(m, path, 'the model folder is damaged: save or copy it again'),
    );
  } catch (e) {
    model.dispose();
    throw e;
  }
  try {
    checkFiniteModel(model, manifest.inputShape, absolutePath(dir));
  } catch (e) {
    model.dispose();
    throw e;
  }
  setHeadInfo(model, { name: manifest.head.name, config: manifest.head.config });
  return { model, manifest };
}

/** The fix of a model whose weights or outputs are not finite numbers. */
const NON_FINITE_FIX =
  'the weights are damaged or training diverged: restore weights.bin from a good copy, or retrain the model';

/**
 * The probe input: one fixed, deterministic [1, h, w, c] pattern in [0, 1] (a smooth gradient with
 * a ripple), the same at every load, so a model's probe output is reproducible.
 */
export function probeInput([h, w, c]: Shape3): tf.Tensor4D {
  const values = new Float32Array(h * w * c);
  for (let i = 0; i < values.length; i++) values[i] = 0.5 + 0.4 * Math.sin(i * 0.37 + (i % 7));
  return tf.tensor4d(values, [1, h, w, c]);
}

/**
 * Checks, once per load, that a model computes numbers: every weight is finite, and a forward
 * pass on the probe input gives a finite output. A model with NaN or infinite weights (damaged
 * weights.bin, diverged training) would otherwise embed every face as NaN, and distances,
 * rankings and odd-one-out answers made from them would be silently meaningless. Throws
 * E_MODEL_FORMAT naming the model folder.
 */
export function checkFiniteModel(model: tf.LayersModel, inputShape: Shape3, dir: string): void {
  for (const w of model.weights) {
    const values = w.read().dataSync();
    for (let i = 0; i < values.length; i++) {
      if (!Number.isFinite(values[i])) {
        throw new ExprsimError(
          'E_MODEL_FORMAT',
          `the model's weight ${w.originalName} holds ${values[i]} (not a finite number)`,
          { input: dir, fix: NON_FINITE_FIX },
        );
      }
    }
  }
  const y = tf.tidy(() => model.predict(probeInput(inputShape)) as tf.Tensor);
  const out = y.dataSync();
  y.dispose();
  const bad = out.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) {
    throw new ExprsimError(
      'E_MODEL_FORMAT',
      `the model outputs ${out[bad]} on a probe input (its weights are finite, its computation is not)`,
      { input: dir, fix: NON_FINITE_FIX },
    );
  }
}
