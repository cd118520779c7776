import { resolve } from 'node:path';
import type { Command } from 'commander';
import {
  ALIGN_MODES,
  DEFAULT_PREPROCESS,
  MASK_MODES,
  NO_FACE_MODES,
  RESIZE_KERNELS,
} from '../../align/defaults.js';
import { DETECTOR_NAMES } from './photo-options.js';
import { BACKBONE_NAMES, DEFAULT_FEATURES } from '../../features/defaults.js';
import type { ExtractDatasetFeaturesResult } from '../../features/index.js';
import { keyedOption } from '../keyed-option.js';
import { parseChoice, parseNumber, resolveBackend, type GlobalOptions } from '../options.js';
import { printJson, printLines, progressBarOnFirstEvent } from '../output.js';
import { registerEmbedCommand } from './embed.js';

const mib = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MiB`;

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

function printSummary(
  g: GlobalOptions,
  r: ExtractDatasetFeaturesResult,
  outDir: string,
  describe: (p: ExtractDatasetFeaturesResult['manifest']['preprocess']) => string,
): void {
  const m = r.manifest;
  const summary = {
    out: resolve(outDir),
    dataset: r.dataset,
    backbone: m.backbone,
    preprocess: m.preprocess,
    shape: m.shape,
    stored: r.stored,
    unreadable: r.skipped,
    detection: r.detection,
    shards: { total: m.shards, written: r.shardsWritten, reused: r.shardsReused },
    bytes: r.bytes,
    seconds: r.seconds,
    facesPerSecond: r.facesPerSecond,
  };
  if (g.json) {
    printJson(summary);
    return;
  }
  const lines = [
    `features: ${r.stored} faces of ${r.dataset.images} → ${summary.out}`,
    `backbone: ${m.backbone.name} ${m.backbone.version}, map ${m.shape.join('x')} float16 (${m.shape.reduce((a, c) => a * c, 2)} bytes/face)`,
    `preprocess: ${describe(m.preprocess)}${m.mirror === true ? ', mirrored' : ''}`,
    `shards:   ${r.shardsWritten} written, ${r.shardsReused} already done, ${mib(r.bytes)} in all`,
  ];
  if (r.dataset.skippedRows > 0) lines.push(`dataset rows skipped: ${r.dataset.skippedRows}`);
  if (r.detection !== undefined) {
    const d = r.detection;
    lines.push(
      `detection: face found in ${d.found} of ${d.images} images (${(100 * d.rate).toFixed(1)}%)${d.undetected > 0 ? `; ${d.undetected} used whole` : ''}`,
    );
  }
  if (r.skipped.count > 0) {
    lines.push(`images skipped (unreadable or no face): ${r.skipped.count}`);
    for (const s of r.skipped.first) lines.push(`  ${s.key}: ${s.reason}`);
  }
  if (r.facesPerSecond !== undefined) {
    lines.push(`speed:    ${r.facesPerSecond.toFixed(1)} faces/s (${r.seconds.toFixed(1)} s)`);
  }
  printLines(lines);
}

/** Registers `exprsim features` (extract and cache backbone maps) and `exprsim embed`. */
export function registerFeatureCommands(program: Command): void {
  const P = DEFAULT_PREPROCESS;
  program
    .command('features')
    .description('extract a frozen backbone’s feature map of every face once into a float16 cache')
    .argument(
      '<dataset>',
      'a labels CSV (path,label[,split]), an image folder, or a triplet folder (dataset.json)',
    )
    .requiredOption('--backbone <name>', `backbone: ${BACKBONE_NAMES.join(', ')}`)
    .option(
      '--layer <layer>',
      'the layer to expose (default: the backbone’s; see src/features/README.md)',
    )
    .addOption(
      keyedOption(
        '--out <dir>',
        'cache folder (rerun with the same arguments to resume)',
        'outDir',
      ).makeOptionMandatory(),
    )
    .option('--shard-size <n>', `faces per shard (default ${DEFAULT_FEATURES.shardSize})`)
    .option('--batch-size <n>', `faces per forward pass (default ${DEFAULT_FEATURES.batchSize})`)
    .option('--limit <n>', 'only the first n images (sorted by key), for a quick trial')
    .option(
      '--detector <name>',
      `crop the highest-scoring face a detector finds (${DETECTOR_NAMES.join(', ')}); default: images are face crops`,
    )
    .option(
      '--margin <m>',
      `with --detector: context around the box, fraction of its size (${P.margin})`,
    )
    .option(
      '--pad <p>',
      `with --detector: frame images in black by this fraction of their shorter side before detecting, so faces filling tight crops (FER2013) are found (${P.pad})`,
    )
    .addOption(
      keyedOption(
        '--when-no-face <mode>',
        `with --detector: images without a face: ${NO_FACE_MODES.join(' | ')} (default ${P.noFace}; whole-image keeps every image, for comparing detectors)`,
        'noFace',
      ),
    )
    .option('--align <mode>', `with --detector: ${ALIGN_MODES.join(' | ')} (default ${P.align})`)
    .option(
      '--mask <mode>',
      `black out non-face pixels: ${MASK_MODES.join(' | ')} (default ${P.mask}); without --detector the face box is the whole image`,
    )
    .option(
      '--resize <kernel>',
      `resampling to the backbone's input: ${RESIZE_KERNELS.join(', ')} (default: the backbone's, ${P.resize.kernel})`,
    )
    .option(
      '--mirror',
      'mirror every face left to right before the backbone: the mirrored view of the same images, for `train --flip` and flip averaging (`--mirror-features`)',
    )
    .action(async (dataset: string, o: FeaturesOpts, cmd: Command) => {
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
      const { extractDatasetFeatures } = await import('../../features/index.js');
      const { describePreprocess } = await import('../../align/index.js');
      const b = progressBarOnFirstEvent(g);
      const r = await extractDatasetFeatures({ ...options, onProgress: b.update });
      b.done();
      printSummary(g, r, o.outDir, describePreprocess);
    });

  registerEmbedCommand(program);
}
