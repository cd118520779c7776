import { ExprsimError } from '../core/errors.js';
import type { BackboneRef } from '../core/types.js';
import type { Backbone, BackboneConfig, BackboneName } from './types.js';

/** The registered backbones, in the order the CLI and the benchmark list them. */
export const BACKBONE_NAMES: readonly BackboneName[] = [
  'faceapi-recognition',
  'faceapi-expression',
];

export function isBackboneName(name: unknown): name is BackboneName {
  return typeof name === 'string' && (BACKBONE_NAMES as readonly string[]).includes(name);
}

const FACTORIES: Record<BackboneName, (c: BackboneConfig) => Promise<Backbone>> = {
  'faceapi-recognition': async (c) =>
    (await import('./faceapi-recognition.js')).FaceApiRecognitionBackbone.create(c),
  'faceapi-expression': async (c) =>
    (await import('./faceapi-expression.js')).FaceApiExpressionBackbone.create(c),
};

/**
 * Creates a frozen backbone by name, loading its shipped weights from disk (models/<name>/).
 *
 * - `faceapi-recognition`: face-api's identity ResNet; layers conv64, conv128, conv256
 *   (default, 4x4x256 at 150x150), conv256_out; output the 128-d descriptor.
 * - `faceapi-expression`: face-api's expression net; layers dense2, dense3 (default, 7x7x256 at
 *   112x112); output 7 expression probabilities.
 *
 * Throws E_UNKNOWN_NAME for another name, E_BAD_OPTION for a bad config, E_FILE_NOT_FOUND /
 * E_MODEL_FORMAT when the weights are missing or damaged. Needs an initialised engine.
 */
export async function createBackbone(name: string, config: BackboneConfig = {}): Promise<Backbone> {
  if (!isBackboneName(name)) {
    throw new ExprsimError('E_UNKNOWN_NAME', `unknown backbone "${String(name)}"`, {
      input: String(name),
      fix: `use one of ${BACKBONE_NAMES.join(', ')}`,
    });
  }
  return FACTORIES[name](config);
}

/** The layer a backbone version names (`<sha>:<layer>`). */
export function layerOfVersion(version: string): string | undefined {
  const i = version.lastIndexOf(':');
  return i >= 0 ? version.slice(i + 1) : undefined;
}

/**
 * Recreates the backbone a cache or a model manifest names and checks that the shipped weights are
 * the ones it was made with (E_BACKBONE_MISMATCH otherwise).
 */
export async function backboneFromRef(
  ref: BackboneRef,
  options: { inputSize?: number; modelDir?: string; source?: string } = {},
): Promise<Backbone> {
  const layer = layerOfVersion(ref.version);
  const backbone = await createBackbone(ref.name, {
    ...(layer !== undefined ? { layer } : {}),
    ...(options.inputSize !== undefined ? { inputSize: options.inputSize } : {}),
    ...(options.modelDir !== undefined ? { modelDir: options.modelDir } : {}),
  });
  if (backbone.version !== ref.version) {
    const have = backbone.version;
    backbone.dispose();
    throw new ExprsimError(
      'E_BACKBONE_MISMATCH',
      `made with backbone ${ref.name} version ${ref.version}, but the installed weights are version ${have}`,
      {
        input: options.source,
        fix: 'use the exprsim (and models/ folder) it was made with, or re-extract features / retrain',
      },
    );
  }
  return backbone;
}
