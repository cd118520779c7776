import type { Command } from 'commander';
import type { GlobalOptions } from '../options.js';
import { printJson, printLines } from '../output.js';
import { jsonBox, modelOptions, round, withModelOptions, type ModelOpts } from './photo-options.js';

/** Registers `exprsim odd-one-out`: of three faces, the least alike (the FEC task). */
export function registerOddOneOutCommand(program: Command): void {
  withModelOptions(
    program
      .command('odd-one-out')
      .description(
        'of three faces, the one whose expression is least like the other two (the FEC task)',
      )
      .argument('<a>', 'first photo')
      .argument('<b>', 'second photo')
      .argument('<c>', 'third photo'),
  ).action(async (a: string, b: string, c: string, o: ModelOpts, cmd: Command) => {
    const g = cmd.optsWithGlobals<GlobalOptions>();
    const files = [a, b, c] as const;
    const options = { images: files, ...modelOptions(o, g) };
    const { findOddOneOut } = await import('../../search/index.js');
    const r = await findOddOneOut(options);
    if (g.json) {
      printJson({
        images: r.images.map((p) => ({
          file: p.file,
          faces: p.faces,
          face: p.chosen.face,
          box: jsonBox(p.chosen.box),
        })),
        odd: r.odd,
        oddFile: files[r.odd],
        pair: r.pair,
        distances: {
          ab: round(r.distances.ab, 6),
          ac: round(r.distances.ac, 6),
          bc: round(r.distances.bc, 6),
        },
        model: r.model,
      });
      return;
    }
    printLines([
      `odd one out: ${files[r.odd]} (the closest pair: ${files[r.pair[0]]} and ${files[r.pair[1]]})`,
      `distances: a–b ${r.distances.ab.toFixed(4)}, a–c ${r.distances.ac.toFixed(4)}, b–c ${r.distances.bc.toFixed(4)}`,
    ]);
  });
}
