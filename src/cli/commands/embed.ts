import type { Command } from 'commander';
import { DEFAULT_EMBED } from '../../embed/defaults.js';
import { parseNumber, resolveBackend, type GlobalOptions } from '../options.js';
import { printJson, printLines, progressBarOnFirstEvent } from '../output.js';

/** Commander's values, under the keys of `EmbedImagesOptions`. */
interface EmbedOpts {
  model?: string;
  out: string;
  detect: boolean;
  detector?: string;
  maxFaces?: string;
  margin?: string;
  batchSize?: string;
}

/** Registers `exprsim embed`: the faces in images → 16-d vectors in a file. */
export function registerEmbedCommand(program: Command): void {
  program
    .command('embed')
    .description('embed the faces in images with a trained model (16-d unit vectors)')
    .argument('<images...>', 'image files and/or folders (searched recursively)')
    .option('--model <dir>', 'a model folder (default: the shipped models/exprsim-default)')
    .requiredOption('--out <file>', 'output: .jsonl, .csv or .npy (+ <name>.rows.csv)')
    .option('--no-detect', 'the images are face crops already: embed each whole image')
    .option(
      '--detector <name>',
      `face detector for photos (default: the one the model’s record names, else ${DEFAULT_EMBED.detector})`,
    )
    .option('--max-faces <n>', 'at most n faces per image (highest scores first)')
    .option(
      '--margin <m>',
      `margin around detected boxes, fraction of their size (default: the model’s, else ${DEFAULT_EMBED.margin})`,
    )
    .option('--batch-size <n>', `faces per forward pass (default ${DEFAULT_EMBED.batchSize})`)
    .action(async (images: string[], o: EmbedOpts, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const options = {
        images,
        out: o.out,
        model: o.model,
        detect: o.detect,
        detector: o.detector,
        maxFaces: parseNumber('--max-faces', o.maxFaces, { min: 1 }),
        batchSize: parseNumber('--batch-size', o.batchSize, { min: 1 }),
        margin: parseNumber('--margin', o.margin, { int: false, max: 2 }),
        backend: resolveBackend(g),
      };
      const { embedImages } = await import('../../embed/index.js');
      const b = progressBarOnFirstEvent(g);
      const r = await embedImages({ ...options, onProgress: b.update });
      b.done();
      const files = r.files.length;
      if (g.json) {
        printJson({
          out: r.written,
          files,
          faces: r.faces.length,
          detector: r.detector,
          noFace: r.noFace,
          failed: r.failed,
        });
        return;
      }
      const lines = [
        `embed: ${r.faces.length} face${r.faces.length === 1 ? '' : 's'} from ${files} file${files === 1 ? '' : 's'}${r.detector !== null ? ` (detector ${r.detector})` : ' (whole images as faces)'} → ${r.written.join(', ')}`,
      ];
      if (r.noFace.length > 0) {
        lines.push(`no face found in ${r.noFace.length}:`);
        for (const f of r.noFace.slice(0, 10)) lines.push(`  ${f}`);
      }
      if (r.failed.length > 0) {
        lines.push(`skipped ${r.failed.length} unreadable:`);
        for (const f of r.failed.slice(0, 10)) lines.push(`  ${f.reason}`);
      }
      printLines(lines);
    });
}
