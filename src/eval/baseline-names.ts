// The baseline names, without TensorFlow.js (the CLI's help lists them); baselines.ts re-exports
// them.
import { ExprsimError } from '../core/errors.js';
import { RESIZE_KERNELS, type ResizeKernel } from '../image/types.js';

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

/**
 * Baseline names as a caller lists them, checked (`all` alone = every one); `option` is the key
 * the list came in, for errors. E_BAD_OPTION for an empty list, E_UNKNOWN_NAME for a name that
 * is no baseline.
 */
export function resolveBaselineNames(
  names: readonly string[] | undefined,
  option: string,
): BaselineName[] | undefined {
  if (names === undefined) return undefined;
  const list = names.map((s) => s.trim()).filter((s) => s !== '');
  if (list.length === 1 && list[0] === 'all') return [...BASELINE_NAMES];
  if (list.length === 0) {
    throw new ExprsimError('E_BAD_OPTION', `\`${option}\` names no baseline`, {
      input: JSON.stringify(names.join(',')),
      fix: `pass all, or some of ${BASELINE_NAMES.join(', ')}`,
      option,
    });
  }
  for (const n of list) {
    if (!(BASELINE_NAMES as readonly string[]).includes(n)) {
      throw new ExprsimError('E_UNKNOWN_NAME', `unknown baseline "${n}"`, {
        input: list.join(','),
        fix: `use all, or some of ${BASELINE_NAMES.join(', ')}`,
        option,
      });
    }
  }
  return list as BaselineName[];
}

/**
 * A baselines' resampling option (`resize`, `versusResize`), checked up front: a bad kernel
 * would otherwise fail every baseline, one by one.
 */
export function checkBaselineResize(
  kernel: ResizeKernel | undefined,
  option: string,
): ResizeKernel | undefined {
  if (kernel === undefined || RESIZE_KERNELS.includes(kernel)) return kernel;
  throw new ExprsimError(
    'E_BAD_OPTION',
    `\`${option}\` must be ${RESIZE_KERNELS.join(', ')}, got ${String(kernel)}`,
    { input: String(kernel), fix: `pass one of ${RESIZE_KERNELS.join(', ')}`, option },
  );
}
