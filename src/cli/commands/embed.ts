import type { Command } from 'commander';
import { EMBED_OPTION_SPECS } from '../../embed/defaults.js';
import { IMAGE_LIMIT_OPTION_SPECS } from '../../image/defaults.js';
import { imageLimits, parseNumber, resolveBackend, type GlobalOptions } from '../options.js';
import { printJson, printLines } from '../output.js';
import { addOptions } from './option-specs.js';
import { withProgressBar } from './with-progress.js';

/** Commander's values, under the keys of `EmbedImagesOptions`. */
interface EmbedOpts {
  model?: string;
  out: string;
  detect: boolean;
  detector?: string;
  maxFaces?: string;
  margin?: string;
  batchSize?: string;
  maxPixels?: string;
  failOn?: string;
}

/** Registers `exprsim embed`: the faces in images → 16-d vectors in a file. */
export function registerEmbedCommand(program: Command): void {
  const cmd = program
    .command('embed')
    .description('embed the faces in images with a trained model (16-d unit vectors)')
    .argument('<images...>', 'image files and/or folders (searched recursively)');
  addOptions(cmd, [...EMBED_OPTION_SPECS, ...IMAGE_LIMIT_OPTION_SPECS]).action(
    async (images: string[], o: EmbedOpts) => {
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
        ...imageLimits(o),
        backend: resolveBackend(g),
      };
      const { embedImages, embedSummaryJson, formatEmbedSummary } =
        await import('../../embed/index.js');
      const r = await withProgressBar(
        g,
        (onProgress) => embedImages({ ...options, onProgress }),
        true,
      );
      if (g.json) printJson(embedSummaryJson(r));
      else printLines(formatEmbedSummary(r));
    },
  );
}
