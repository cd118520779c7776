import type { Command } from 'commander';
import { FRAME_OPTION_SPECS } from '../../embed/defaults.js';
import { parseNumber, startEngine, type GlobalOptions } from '../options.js';
import { printJson, printLines } from '../output.js';
import { addOptions } from './option-specs.js';
import { withProgressBar } from './with-progress.js';

/** Registers `exprsim frame`: measure (and store) how a crop-trained model frames detector boxes. */
export function registerFrameCommand(program: Command): void {
  const cmd = program
    .command('frame')
    .description("measure where a model's training crops sit in each detector's box")
    .argument('<images...>', "the model's training face crops: files and/or folders");
  addOptions(cmd, FRAME_OPTION_SPECS).action(
    async (images: string[], o: Record<string, string>) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      await startEngine(g);
      const { frameModel, formatFrameResult } = await import('../../embed/index.js');
      const r = await withProgressBar(g, (onProgress) =>
        frameModel({
          model: o.model,
          images,
          detectors: o.detectors?.split(',').map((s) => s.trim()),
          count: parseNumber('--count', o.count),
          seed: parseNumber('--seed', o.seed, { max: 0xffffffff }),
          write: Boolean(o.write),
          onProgress,
        }),
      );
      if (g.json) printJson(r);
      else printLines(formatFrameResult(r));
    },
  );
}
