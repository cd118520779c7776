import * as tf from '@tensorflow/tfjs';
import { ExprsimError } from '../core/errors.js';
import { absolutePath, joinPath, parentPath, readTextFile } from '../core/files.js';
import { writeFileAtomic } from '../core/fs.js';
import { readWeightFiles, weightBytes } from './weights-manifest.js';

/**
 * tfjs ships file:// model IO only in tfjs-node. This handler gives the wasm and cpu backends
 * the same (and, in the browser build, the same checks over fetch, core/files.browser.ts): load a `model.json` (layers or graph model) and its weight shards from disk, and
 * save one atomically (weights first, then model.json, each via a temp file and rename, so an
 * interrupted save never leaves a model.json pointing at missing weights).
 */
export function fileIO(path: string): tf.io.IOHandler {
  const modelPath = absolutePath(path);
  const jsonPath = modelPath.endsWith('.json') ? modelPath : joinPath(modelPath, 'model.json');
  const dir = parentPath(jsonPath);

  return {
    async load(): Promise<tf.io.ModelArtifacts> {
      let text: string;
      try {
        text = await readTextFile(jsonPath);
      } catch (e) {
        throw new ExprsimError('E_FILE_NOT_FOUND', 'model file not found', {
          input: jsonPath,
          fix: 'check the path, or train or download the model first',
          cause: e,
        });
      }
      let json: tf.io.ModelJSON;
      try {
        json = JSON.parse(text) as tf.io.ModelJSON;
      } catch (e) {
        throw new ExprsimError('E_MODEL_FORMAT', 'model.json is not valid JSON', {
          input: jsonPath,
          fix: 'the file is damaged: save or copy the model again',
          cause: e,
        });
      }
      if (json.modelTopology === undefined && json.weightsManifest === undefined) {
        throw new ExprsimError(
          'E_MODEL_FORMAT',
          'not a tfjs model.json (no modelTopology or weightsManifest)',
          {
            input: jsonPath,
            fix: 'point to the model.json written by tfjs or by exprsim',
          },
        );
      }
      return tf.io.getModelArtifactsForJSON(json, async (manifest) => {
        const specs: tf.io.WeightsManifestEntry[] = [];
        const buffers: ArrayBuffer[] = [];
        for (const group of manifest) {
          specs.push(...group.weights);
          buffers.push(...(await readWeightFiles(dir, group.paths, 'model.json')));
        }
        const data = tf.io.CompositeArrayBuffer.join(buffers);
        const expected = specs.reduce((n, s) => n + weightBytes(s), 0);
        if (data.byteLength !== expected) {
          const paths = manifest.flatMap((g) => g.paths);
          const files = `${paths.join(', ')} ${paths.length === 1 ? 'holds' : 'hold'}`;
          throw new ExprsimError(
            'E_MODEL_FORMAT',
            data.byteLength < expected
              ? `weights are truncated: ${files} ${data.byteLength} bytes, model.json needs ${expected}`
              : `weights are too long: ${files} ${data.byteLength} bytes, model.json needs ${expected}`,
            {
              input: dir,
              fix: 'the weight files are damaged or belong to another model.json: copy the model folder again',
            },
          );
        }
        return [specs, data];
      });
    },

    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      const weightsName = 'weights.bin';
      const data =
        artifacts.weightData === undefined
          ? new ArrayBuffer(0)
          : tf.io.CompositeArrayBuffer.join(artifacts.weightData);
      await writeFileAtomic(joinPath(dir, weightsName), new Uint8Array(data));
      const json: tf.io.ModelJSON = {
        modelTopology: artifacts.modelTopology as tf.io.ModelJSON['modelTopology'],
        weightsManifest: [{ paths: [weightsName], weights: artifacts.weightSpecs ?? [] }],
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy,
        ...(artifacts.trainingConfig ? { trainingConfig: artifacts.trainingConfig } : {}),
        ...(artifacts.signature ? { signature: artifacts.signature } : {}),
        ...(artifacts.userDefinedMetadata
          ? { userDefinedMetadata: artifacts.userDefinedMetadata }
          : {}),
      };
      await writeFileAtomic(jsonPath, JSON.stringify(json));
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    },
  };
}

let routed = false;

/**
 * Make `tf.loadLayersModel('file://…')`, `tf.loadGraphModel('file://…')` and
 * `model.save('file://…')` work on every backend. Skipped when tfjs-node already routes file://.
 */
export function registerFileRouter(): void {
  if (routed) return;
  routed = true;
  if (tf.io.getLoadHandlers('file:///probe/model.json').length > 0) return;
  // tfjs's IORouter type says IOHandler, but routers return null for URLs they don't handle.
  const router = ((url: string | string[]) => {
    const u = Array.isArray(url) ? url[0] : url;
    return typeof u === 'string' && u.startsWith('file://') ? fileIO(u) : null;
  }) as Parameters<typeof tf.io.registerLoadRouter>[0];
  tf.io.registerLoadRouter(router);
  tf.io.registerSaveRouter(router);
}
