import type { Command } from 'commander';
import type { ResizeKernel } from '../../index.js';
import {
  BASELINE_NAMES,
  DEFAULT_BASELINE_OPTIONS as B,
  DEFAULT_EVAL_OPTIONS as D,
  RESIZE_KERNELS,
} from '../../eval/defaults.js';
import {
  optString,
  parseNumber,
  parseSplit,
  startEngine,
  type GlobalOptions,
  type OptionValue,
} from '../options.js';
import { printJson, printLines, progressBar } from '../output.js';

/** Registers `exprsim baselines`: evaluateBaselines. */
export function registerBaselinesCommand(program: Command): void {
  program
    .command('baselines')
    .description(
      "score the baselines (raw pixels, untrained head, face-api outputs, Human's emotion probabilities) exactly as eval scores models",
    )
    .requiredOption('--triplets <dir>', 'triplet dataset folder (dataset.json)')
    .option('--split <split>', `split to score (default ${D.split})`)
    .option('--only <names>', `comma-separated subset of ${BASELINE_NAMES.join(', ')}`)
    .option(
      '--pixels <HxWxC>',
      `pixel input of raw pixels and the untrained head (default ${B.pixels.join('x')})`,
    )
    .option(
      '--resize <kernel>',
      `resampling of the pixel baselines and face-api's outputs: ${RESIZE_KERNELS.join(', ')} (default ${B.resize}; face-api.js itself: linear)`,
    )
    .option('--head <name>', `untrained head (default ${B.head})`)
    .option('--preset <name>', `untrained head preset (default ${B.preset})`)
    .option('--limit <n>', 'only the first N triplets')
    .option('--no-retrieval', 'skip precision@k, mAP and k-NN accuracy')
    .option('--resamples <n>', `bootstrap resamples (default ${D.bootstrap.resamples})`)
    .option('--seed <n>', `bootstrap seed (default ${D.bootstrap.seed})`)
    .action(async (o: Record<string, OptionValue>, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      await startEngine(g);
      const { evaluateBaselines, formatBaselineResults, parseShape3 } =
        await import('../../eval/index.js');
      const pixels = optString(o.pixels);
      const bar = progressBar(g);
      let r: Awaited<ReturnType<typeof evaluateBaselines>>;
      try {
        r = await evaluateBaselines({
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
          onProgress: bar.update,
        });
      } finally {
        bar.done();
      }
      if (g.json) printJson(r);
      else printLines(formatBaselineResults(r));
    });
}
