import type { Command } from 'commander';
import {
  checkMinFace,
  DEFAULT_DETECTOR,
  DETECTOR_NAMES,
  MIN_FACE_LIMITS,
  parseDetectorName,
} from '../../detect/defaults.js';
import { IMAGE_LIMIT_OPTION_SPECS } from '../../image/defaults.js';
import type { ExprsimError } from '../../core/index.js';
import type { DetectFilesOptions } from '../../index.js';
import { cliErrorLine, commandFlags } from '../error-line.js';
import { imageLimits, numberOption, startEngine, type GlobalOptions } from '../options.js';
import { addOptions } from './option-specs.js';
import { printResult, withProgressBar } from '../output.js';

/** Registers `exprsim detect IMAGES...`. */
export function registerDetectCommand(program: Command): void {
  const minFaces = DETECTOR_NAMES.filter((d) => MIN_FACE_LIMITS[d] !== undefined)
    .map((d) => `${d} ${MIN_FACE_LIMITS[d]}`)
    .join(', ');
  const cmd = program
    .command('detect')
    .description('find faces in images: boxes, scores and landmarks per image')
    .argument('<images...>', 'JPEG, PNG or WebP files')
    .option('--detector <name>', `one of ${DETECTOR_NAMES.join(', ')}`, DEFAULT_DETECTOR)
    .option('--annotate <dir>', 'also write each image with its faces drawn into this folder')
    .addOption(
      numberOption(
        '--min-face <px>',
        `smallest face to look for, in pixels (at least: ${minFaces}; blazeface ignores it)`,
        { min: 1, int: false },
      ),
    );
  addOptions(cmd, IMAGE_LIMIT_OPTION_SPECS).action(
    async (images: string[], o: DetectFilesOptions & { maxPixels?: string; failOn?: string }) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      // Checked before the engine starts: a typo should not cost a second.
      const detector = parseDetectorName(o.detector as string);
      if (o.minFace !== undefined) checkMinFace(detector, o.minFace);
      const limits = imageLimits(o);
      await startEngine(g);
      const { detectFiles, detectFilesJson, formatDetectFiles } =
        await import('../../detect/index.js');
      const r = await withProgressBar(g, (onProgress) =>
        detectFiles(images, {
          ...o,
          ...limits,
          detector,
          onProgress,
          onSkip: skipped(g, cmd),
        }),
      );
      printResult(g, detectFilesJson(r), () => formatDetectFiles(r));
      if (r.failed === images.length) process.exitCode = 1;
    },
  );
}

/** Skipped files, on stderr as they happen (on a new line when a progress bar is drawn). */
function skipped(g: GlobalOptions, cmd: Command): (file: string, e: ExprsimError) => void {
  return (_file, e) => {
    const line = cliErrorLine(e, commandFlags(cmd));
    if (!g.json)
      process.stderr.write(`${process.stderr.isTTY ? '\n' : ''}exprsim: skipped ${line}\n`);
  };
}
