import type { Command } from 'commander';
import { DEFAULT_DETECTOR, DETECTOR_NAMES, parseDetectorName } from '../../detect/defaults.js';
import { parseNumber, startEngine, type GlobalOptions } from '../options.js';
import { printJson, progressBar } from '../output.js';

interface DetectOpts {
  detector: string;
  annotate?: string;
  minFace?: string;
}

/** Registers `exprsim detect IMAGES...`. */
export function registerDetectCommand(program: Command): void {
  program
    .command('detect')
    .description('find faces in images: boxes, scores and landmarks per image')
    .argument('<images...>', 'JPEG, PNG or WebP files')
    .option('--detector <name>', `one of ${DETECTOR_NAMES.join(', ')}`, DEFAULT_DETECTOR)
    .option('--annotate <dir>', 'also write each image with its faces drawn into this folder')
    .option('--min-face <px>', 'smallest face to look for, in pixels')
    .action(async (images: string[], o: DetectOpts, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const minFace = parseNumber('--min-face', o.minFace, { min: 1, int: false });
      // Checked before the engine starts: a typo should not cost a second.
      const detector = parseDetectorName(o.detector);
      await startEngine(g);
      const { detectFiles } = await import('../../detect/index.js');
      const bar = progressBar(g);
      const r = await detectFiles(images, {
        detector,
        minFace,
        annotate: o.annotate,
        onProgress: bar.update,
        onSkip: (_file, e) => {
          if (!g.json)
            process.stderr.write(
              `${process.stderr.isTTY ? '\n' : ''}exprsim: skipped ${e.toLine()}\n`,
            );
        },
      }).finally(() => bar.done());
      if (g.json) {
        printJson({ detector: r.detector, config: r.config, images: r.images });
      } else {
        for (const f of r.images) {
          if (f.faces === undefined) continue;
          process.stdout.write(
            `${f.file}: ${f.faces.length} face${f.faces.length === 1 ? '' : 's'}\n`,
          );
          for (const { box: b, score } of f.faces) {
            process.stdout.write(`  x ${b.x} y ${b.y} w ${b.width} h ${b.height} score ${score}\n`);
          }
        }
        if (r.failed > 0)
          process.stdout.write(`${r.failed} of ${images.length} images skipped (see above)\n`);
      }
      if (r.failed === images.length) process.exitCode = 1;
    });
}
