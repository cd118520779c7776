import type { Command } from 'commander';
import type { QueryPhoto } from '../../search/index.js';
import { parseNumber, type GlobalOptions } from '../options.js';
import { printJson, printLines } from '../output.js';
import { jsonBox, modelOptions, round, withModelOptions, type ModelOpts } from './photo-options.js';

/** Commander's values, under the keys of `CompareImagesOptions`. */
interface SimilarOpts extends ModelOpts {
  db?: string;
  faceA?: string;
  faceB?: string;
}

const describe = (p: QueryPhoto) => ({
  file: p.file,
  faces: p.faces,
  face: p.chosen.face,
  box: jsonBox(p.chosen.box),
});

/** Registers `exprsim similar`: distance and calibrated similarity of two faces. */
export function registerSimilarCommand(program: Command): void {
  withModelOptions(
    program
      .command('similar')
      .description('how alike two facial expressions are: distance and calibrated similarity')
      .argument('<a>', 'first photo')
      .argument('<b>', 'second photo')
      .option(
        '--db <path|url>',
        'a face index to calibrate with when the model has no calibration.json',
      )
      .option('--face-a <n>', 'which face of the first photo (default: the largest)')
      .option('--face-b <n>', 'which face of the second photo (default: the largest)'),
  ).action(async (a: string, b: string, o: SimilarOpts, cmd: Command) => {
    const g = cmd.optsWithGlobals<GlobalOptions>();
    const options = {
      a,
      b,
      db: o.db,
      faceA: parseNumber('--face-a', o.faceA, { min: 0 }),
      faceB: parseNumber('--face-b', o.faceB, { min: 0 }),
      ...modelOptions(o, g),
    };
    const { compareImages } = await import('../../search/index.js');
    const r = await compareImages(options);
    const c = r.comparison;
    if (g.json) {
      printJson({
        a: describe(r.a),
        b: describe(r.b),
        model: r.model,
        distance: round(c.distance, 6),
        percentile: c.percentile === null ? null : round(c.percentile, 2),
        similarity: c.similarity === null ? null : round(c.similarity, 4),
        calibration: c.calibration,
      });
      return;
    }
    const lines = [
      `similar: ${a} (face ${r.a.chosen.face} of ${r.a.faces}) vs ${b} (face ${r.b.chosen.face} of ${r.b.faces})`,
      `distance:   ${c.distance.toFixed(4)} (0 = identical, 2 = opposite)`,
    ];
    if (c.calibration.source === 'none') {
      lines.push(`similarity: unavailable: ${c.calibration.reason}`);
    } else {
      lines.push(
        `similarity: ${(100 * c.similarity!).toFixed(1)}%: more alike than ${(100 * c.similarity!).toFixed(1)}% of random face pairs (closer than ${(100 - c.percentile!).toFixed(1)}%; calibration: ${c.calibration.source === 'model' ? 'the model’s calibration.json' : `random pairs in ${c.calibration.origin}`})`,
      );
    }
    printLines(lines);
  });
}
