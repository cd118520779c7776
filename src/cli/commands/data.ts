import type { Command } from 'commander';
import type { LabelOptions } from '../../index.js';
import { numberOption, type GlobalOptions } from '../options.js';
import { printResult, withProgressBar } from '../output.js';
import { registerFecCommands, withVoteOptions } from './data-fec.js';
import { registerTripletsCommand } from './data-triplets.js';
import { registerFerplusTripletsCommand } from './data-ferplus.js';
import { registerMixCommand } from './data-mix.js';
import { registerTeacherTripletsCommand } from './data-teacher.js';

// The data commands need no tensors: the data stage's entry loads neither TensorFlow.js nor sharp.

/** Registers `exprsim data …`: fec-info, fec-download, fec-triplets, triplets, ferplus-triplets, mix, teacher-triplets. */
export function registerDataCommands(program: Command): void {
  const data = program
    .command('data')
    .description('datasets: FEC CSVs and images, labelled sets, triplet files');
  registerFerplusTripletsCommand(data);

  const info = data
    .command('fec-info')
    .description(
      'validate an FEC CSV and summarise it: rows, bad rows, images, types, rater agreement',
    )
    .argument('<file>', 'faceexp-comparison-data-{train,test}-public.csv');
  withVoteOptions(info, 'count')
    .addOption(numberOption('--bad-rows <n>', 'bad rows to list', { default: 5 }))
    .action(async (file: string, o: LabelOptions & { badRows: number }, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const { fecInfo, formatFecInfo } = await import('../../data/index.js');
      const { badRows, ...options } = o;
      const keepBadRows = Math.max(badRows, 20);
      const r = await withProgressBar(g, (onProgress) =>
        fecInfo(file, { ...options, keepBadRows, onProgress }),
      );
      printResult(g, r, () => formatFecInfo(r, badRows));
    });

  registerFecCommands(data);
  registerTripletsCommand(data);
  registerMixCommand(data);
  registerTeacherTripletsCommand(data);
}
