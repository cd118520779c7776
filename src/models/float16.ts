/**
 * Float16 weight storage: a copy of a model folder whose float32 weights are stored as IEEE
 * binary16 (tfjs's weight quantisation `{ dtype: 'float16' }` in the weights manifest), half the
 * download. tfjs dequantises them to float32 when the model loads (`tf.io.decodeWeights`), so
 * `loadModel`, the browser bundle and everything after them read the folder as any other; only
 * the weights' precision changes (about 3 significant digits). Node-only (writes files).
 */
import { cp, mkdir } from 'node:fs/promises';
import { basename } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { ExprsimError } from '../core/errors.js';
import { absolutePath, joinPath, readTextFile } from '../core/files.js';
import { writeFileAtomic } from '../core/fs.js';
import { fileIO } from '../engine/file-io.js';
import { weightBytes } from '../engine/weights-manifest.js';
import { float32ToFloat16Bytes } from '../features/float16.js';

/** The largest finite binary16 value: weights beyond it cannot be stored as float16. */
export const FLOAT16_MAX = 65504;

export interface Float16ModelResult {
  outDir: string;
  /** Weight tensors in the model, and how many of them are now stored as float16. */
  weights: number;
  converted: number;
  /** Bytes of the weight data before and after. */
  bytesBefore: number;
  bytesAfter: number;
}

/** Whether a weights-manifest entry says its values are stored as float16. */
export function isFloat16Entry(spec: tf.io.WeightsManifestEntry): boolean {
  return spec.quantization?.dtype === 'float16';
}

/**
 * Writes `outDir` as a copy of the model folder `modelDir` (calibration, README and every
 * other file included) whose unquantised float32 weights are stored as float16; weights of
 * other types or already quantised are copied as they are. The weights go first, then
 * model.json, each atomically (as `saveModel`). Throws what loading the source throws
 * (E_FILE_NOT_FOUND, E_MODEL_FORMAT), E_BAD_OPTION when `outDir` is the source folder, and
 * E_MODEL_FORMAT naming the weight when a value is beyond float16's range (±65504), which
 * would become infinite.
 */
export async function writeFloat16Model(
  modelDir: string,
  outDir: string,
): Promise<Float16ModelResult> {
  const src = absolutePath(modelDir);
  const out = absolutePath(outDir);
  if (src === out) {
    throw new ExprsimError('E_BAD_OPTION', 'the float16 copy cannot overwrite its source folder', {
      input: out,
      fix: 'give another output folder',
      option: 'outDir',
    });
  }
  const jsonPath = joinPath(src, 'model.json');
  const artifacts = await fileIO(src).load!();
  const json = JSON.parse(await readTextFile(jsonPath)) as tf.io.ModelJSON;
  const specs = artifacts.weightSpecs ?? [];
  const data = new Uint8Array(
    artifacts.weightData === undefined
      ? new ArrayBuffer(0)
      : tf.io.CompositeArrayBuffer.join(artifacts.weightData),
  );

  const outSpecs: tf.io.WeightsManifestEntry[] = [];
  const parts: Uint8Array[] = [];
  let offset = 0;
  let converted = 0;
  for (const spec of specs) {
    const n = weightBytes(spec);
    const raw = data.subarray(offset, offset + n);
    offset += n;
    if (spec.dtype !== 'float32' || spec.quantization !== undefined) {
      outSpecs.push(spec);
      parts.push(raw);
      continue;
    }
    const values = new Float32Array(raw.slice().buffer);
    for (let i = 0; i < values.length; i++) {
      if (Math.abs(values[i]) > FLOAT16_MAX) {
        throw new ExprsimError(
          'E_MODEL_FORMAT',
          `weight ${spec.name} holds ${values[i]}, beyond float16's range (±${FLOAT16_MAX})`,
          { input: jsonPath, fix: 'keep this model in float32' },
        );
      }
    }
    outSpecs.push({ ...spec, quantization: { dtype: 'float16' } });
    parts.push(float32ToFloat16Bytes(values));
    converted++;
  }

  await mkdir(out, { recursive: true });
  const skip = new Set(['model.json', ...(json.weightsManifest ?? []).flatMap((g) => g.paths)]);
  await cp(src, out, {
    recursive: true,
    filter: (from) => from === src || !skip.has(basename(from)),
  });
  const weightsName = 'weights.bin';
  const weights = concatBytes(parts);
  await writeFileAtomic(joinPath(out, weightsName), weights);
  const outJson: tf.io.ModelJSON = {
    ...json,
    weightsManifest: [{ paths: [weightsName], weights: outSpecs }],
  };
  await writeFileAtomic(joinPath(out, 'model.json'), JSON.stringify(outJson));
  return {
    outDir: out,
    weights: specs.length,
    converted,
    bytesBefore: data.byteLength,
    bytesAfter: weights.byteLength,
  };
}

function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  const res = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of parts) {
    res.set(p, at);
    at += p.byteLength;
  }
  return res;
}
