import { readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { ExprsimError } from '../../core/errors.js';
import {
  DEFAULT_EMBED_BATCH,
  DEFAULT_FEATURE_BATCH,
  DEFAULT_SHARD_SIZE,
} from '../../features/defaults.js';
import { BACKBONE_NAMES, createBackbone, isBackboneName } from '../../features/registry.js';
import type { PreprocessConfig } from '../../align/preprocess.js';
import {
  ALIGN_MODES,
  MASK_MODES,
  NO_FACE_MODES,
  type AlignMode,
  type MaskMode,
  type NoFaceMode,
  type PreprocessRecord,
} from '../../align/record.js';
import { DETECTOR_NAMES } from '../../detect/registry.js';
import { logger } from '../../core/logger.js';
import { formatFromExtension } from '../../image/format.js';
import { RESIZE_KERNELS, type ResizeKernel } from '../../image/types.js';
import type { FaceFinder } from '../../index.js';
import { parseChoice, parseNumber, startEngine, type GlobalOptions } from '../options.js';
import { printJson, printLines, progressBar } from '../output.js';

const mib = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MiB`;

/** Image files of the arguments: files as given, folders searched recursively, sorted. */
export async function collectImageFiles(args: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string) => {
    const entries = await readdir(dir, { withFileTypes: true });
    for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (e.name.startsWith('.')) continue;
      const p = join(dir, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile() && formatFromExtension(e.name) !== undefined) out.push(p);
    }
  };
  for (const a of args) {
    let st;
    try {
      st = await stat(a);
    } catch (e) {
      throw new ExprsimError('E_FILE_NOT_FOUND', 'no such file or folder', {
        input: a,
        fix: 'check the path',
        cause: e,
      });
    }
    if (st.isDirectory()) await walk(a);
    else out.push(a);
  }
  return out;
}

interface FeaturesOpts {
  backbone: string;
  layer?: string;
  detector?: string;
  margin?: string;
  pad?: string;
  whenNoFace?: string;
  align?: string;
  mask?: string;
  resize?: string;
  mirror?: boolean;
  out: string;
  shardSize?: string;
  batchSize?: string;
  limit?: string;
}

interface EmbedOpts {
  model?: string;
  out: string;
  detect: boolean;
  detector?: string;
  maxFaces?: string;
  margin?: string;
  batchSize?: string;
}

/**
 * The preprocessing options of `exprsim features` as a config, checked before the engine loads
 * (E_BAD_OPTION); resolved later against the backbone's own record.
 */
export function preprocessOptions(o: {
  detector?: string;
  margin?: string;
  pad?: string;
  whenNoFace?: string;
  align?: string;
  mask?: string;
  resize?: string;
}): PreprocessConfig {
  const margin = parseNumber('--margin', o.margin, { int: false, max: 2 });
  const pad = parseNumber('--pad', o.pad, { int: false, max: 1 });
  const align = parseChoice<AlignMode>('--align', o.align, ALIGN_MODES);
  const mask = parseChoice<MaskMode>('--mask', o.mask, MASK_MODES);
  const noFace = parseChoice<NoFaceMode>('--when-no-face', o.whenNoFace, NO_FACE_MODES);
  const kernel = parseChoice<ResizeKernel>('--resize', o.resize, RESIZE_KERNELS);
  const resize = kernel !== undefined ? { resize: { kernel } } : {};
  if (o.detector === undefined) {
    // The first detector-only option given, for the message.
    const needs = (
      [
        ['--margin', margin !== undefined],
        ['--pad', pad !== undefined],
        ['--when-no-face', noFace !== undefined],
        ['--align five-point', align !== undefined && align !== 'none'],
      ] as const
    ).find(([, given]) => given)?.[0];
    if (needs !== undefined) {
      throw new ExprsimError('E_BAD_OPTION', `${needs} needs --detector`, {
        fix: 'add --detector mtcnn (images are whole face crops without it)',
      });
    }
    return { crop: 'whole-image', ...(mask !== undefined ? { mask } : {}), ...resize };
  }
  if (!(DETECTOR_NAMES as readonly string[]).includes(o.detector)) {
    throw new ExprsimError('E_UNKNOWN_NAME', `unknown detector "${o.detector}"`, {
      input: o.detector,
      fix: `use one of ${DETECTOR_NAMES.join(', ')}`,
    });
  }
  if (align === 'five-point' && o.detector === 'viola-jones') {
    throw new ExprsimError('E_BAD_OPTION', 'viola-jones finds no landmarks to align by', {
      input: '--align five-point --detector viola-jones',
      fix: 'use --detector mtcnn (or blazeface) for alignment',
    });
  }
  return {
    crop: 'detector',
    detector: o.detector,
    ...(margin !== undefined ? { margin } : {}),
    ...(pad !== undefined ? { pad } : {}),
    ...(noFace !== undefined ? { noFace } : {}),
    ...(align !== undefined ? { align } : {}),
    ...(mask !== undefined ? { mask } : {}),
    ...resize,
  };
}

/** One line describing a record, e.g. "mtcnn box +0.2 square, five-point aligned, mask ellipse, 112x112 rgb". */
export function describePreprocess(p: PreprocessRecord): string {
  const crop =
    p.crop.kind === 'whole-image'
      ? 'whole images'
      : `${p.crop.detector} box +${p.crop.margin}${p.crop.square ? ' square' : ''}${p.crop.pad > 0 ? `, framed ${p.crop.pad}` : ''}, no face: ${p.crop.noFace}`;
  const align = p.align === 'none' ? '' : `, ${p.align} aligned`;
  return `${crop}${align}, mask ${p.mask}, ${p.size[0]}x${p.size[1]} ${p.colour} (${p.resize.kernel})`;
}

/** Registers `exprsim features` (extract and cache backbone maps) and `exprsim embed`. */
export function registerFeatureCommands(program: Command): void {
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
    .requiredOption('--out <dir>', 'cache folder (rerun with the same arguments to resume)')
    .option('--shard-size <n>', `faces per shard (default ${DEFAULT_SHARD_SIZE})`)
    .option('--batch-size <n>', `faces per forward pass (default ${DEFAULT_FEATURE_BATCH})`)
    .option('--limit <n>', 'only the first n images (sorted by key), for a quick trial')
    .option(
      '--detector <name>',
      `crop the highest-scoring face a detector finds (${DETECTOR_NAMES.join(', ')}); default: images are face crops`,
    )
    .option('--margin <m>', 'with --detector: context around the box, fraction of its size (0.2)')
    .option(
      '--pad <p>',
      'with --detector: frame images in black by this fraction of their shorter side before detecting, so faces filling tight crops (FER2013) are found (0)',
    )
    .option(
      '--when-no-face <mode>',
      `with --detector: images without a face: ${NO_FACE_MODES.join(' | ')} (default skip; whole-image keeps every image, for comparing detectors)`,
    )
    .option('--align <mode>', `with --detector: ${ALIGN_MODES.join(' | ')} (default none)`)
    .option(
      '--mask <mode>',
      `black out non-face pixels: ${MASK_MODES.join(' | ')} (default none); without --detector the face box is the whole image`,
    )
    .option(
      '--resize <kernel>',
      `resampling to the backbone's input: ${RESIZE_KERNELS.join(', ')} (default: the backbone's, lanczos3)`,
    )
    .option(
      '--mirror',
      'mirror every face left to right before the backbone: the mirrored view of the same images, for `train --flip` and flip averaging (`--mirror-features`)',
    )
    .action(async (dataset: string, o: FeaturesOpts, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const shardSize = parseNumber('--shard-size', o.shardSize, { min: 1 });
      const batchSize = parseNumber('--batch-size', o.batchSize, { min: 1 });
      const limit = parseNumber('--limit', o.limit, { min: 1 });
      const pc = preprocessOptions(o);
      if (!isBackboneName(o.backbone)) await createBackbone(o.backbone); // throws E_UNKNOWN_NAME
      await startEngine(g);
      const { extractFeatures, resolveFeatureDataset } = await import('../../features/index.js');
      const { resolvePreprocessConfig } = await import('../../align/preprocess.js');
      const ds = await resolveFeatureDataset(dataset);
      const items = limit === undefined ? ds.items : ds.items.slice(0, limit);
      const backbone = await createBackbone(
        o.backbone,
        o.layer !== undefined ? { layer: o.layer } : {},
      );
      let detector: (FaceFinder & { dispose(): void }) | undefined;
      const b = progressBar(g);
      const started = performance.now();
      try {
        const preprocess = resolvePreprocessConfig(pc, backbone.preprocess);
        if (o.detector !== undefined) {
          const { createDetector } = await import('../../detect/index.js');
          detector = await createDetector(o.detector);
        }
        const r = await extractFeatures({
          backbone,
          items,
          sources: ds.sources,
          outDir: o.out,
          preprocess,
          detector,
          mirror: o.mirror === true,
          shardSize,
          batchSize,
          onProgress: b.update,
        });
        b.done();
        const seconds = (performance.now() - started) / 1000;
        const computed =
          r.shardsWritten > 0 ? items.length - r.shardsReused * r.manifest.shardSize : 0;
        const summary = {
          out: resolve(o.out),
          dataset: {
            kind: ds.kind,
            input: ds.input,
            images: items.length,
            skippedRows: ds.skipped.count,
          },
          backbone: r.manifest.backbone,
          preprocess: r.manifest.preprocess,
          shape: r.manifest.shape,
          stored: r.stored,
          unreadable: r.skipped,
          detection: r.detection,
          shards: { total: r.manifest.shards, written: r.shardsWritten, reused: r.shardsReused },
          bytes: r.bytes,
          seconds,
          facesPerSecond: computed > 0 ? computed / seconds : undefined,
        };
        if (g.json) {
          printJson(summary);
          return;
        }
        const lines = [
          `features: ${r.stored} faces of ${items.length} → ${summary.out}`,
          `backbone: ${r.manifest.backbone.name} ${r.manifest.backbone.version}, map ${r.manifest.shape.join('x')} float16 (${r.manifest.shape.reduce((a, c) => a * c, 2)} bytes/face)`,
          `preprocess: ${describePreprocess(r.manifest.preprocess)}${r.manifest.mirror === true ? ', mirrored' : ''}`,
          `shards:   ${r.shardsWritten} written, ${r.shardsReused} already done, ${mib(r.bytes)} in all`,
        ];
        if (ds.skipped.count > 0) lines.push(`dataset rows skipped: ${ds.skipped.count}`);
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
        if (summary.facesPerSecond !== undefined) {
          lines.push(
            `speed:    ${summary.facesPerSecond.toFixed(1)} faces/s (${seconds.toFixed(1)} s)`,
          );
        }
        printLines(lines);
      } finally {
        detector?.dispose();
        backbone.dispose();
      }
    });

  program
    .command('embed')
    .description('embed the faces in images with a trained model (16-d unit vectors)')
    .argument('<images...>', 'image files and/or folders (searched recursively)')
    .option('--model <dir>', 'a model folder (default: the shipped models/exprsim-default)')
    .requiredOption('--out <file>', 'output: .jsonl, .csv or .npy (+ <name>.rows.csv)')
    .option('--no-detect', 'the images are face crops already: embed each whole image')
    .option(
      '--detector <name>',
      'face detector for photos (default: the one the model’s record names, else mtcnn)',
    )
    .option('--max-faces <n>', 'at most n faces per image (highest scores first)')
    .option(
      '--margin <m>',
      'margin around detected boxes, fraction of their size (default: the model’s, else 0.2)',
    )
    .option('--batch-size <n>', `faces per forward pass (default ${DEFAULT_EMBED_BATCH})`)
    .action(async (images: string[], o: EmbedOpts, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const { embeddingFormat, writeEmbeddings } = await import('../../embed/embed-output.js');
      embeddingFormat(o.out);
      const maxFaces = parseNumber('--max-faces', o.maxFaces, { min: 1 });
      const batchSize = parseNumber('--batch-size', o.batchSize, { min: 1 });
      const margin = parseNumber('--margin', o.margin, { int: false, max: 2 });
      const files = await collectImageFiles(images);
      if (files.length === 0) {
        throw new ExprsimError('E_DATA_EMPTY', 'no image files found', {
          input: images.join(' '),
          fix: 'pass .jpg, .jpeg, .png or .webp files or folders holding them',
        });
      }
      await startEngine(g);
      const { createEmbedder, embedFiles } = await import('../../embed/index.js');
      const { resolveModelPath } = await import('../../models/default-model.js');
      const embedder = await createEmbedder(resolveModelPath(o.model));
      let detector: (FaceFinder & { dispose(): void }) | undefined;
      try {
        if (o.detect) {
          const { createDetector } = await import('../../detect/index.js');
          const crop = embedder.preprocess.crop;
          const recorded = crop.kind === 'detector' ? crop.detector : undefined;
          if (o.detector !== undefined && recorded !== undefined && o.detector !== recorded) {
            logger.warn(
              `the model was trained on faces found by ${recorded}; --detector ${o.detector} may crop differently`,
            );
          }
          detector = await createDetector(o.detector ?? recorded ?? 'mtcnn');
        }
        const b = progressBar(g);
        const r = await embedFiles(files, embedder, {
          detector,
          maxFaces,
          margin,
          batchSize,
          onProgress: b.update,
        });
        b.done();
        const written = await writeEmbeddings(o.out, r.faces, embedder.embeddingSize);
        const summary = {
          out: written,
          files: files.length,
          faces: r.faces.length,
          detector: detector?.name ?? null,
          noFace: r.noFace,
          failed: r.failed,
        };
        if (g.json) {
          printJson(summary);
          return;
        }
        const lines = [
          `embed: ${r.faces.length} face${r.faces.length === 1 ? '' : 's'} from ${files.length} file${files.length === 1 ? '' : 's'}${detector ? ` (detector ${detector.name})` : ' (whole images as faces)'} → ${written.join(', ')}`,
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
      } finally {
        detector?.dispose();
        embedder.dispose();
      }
    });
}
