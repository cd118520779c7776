/**
 * The model and detector a photo command works with, opened together: the model folder
 * (checked first, it is cheap), the engine, the embedder, then the detector. One path for
 * embed, index, search and the server.
 */
import type { Detector } from '../core/face.js';
import { createDetector, isDetectorName } from '../detect/registry.js';
import { initEngine, type BackendName } from '../engine/backend.js';
import { resolveModelPath } from '../models/default-model.js';
import { DEFAULT_EMBED } from './defaults.js';
import { createEmbedder, type FaceEmbedder } from './face-embedder.js';

export interface FaceToolsOptions {
  /** A model folder; default the shipped `models/exprsim-default`. */
  model?: string;
  /**
   * The detector to find faces with; default the one the model's record names, else
   * `DEFAULT_EMBED.detector`; false for none (the images are face crops).
   */
  detector?: string | false;
  /** The tensor backend to start; default the engine's choice. */
  backend?: BackendName;
}

export interface FaceTools {
  /** The model folder used. */
  modelDir: string;
  embedder: FaceEmbedder;
  detector: Detector | undefined;
  /** Frees the detector and the embedder. */
  dispose(): void;
}

/** Face tools opened with a detector. */
export type DetectingFaceTools = FaceTools & { detector: Detector };

/** The detector a model's faces were found by, from its preprocessing record. */
export function recordedDetector(embedder: FaceEmbedder): string | undefined {
  const crop = embedder.preprocess.crop;
  return crop.kind === 'detector' ? crop.detector : undefined;
}

/**
 * Checks a detector name before anything heavy is opened (a store, the engine, a model): an
 * unknown one throws the registry's own E_UNKNOWN_NAME. A known name loads nothing.
 */
export async function checkDetectorName(name: string): Promise<void> {
  if (!isDetectorName(name)) await createDetector(name);
}

/**
 * Opens the embedder of `model` and the detector (E_NO_MODEL / E_FILE_NOT_FOUND for a missing
 * model, E_UNKNOWN_NAME from the detector registry). Call `dispose()` when done.
 */
export async function openFaceTools(
  options: FaceToolsOptions & { detector: string },
): Promise<DetectingFaceTools>;
export async function openFaceTools(options?: FaceToolsOptions): Promise<FaceTools>;
export async function openFaceTools(options: FaceToolsOptions = {}): Promise<FaceTools> {
  const modelDir = resolveModelPath(options.model);
  await initEngine({ backend: options.backend });
  const embedder = await createEmbedder(modelDir);
  let detector: Detector | undefined;
  try {
    if (options.detector !== false) {
      detector = await createDetector(
        options.detector ?? recordedDetector(embedder) ?? DEFAULT_EMBED.detector,
      );
    }
  } catch (e) {
    embedder.dispose();
    throw e;
  }
  return {
    modelDir,
    embedder,
    detector,
    dispose() {
      detector?.dispose();
      embedder.dispose();
    },
  };
}
