// The baseline names, without TensorFlow.js (the CLI's help lists them); baselines.ts re-exports
// them.

/**
 * The baselines every trained model is compared with: raw pixels (flattened, L2-normalised), an
 * untrained head (what training starts from), the outputs of the frozen backbones src/features
 * provides (face-api's 128-d identity descriptor and its 7 expression probabilities), and of its
 * frozen classifiers (Human's 7 emotion probabilities).
 */
export const BASELINE_NAMES = [
  'raw-pixels',
  'untrained-head',
  'faceapi-recognition',
  'faceapi-expression',
  'human-emotion',
] as const;
export type BaselineName = (typeof BASELINE_NAMES)[number];
