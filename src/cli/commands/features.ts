import type { Command } from 'commander';
import { ALIGN_MODES, MASK_MODES, NO_FACE_MODES, RESIZE_KERNELS } from '../../align/defaults.js';
import { FEATURES_OPTION_SPECS } from '../../features/defaults.js';
import { parseChoice, parseNumber, resolveBackend, type GlobalOptions } from '../options.js';
import { printJson, printLines } from '../output.js';
import { registerEmbedCommand } from './embed.js';
import { addOptions } from './option-specs.js';
import { withProgressBar } from './with-progress.js';

/** Commander's values, under the keys of `ExtractDatasetFeaturesOptions`. */
interface FeaturesOpts {
  backbone: string;
  layer?: string;
  outDir: string;
  detector?: string;
  margin?: string;
  pad?: string;
  noFace?: string;
  align?: string;
  mask?: string;
  resize?: string;
  mirror?: boolean;
  shardSize?: string;
  batchSize?: string;
  limit?: string;
}

/** Registers `exprsim features` (extract and cache backbone maps) and `exprsim embed`. */
export function registerFeatureCommands(program: Command): void {
  const cmd = program
    .command('features')
    .description('extract a frozen backbone’s feature map of every face once into a float16 cache')
    .argument(
      '<dataset>',
      'a labels CSV (path,label[,split]), an image folder, or a triplet folder (dataset.json)',
    );
  addOptions(cmd, FEATURES_OPTION_SPECS).action(async (dataset: string, o: FeaturesOpts) => {
    const g = cmd.optsWithGlobals<GlobalOptions>();
    const options = {
      dataset,
      backbone: o.backbone,
      layer: o.layer,
      outDir: o.outDir,
      shardSize: parseNumber('--shard-size', o.shardSize, { min: 1 }),
      batchSize: parseNumber('--batch-size', o.batchSize, { min: 1 }),
      limit: parseNumber('--limit', o.limit, { min: 1 }),
      detector: o.detector,
      margin: parseNumber('--margin', o.margin, { int: false, max: 2 }),
      pad: parseNumber('--pad', o.pad, { int: false, max: 1 }),
      align: parseChoice('--align', o.align, ALIGN_MODES),
      mask: parseChoice('--mask', o.mask, MASK_MODES),
      noFace: parseChoice('--when-no-face', o.noFace, NO_FACE_MODES),
      resize: parseChoice('--resize', o.resize, RESIZE_KERNELS),
      mirror: o.mirror === true,
      backend: resolveBackend(g),
    };
    const { extractDatasetFeatures, featuresSummaryJson, formatFeaturesSummary } =
      await import('../../features/index.js');
    const r = await withProgressBar(
      g,
      (onProgress) => extractDatasetFeatures({ ...options, onProgress }),
      true,
    );
    if (g.json) printJson(featuresSummaryJson(r));
    else printLines(formatFeaturesSummary(r));
  });

  registerEmbedCommand(program);
}
