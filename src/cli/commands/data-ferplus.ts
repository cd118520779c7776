import type { Command } from 'commander';
import { DEFAULT_FERPLUS_TRIPLETS, OVERWRITE_OPTION } from '../../data/defaults.js';
import { addOptions } from './option-specs.js';
import type { FerplusTripletOptions } from '../../data/index.js';
import { keyedOption } from '../keyed-option.js';
import {
  addSplitCountOptions,
  numberOption,
  parseSplit,
  seedOption,
  splitCounts,
  type GlobalOptions,
} from '../options.js';
import { printResult, withProgressBar } from '../output.js';

const D = DEFAULT_FERPLUS_TRIPLETS;

/** Registers `exprsim data ferplus-triplets` on the `data` command. */
export function registerFerplusTripletsCommand(data: Command): void {
  const cmd = data
    .command('ferplus-triplets')
    .description(
      'graded triplets from FER+ votes (odd one out from the raters\u2019 distributions) -> train/val triplet files and dataset.json',
    )
    .requiredOption(
      '--votes <files...>',
      'votes.csv (path,usage,10 counts), FERPlus fer2013new.csv or its label.csv files',
    )
    .addOption(keyedOption('--out <dir>', 'output folder', 'outDir').makeOptionMandatory());
  addSplitCountOptions(addOptions(cmd, [OVERWRITE_OPTION]), D.counts, '', {
    test: ', when the votes have PrivateTest',
  })
    .addOption(
      numberOption(
        '--one-class-share <x>',
        `share of one-class triplets, 0..1 (default ${D.oneClassShare})`,
        { int: false, max: 1 },
      ),
    )
    .addOption(
      numberOption(
        '--min-margin <d>',
        `keep a triplet when the next distance exceeds the closest by this (total variation, default ${D.minMargin})`,
        { int: false, max: 1 },
      ),
    )
    .addOption(
      numberOption(
        '--max-nf <n>',
        `leave out faces with more "not a face" (NF) votes than this (default ${D.maxNf})`,
      ),
    )
    .addOption(
      numberOption(
        '--max-unknown <n>',
        `leave out faces with more "unknown" votes than this (default ${D.maxUnknown})`,
      ),
    )
    .addOption(seedOption(`random seed (default ${D.seed})`))
    .option('--source-name <name>', `source name in the triplet rows (default ${D.sourceName})`)
    .option('--split <name>', 'split of a label.csv whose folder name does not say it', (v) =>
      parseSplit('--split', v),
    )
    .option(
      '--images-dir <dir>',
      'fer2013new.csv: folder holding FER2013Train, FER2013Valid, FER2013Test',
    )
    .action(async (o: FerplusTripletOptions, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const { ferplusResultJson, formatFerplusResult, writeFerplusTriplets } =
        await import('../../data/index.js');
      const r = await withProgressBar(g, (onProgress) =>
        writeFerplusTriplets({ ...o, counts: splitCounts(o), onProgress }),
      );
      printResult(g, ferplusResultJson(r), () => formatFerplusResult(r, o.outDir));
    });
}
