import type { Command } from 'commander';
import { DEFAULT_FRAME_MODEL } from '../../embed/defaults.js';
import { parseNumber, startEngine, type GlobalOptions } from '../options.js';
import { printJson, printLines, progressBar } from '../output.js';

interface FrameOpts {
  model: string;
  detectors?: string;
  count?: string;
  seed?: string;
  write?: boolean;
}

const f3 = (v: number) => v.toFixed(3);

/** Registers `exprsim frame`: measure (and store) how a crop-trained model frames detector boxes. */
export function registerFrameCommand(program: Command): void {
  program
    .command('frame')
    .description(
      "measure where a model's training crops sit in each detector's box (and store it with --write)",
    )
    .argument('<images...>', "the model's training face crops: files and/or folders")
    .requiredOption('--model <dir>', 'a model trained on ready-made face crops')
    .option(
      '--detectors <list>',
      `comma-separated detectors (default ${DEFAULT_FRAME_MODEL.detectors.join(',')})`,
    )
    .option('--count <n>', `crops sampled (default ${DEFAULT_FRAME_MODEL.count})`)
    .option('--seed <s>', `sampling and pasting seed (default ${DEFAULT_FRAME_MODEL.seed})`)
    .option('--write', "store the framings in the model's model.json")
    .action(async (images: string[], o: FrameOpts, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      await startEngine(g);
      const { frameModel } = await import('../../embed/index.js');
      const b = progressBar(g);
      const r = await frameModel({
        model: o.model,
        images,
        detectors: o.detectors?.split(',').map((s) => s.trim()),
        count: parseNumber('--count', o.count),
        seed: parseNumber('--seed', o.seed, { max: 0xffffffff }),
        write: o.write === true,
        onProgress: b.update,
      });
      b.done();
      if (g.json) return printJson(r);
      printLines([
        `frame: ${r.images} crops pasted into canvases 3x their size, per detector:`,
        ...r.detectors.map(
          (d) =>
            `  ${d.detector}: scale ${f3(d.scale)}, dx ${f3(d.dx)}, dy ${f3(d.dy)} (IQR ${f3(d.spread.scale)}, ${f3(d.spread.dx)}, ${f3(d.spread.dy)}); median IoU ${f3(d.medianIoU)}; missed ${d.missed} of ${d.total}`,
        ),
        r.written ? `written to ${r.model}/model.json` : 'not written (pass --write to store it)',
      ]);
    });
}
