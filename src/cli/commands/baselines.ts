import type { Command } from 'commander';
import type { ResizeKernel } from '../../index.js';
import { BASELINE_OPTION_SPECS } from '../../eval/defaults.js';
import {
  optString,
  parseNumber,
  parseSplit,
  startEngine,
  type GlobalOptions,
  type OptionValue,
} from '../options.js';
import { printJson, printLines } from '../output.js';
import { addOptions } from './option-specs.js';
import { withProgressBar } from './with-progress.js';

/** Registers `exprsim baselines`: evaluateBaselines. */
export function registerBaselinesCommand(program: Command): void {
  const cmd = program
    .command('baselines')
    .description(
      "score the baselines (raw pixels, untrained head, face-api outputs, Human's emotion probabilities) exactly as eval scores models",
    );
  addOptions(cmd, BASELINE_OPTION_SPECS).action(async (o: Record<string, OptionValue>) => {
    const g = cmd.optsWithGlobals<GlobalOptions>();
    await startEngine(g);
    const { evaluateBaselines, formatBaselineResults, parseShape3 } =
      await import('../../eval/index.js');
    const pixels = optString(o.pixels);
    const r = await withProgressBar(g, (onProgress) =>
      evaluateBaselines({
        triplets: optString(o.triplets) as string,
        split: parseSplit('--split', o.split),
        limit: parseNumber('--limit', o.limit),
        noRetrieval: o.retrieval === false,
        only: optString(o.only)?.split(','),
        pixels: pixels === undefined ? undefined : parseShape3(pixels, '--pixels'),
        resize: optString(o.resize) as ResizeKernel | undefined,
        head: optString(o.head),
        preset: optString(o.preset),
        bootstrap: {
          resamples: parseNumber('--resamples', o.resamples),
          seed: parseNumber('--seed', o.seed),
        },
        onProgress,
      }),
    );
    if (g.json) printJson(r);
    else printLines(formatBaselineResults(r));
  });
}
