import type { Command } from 'commander';
import { DEFAULT_DETECTOR, DETECTOR_NAMES, parseDetectorName } from '../../detect/defaults.js';
import type { ExprsimError } from '../../core/index.js';
import type { DetectFilesOptions } from '../../index.js';
import { cliErrorLine, optionFlags } from '../error-line.js';
import { numberOption, startEngine, type GlobalOptions } from '../options.js';
import { printResult, withProgressBar } from '../output.js';

/** Registers `exprsim detect IMAGES...`. */
export function registerDetectCommand(program: Command): void {
  program
    .command('detect')
    .description('find faces in images: boxes, scores and landmarks per image')
    .argument('<images...>', 'JPEG, PNG or WebP files')
    .option('--detector <name>', `one of ${DETECTOR_NAMES.join(', ')}`, DEFAULT_DETECTOR)
    .option('--annotate <dir>', 'also write each image with its faces drawn into this folder')
    .addOption(
      numberOption('--min-face <px>', 'smallest face to look for, in pixels', {
        min: 1,
        int: false,
      }),
    )
    .action(async (images: string[], o: DetectFilesOptions, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      // Checked before the engine starts: a typo should not cost a second.
      const detector = parseDetectorName(o.detector as string);
      await startEngine(g);
      const { detectFiles, detectFilesJson, formatDetectFiles } =
        await import('../../detect/index.js');
      const r = await withProgressBar(g, (onProgress) =>
        detectFiles(images, { ...o, detector, onProgress, onSkip: skipped(g, program) }),
      );
      printResult(g, detectFilesJson(r), () => formatDetectFiles(r));
      if (r.failed === images.length) process.exitCode = 1;
    });
}

/** Skipped files, on stderr as they happen (on a new line when a progress bar is drawn). */
function skipped(g: GlobalOptions, program: Command): (file: string, e: ExprsimError) => void {
  return (_file, e) => {
    const line = cliErrorLine(e, optionFlags(program));
    if (!g.json)
      process.stderr.write(`${process.stderr.isTTY ? '\n' : ''}exprsim: skipped ${line}\n`);
  };
}
