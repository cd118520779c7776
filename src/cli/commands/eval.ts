import type { Command } from 'commander';
import type { ResizeKernel } from '../../index.js';
import { EVAL_OPTION_SPECS } from '../../eval/defaults.js';
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

/** Registers `exprsim eval`: evaluateCommand (one split, or a suite's sets). */
export function registerEvalCommand(program: Command): void {
  const cmd = program
    .command('eval')
    .description(
      'triplet prediction accuracy (with 95% bootstrap intervals) and retrieval metrics of a model',
    );
  addOptions(cmd, EVAL_OPTION_SPECS).action(async (o: Record<string, OptionValue>) => {
    const g = cmd.optsWithGlobals<GlobalOptions>();
    await startEngine(g);
    const { evaluateCommand, formatEvalCommand } = await import('../../eval/index.js');
    const r = await withProgressBar(g, (onProgress) =>
      evaluateCommand({
        model: optString(o.model) as string,
        triplets: optString(o.triplets),
        suite: optString(o.suite),
        baselineMargins: optString(o.baselineMargins)
          ?.split(',')
          .map((m) => parseNumber('--baseline-margins', m, { int: false, max: 1 }) as number),
        split: parseSplit('--split', o.split),
        limit: parseNumber('--limit', o.limit),
        labels: optString(o.labels),
        noRetrieval: o.retrieval === false,
        features: optString(o.features),
        mirrorFeatures: optString(o.mirrorFeatures),
        averageFlip: o.averageFlip === true,
        bootstrap: {
          resamples: parseNumber('--resamples', o.resamples),
          seed: parseNumber('--seed', o.seed),
        },
        retrieval: { knnK: parseNumber('--knn', o.knn) },
        calibrationOut: optString(o.calibrationOut),
        versus: optString(o.versus)?.split(','),
        versusResize: optString(o.versusResize) as ResizeKernel | undefined,
        onProgress,
      }),
    );
    if (g.json) printJson(r);
    else printLines(formatEvalCommand(r));
  });
}
