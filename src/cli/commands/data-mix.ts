import type { Command } from 'commander';
import { ExprsimError } from '../../core/index.js';
import { OVERWRITE_OPTION } from '../../data/defaults.js';
import type { MixInput, SplitName } from '../../data/index.js';
import { keyedOption } from '../keyed-option.js';
import { seedOption, type GlobalOptions } from '../options.js';
import { printResult } from '../output.js';
import { addOptions } from './option-specs.js';

const SPLITS: readonly SplitName[] = ['train', 'val', 'test'];

/** "25000" (every input) or "25000,25000" (one per input) → per-input limits of one split. */
function limitsOf(flag: string, raw: string | undefined, inputs: number): (number | undefined)[] {
  if (raw === undefined) return new Array<undefined>(inputs).fill(undefined);
  const parts = raw.split(',').map((x) => x.trim());
  const nums = parts.map((x) => (x === '' ? NaN : Number(x)));
  if (nums.some((n) => !Number.isInteger(n) || n < 0) || ![1, inputs].includes(nums.length)) {
    throw new ExprsimError(
      'E_BAD_OPTION',
      `${flag} takes a whole number >= 0, or one per input (${inputs})`,
      {
        input: `${flag} ${raw}`,
        fix: `e.g. ${flag} 25000 or ${flag} ${new Array(inputs).fill('25000').join(',')}`,
      },
    );
  }
  return nums.length === 1 ? new Array<number>(inputs).fill(nums[0]) : nums;
}

type MixOpts = Record<`${SplitName}Count`, string | undefined> & {
  outDir: string;
  seed?: number;
  overwrite?: boolean;
};

/** Registers `exprsim data mix` on the `data` command. */
export function registerMixCommand(data: Command): void {
  const cmd = data
    .command('mix')
    .description(
      'one triplet set from several (e.g. graded FER+ and FER2013 label triplets), drawn at random and shuffled together',
    )
    .argument('<dirs...>', 'triplet dataset folders (dataset.json)')
    .addOption(keyedOption('--out <dir>', 'output folder', 'outDir').makeOptionMandatory());
  for (const s of SPLITS) {
    cmd.option(
      `--${s}-count <n>`,
      `at most N ${s} triplets from each input, or N1,N2,… one per input (default all)`,
    );
  }
  addOptions(cmd, [OVERWRITE_OPTION])
    .addOption(seedOption('random seed (default 1)'))
    .action(async (dirs: string[], o: MixOpts, c: Command) => {
      const g = c.optsWithGlobals<GlobalOptions>();
      const { formatMixResult, mixTriplets } = await import('../../data/index.js');
      const per = SPLITS.map((s) => limitsOf(`--${s}-count`, o[`${s}Count`], dirs.length));
      const inputs: MixInput[] = dirs.map((dir, k) => {
        const limit = Object.fromEntries(
          SPLITS.map((s, j) => [s, per[j][k]]).filter(([, n]) => n !== undefined),
        );
        return Object.keys(limit).length > 0 ? { dir, limit } : { dir };
      });
      const r = await mixTriplets({
        inputs,
        outDir: o.outDir,
        seed: o.seed,
        overwrite: o.overwrite,
      });
      printResult(g, r, () => formatMixResult(r, dirs));
    });
}
