import type { Command } from 'commander';
import type { ModelEvaluation, ResizeKernel } from '../../index.js';
import { BASELINE_NAMES, DEFAULT_EVAL_OPTIONS as D, RESIZE_KERNELS } from '../../eval/defaults.js';
import {
  optString,
  parseNumber,
  parseSplit,
  startEngine,
  type GlobalOptions,
  type OptionValue,
} from '../options.js';
import { printJson, printLines, progressBar } from '../output.js';

/** Registers `exprsim eval MODEL`: evaluateModel. */
export function registerEvalCommand(program: Command): void {
  program
    .command('eval')
    .description(
      'triplet prediction accuracy (with 95% bootstrap intervals) and retrieval metrics of a model',
    )
    .requiredOption('--model <dir>', 'a model folder (model.json with an exprsim manifest)')
    .requiredOption('--triplets <dir>', 'triplet dataset folder (dataset.json)')
    .option('--split <split>', `split to score (default ${D.split})`)
    .option(
      '--features <cache>',
      "feature cache of the model's backbone (else the backbone runs on the images)",
    )
    .option(
      '--mirror-features <cache>',
      'its mirrored view (`exprsim features … --mirror`), for models that average flips',
    )
    .option(
      '--average-flip',
      'flip-average the embeddings even if the model does not (to score the option)',
    )
    .option('--limit <n>', 'only the first N triplets')
    .option('--labels <csv>', "labels CSV for retrieval metrics (default: the dataset's own)")
    .option('--no-retrieval', 'skip precision@k, mAP and k-NN accuracy')
    .option('--resamples <n>', `bootstrap resamples (default ${D.bootstrap.resamples})`)
    .option('--seed <n>', `bootstrap seed (default ${D.bootstrap.seed})`)
    .option('--knn <k>', `k of k-NN accuracy (default ${D.knnK})`)
    .option(
      '--calibration-out <file>',
      "write random-pair distance quantiles of the split's images (a model's calibration.json)",
    )
    .option(
      '--versus <baselines>',
      `also score baselines on the same triplets (all, or some of ${BASELINE_NAMES.join(', ')}) and print the model's margin over each with a paired 95% interval`,
    )
    .option(
      '--versus-resize <kernel>',
      `the baselines' resampling (as baselines --resize): ${RESIZE_KERNELS.join(', ')}`,
    )
    .action(async (o: Record<string, OptionValue>, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      await startEngine(g);
      const { evaluateModel, formatModelEvaluation } = await import('../../eval/index.js');
      const bar = progressBar(g);
      let r: ModelEvaluation;
      try {
        r = await evaluateModel({
          model: optString(o.model) as string,
          triplets: optString(o.triplets) as string,
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
          onProgress: bar.update,
        });
      } finally {
        bar.done();
      }
      if (g.json) printJson(r);
      else printLines(formatModelEvaluation(r));
    });
}
