import { Option, type Command } from 'commander';
import { ExprsimError } from '../../core/index.js';
import { DEFAULT_LABEL_TRIPLETS, OVERWRITE_OPTION } from '../../data/defaults.js';
import { addOptions } from './option-specs.js';
import type { TripletsOptions } from '../../index.js';
import { keyedOption } from '../keyed-option.js';
import {
  addSplitCountOptions,
  numberOption,
  parseNumber,
  seedOption,
  splitCounts,
  type GlobalOptions,
} from '../options.js';
import { printResult, withProgressBar } from '../output.js';

/** `--split-ratios 0.8,0.1,0.1` as three fractions. */
function splitRatios(value: string): [number, number, number] {
  const ratios = value
    .split(',')
    .map((x) => parseNumber('--split-ratios', x, { int: false, max: 1 }) as number);
  if (ratios.length === 3) return ratios as [number, number, number];
  throw new ExprsimError('E_BAD_OPTION', '--split-ratios needs three fractions train,val,test', {
    input: `--split-ratios ${value}`,
    fix: 'e.g. --split-ratios 0.8,0.1,0.1',
  });
}

/** Registers `exprsim data triplets` on the `data` group. */
export function registerTripletsCommand(data: Command): void {
  const d = DEFAULT_LABEL_TRIPLETS;
  const cmd = data
    .command('triplets')
    .description(
      'two-class triplets from a labelled dataset -> train/val/test triplet files and dataset.json',
    )
    .option(
      '--labels <csv>',
      'labels CSV: path,label[,split|usage][,subject], paths relative to the CSV',
    )
    .option('--folder <dir>', 'image folder: <label>/<image> (or <split>/<label>/<image>)')
    .option(
      '--fer2013 <csv>',
      'the original fer2013.csv (faces are extracted to OUT/fer2013-images)',
    )
    .addOption(keyedOption('--out <dir>', 'output folder', 'outDir').makeOptionMandatory())
    .addOption(numberOption('--per-split <n>', 'triplets for each of train, val and test'));
  addSplitCountOptions(cmd, d.counts, '-count')
    .addOption(seedOption('random seed (integer)', d.seed))
    .option('--subject-disjoint', 'keep each subject in one split (needs a subject column)')
    .option(
      '--cross-subject',
      'anchor and positive from different subjects (needs a subject column; for dev sets)',
    )
    .addOption(
      new Option('--split-ratios <r>', 'train,val,test fractions when the data has no splits')
        .argParser(splitRatios)
        .default(d.splitRatios, d.splitRatios.join(',')),
    )
    .addOption(
      keyedOption(
        '--strict-files',
        'fail if a listed image is missing (default: skip and report)',
        'requireFiles',
      ),
    )
    .option(
      '--source-name <name>',
      'source name in the triplet rows (default: the dataset folder name)',
    );
  addOptions(cmd, [OVERWRITE_OPTION]).action(
    async (o: TripletsOptions & { perSplit?: number }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const counts = splitCounts(o, o.perSplit);
      const { formatTripletsResult, tripletsResultJson, writeTriplets } =
        await import('../../data/index.js');
      const r = await withProgressBar(g, (onProgress) =>
        writeTriplets({ ...o, counts, onProgress }),
      );
      printResult(g, tripletsResultJson(r), () => formatTripletsResult(r, o.outDir));
    },
  );
}
