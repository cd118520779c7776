import { ExprsimError } from '../core/errors.js';

const KEYS = ['layer', 'inputSize', 'modelDir'];

/**
 * Validates a backbone config once: unknown keys, an unknown layer or an input size out of range
 * throw E_BAD_OPTION naming the valid values; defaults are filled in with `??`.
 */
export function resolveLayerAndSize(
  backbone: string,
  config: object,
  layers: readonly string[],
  defaultLayer: string,
  defaultSize: number,
  size: { min: number; max: number },
): { layer: string; inputSize: number } {
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    throw new ExprsimError('E_BAD_OPTION', `the ${backbone} config must be an object`, {
      fix: 'pass an object of options, or nothing for the defaults',
    });
  }
  for (const k of Object.keys(config)) {
    if (!KEYS.includes(k)) {
      throw new ExprsimError('E_BAD_OPTION', `unknown ${backbone} option "${k}"`, {
        input: k,
        fix: `use ${KEYS.join(', ')}`,
      });
    }
  }
  const c = config as { layer?: unknown; inputSize?: unknown };
  const layer = c.layer ?? defaultLayer;
  if (typeof layer !== 'string' || !layers.includes(layer)) {
    throw new ExprsimError('E_BAD_OPTION', `${backbone} has no layer ${JSON.stringify(layer)}`, {
      input: String(layer),
      fix: `use one of ${layers.join(', ')}`,
    });
  }
  const inputSize = c.inputSize ?? defaultSize;
  if (
    typeof inputSize !== 'number' ||
    !Number.isInteger(inputSize) ||
    inputSize < size.min ||
    inputSize > size.max
  ) {
    throw new ExprsimError(
      'E_BAD_OPTION',
      `${backbone} inputSize must be a whole number from ${size.min} to ${size.max}, got ${String(inputSize)}`,
      { input: String(inputSize), fix: `use ${defaultSize}, the size it was trained at` },
    );
  }
  return { layer, inputSize };
}
