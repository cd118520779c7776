// What the photo commands (index, search, similar, odd-one-out) share: the model options and
// how boxes and numbers are shown.
import type { Command } from 'commander';
import { roundTo, roundedBox, type FaceBox } from '../../core/index.js';
// The tfjs-free list of detector names (detect/ has no defaults module on this branch yet).
import { DETECTOR_NAMES } from '../../detect/defaults.js';
import { DEFAULT_SEARCH } from '../../search/defaults.js';
import { parseNumber, resolveBackend, type GlobalOptions } from '../options.js';

export { DETECTOR_NAMES };

/** Commander's values of the model options, under the keys of `PhotoModelOptions`. */
export interface ModelOpts {
  model?: string;
  detector: string;
  margin?: string;
}

export function withModelOptions(cmd: Command): Command {
  return cmd
    .option('--model <dir>', 'a model folder (default: the shipped models/exprsim-default)')
    .option(
      '--detector <name>',
      `face detector: ${DETECTOR_NAMES.join(', ')}`,
      DEFAULT_SEARCH.detector,
    )
    .option(
      '--margin <m>',
      'margin around detected boxes, fraction of their size (default: the model’s)',
    );
}

/** The model options as `PhotoModelOptions` (the backend from the global `--backend`). */
export function modelOptions(o: ModelOpts, g: GlobalOptions) {
  return {
    model: o.model,
    detector: o.detector,
    margin: parseNumber('--margin', o.margin, { int: false, max: 2 }),
    backend: resolveBackend(g),
  };
}

/** Distances and scores in JSON: `digits` decimals. */
export const round = (x: number, digits = 4) => roundTo(x, digits);
/** Boxes in JSON: 0.1 px. */
export const jsonBox = (b: FaceBox) => roundedBox(b, 1);
export const boxText = (b: FaceBox) =>
  `${Math.round(b.width)}x${Math.round(b.height)} at (${Math.round(b.x)}, ${Math.round(b.y)})`;
