import { resolve } from 'node:path';
import type { Command } from 'commander';
import { DETECTOR_NAMES, isDetectorName } from '../../detect/registry.js';
import { ExprsimError } from '../../core/errors.js';
import type { Box, Detector, FaceEmbedder } from '../../index.js';
import { parseNumber, startEngine, type GlobalOptions } from '../options.js';
import { printJson, printLines, progressBar } from '../output.js';

interface ModelOpts {
  model?: string;
  detector: string;
  margin?: string;
}

interface IndexOpts extends ModelOpts {
  db: string;
  maxFaces?: string;
  prune: boolean;
}

interface SearchOpts extends ModelOpts {
  db: string;
  k?: string;
  face?: string;
}

interface SimilarOpts extends ModelOpts {
  db?: string;
  faceA?: string;
  faceB?: string;
}

const round = (x: number, d = 4) => Number(x.toFixed(d));
const roundBox = (b: Box) => ({
  x: round(b.x, 1),
  y: round(b.y, 1),
  width: round(b.width, 1),
  height: round(b.height, 1),
});
const boxText = (b: Box) =>
  `${Math.round(b.width)}x${Math.round(b.height)} at (${Math.round(b.x)}, ${Math.round(b.y)})`;

function checkDetector(name: string): void {
  if (!isDetectorName(name)) {
    throw new ExprsimError('E_UNKNOWN_NAME', `unknown detector "${name}"`, {
      input: `--detector ${name}`,
      fix: `use one of ${DETECTOR_NAMES.join(', ')}`,
    });
  }
}

function withModelOptions(cmd: Command): Command {
  return cmd
    .option('--model <dir>', 'a model folder (default: the shipped models/exprsim-default)')
    .option('--detector <name>', `face detector: ${DETECTOR_NAMES.join(', ')}`, 'mtcnn')
    .option(
      '--margin <m>',
      'margin around detected boxes, fraction of their size (default: the model’s)',
    );
}

/** The model folder (checked first: cheap), then the engine, embedder and detector. */
async function loadTools(
  g: GlobalOptions,
  o: ModelOpts,
): Promise<{ modelDir: string; embedder: FaceEmbedder; detector: Detector; dispose(): void }> {
  checkDetector(o.detector);
  const { resolveModelPath } = await import('../../models/default-model.js');
  const modelDir = resolveModelPath(o.model);
  await startEngine(g);
  const { createEmbedder } = await import('../../embed/face-embedder.js');
  const { createDetector } = await import('../../detect/registry.js');
  const embedder = await createEmbedder(modelDir);
  let detector: Detector;
  try {
    detector = await createDetector(o.detector);
  } catch (e) {
    embedder.dispose();
    throw e;
  }
  return {
    modelDir,
    embedder,
    detector,
    dispose() {
      detector.dispose();
      embedder.dispose();
    },
  };
}

/** Registers `index`, `search`, `similar` and `odd-one-out`. */
export function registerSearchCommands(program: Command): void {
  withModelOptions(
    program
      .command('index')
      .description(
        'detect and embed the faces of every photo in a folder (recursively) into a face index',
      )
      .argument('<dir>', 'the photo folder (or a folder inside the one the index already covers)')
      .requiredOption('--db <path|url>', 'the index: an SQLite file, or a postgres:// URL'),
  )
    .option('--max-faces <n>', 'at most n faces per photo (highest detector scores)')
    .option('--no-prune', 'keep the records of photos that no longer exist')
    .action(async (dir: string, o: IndexOpts, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const maxFaces = parseNumber('--max-faces', o.maxFaces, { min: 1 });
      const margin = parseNumber('--margin', o.margin, { int: false, max: 2 });
      checkDetector(o.detector);
      const { resolveModelPath } = await import('../../models/default-model.js');
      resolveModelPath(o.model);
      // Open (and lock) the store before loading TensorFlow.js: a second indexer fails at once.
      const { openStore, redactLocation } = await import('../../search/index.js');
      const store = await openStore(o.db, { root: dir });
      const controller = new AbortController();
      let interrupts = 0;
      const onSigint = () => {
        interrupts++;
        if (interrupts > 1) {
          // Every finished photo is committed; the one in progress is rolled back.
          process.stderr.write('\nexprsim: stopped\n');
          process.exit(130);
        }
        process.stderr.write(
          '\nexprsim: stopping after the current photo (Ctrl-C again to quit now)\n',
        );
        controller.abort();
      };
      process.on('SIGINT', onSigint);
      let tools: Awaited<ReturnType<typeof loadTools>> | undefined;
      try {
        tools = await loadTools(g, o);
        const { indexPhotos } = await import('../../search/index-photos.js');
        const b = progressBar(g);
        const s = await indexPhotos(dir, store, {
          embedder: tools.embedder,
          detector: tools.detector,
          maxFaces,
          margin,
          prune: o.prune,
          signal: controller.signal,
          onProgress: b.update,
        });
        b.done();
        const stats = await store.stats();
        if (s.interrupted) process.exitCode = 130;
        if (g.json) {
          printJson({ db: redactLocation(o.db), kind: store.kind, ...s, total: stats });
          return;
        }
        const lines = [
          `index: ${s.files} photo${s.files === 1 ? '' : 's'} in ${s.folder} → ${redactLocation(o.db)}${s.interrupted ? ' (interrupted: rerun to continue)' : ''}`,
          `  ${s.added} added, ${s.changed} changed, ${s.unchanged} unchanged, ${s.removed} removed; ${s.faces} face${s.faces === 1 ? '' : 's'} written, ${s.noFace} without a face, ${s.failed} failed`,
          `  the index now holds ${stats.faces} faces in ${stats.photos} photos (model ${s.model}) · ${s.seconds.toFixed(1)} s`,
        ];
        if (s.failures.length > 0) {
          lines.push(`failed:`);
          for (const f of s.failures.slice(0, 20)) lines.push(`  ${f.path}: ${f.error}`);
          if (s.failures.length > 20)
            lines.push(`  … and ${s.failures.length - 20} more (--json lists all)`);
        }
        printLines(lines);
      } finally {
        process.off('SIGINT', onSigint);
        tools?.dispose();
        await store.close();
      }
    });

  withModelOptions(
    program
      .command('search')
      .description('the indexed faces most alike in expression to a face in an image')
      .argument('<image>', 'the query photo (JPEG, PNG or WebP)')
      .requiredOption('--db <path|url>', 'the index: an SQLite file, or a postgres:// URL')
      .option('-k, --k <n>', 'how many faces to return', '10')
      .option(
        '--face <n>',
        'which face of the query photo (0 = highest detector score; default: the largest)',
      ),
  ).action(async (image: string, o: SearchOpts, cmd: Command) => {
    const g = cmd.optsWithGlobals<GlobalOptions>();
    const k = parseNumber('-k', o.k, { min: 1, max: 10_000 }) ?? 10;
    const face = parseNumber('--face', o.face, { min: 0 });
    const margin = parseNumber('--margin', o.margin, { int: false, max: 2 });
    checkDetector(o.detector);
    const { resolveModelPath } = await import('../../models/default-model.js');
    resolveModelPath(o.model);
    const { openStore, searchByImage, redactLocation } = await import('../../search/index.js');
    const store = await openStore(o.db, { readonly: true });
    let tools: Awaited<ReturnType<typeof loadTools>> | undefined;
    try {
      tools = await loadTools(g, o);
      const r = await searchByImage(store, image, {
        embedder: tools.embedder,
        detector: tools.detector,
        k,
        face,
        margin,
      });
      const results = r.neighbours.map((n, i) => ({
        rank: i + 1,
        distance: round(n.distance, 6),
        path: n.face.path,
        file: resolve(store.root, n.face.path),
        faceId: n.face.id,
        photoId: n.face.photoId,
        face: n.face.face,
        box: roundBox(n.face.box),
        score: round(n.face.score),
      }));
      if (g.json) {
        printJson({
          db: redactLocation(o.db),
          root: store.root,
          model: r.model,
          query: {
            file: image,
            faces: r.query.faces,
            face: r.query.face,
            box: roundBox(r.query.box),
            score: round(r.query.score),
          },
          results,
        });
        return;
      }
      const lines = [
        `search: face ${r.query.face} of ${r.query.faces} in ${image} (${boxText(r.query.box)}), model ${r.model}`,
        `rank  distance  photo (face)`,
      ];
      for (const x of results) {
        lines.push(
          `${String(x.rank).padStart(4)}  ${x.distance.toFixed(4).padStart(8)}  ${x.path} (face ${x.face}, ${boxText(x.box)})`,
        );
      }
      if (results.length === 0) lines.push('  (the index holds no faces)');
      printLines(lines);
    } finally {
      tools?.dispose();
      await store.close();
    }
  });

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
    const faceA = parseNumber('--face-a', o.faceA, { min: 0 });
    const faceB = parseNumber('--face-b', o.faceB, { min: 0 });
    const margin = parseNumber('--margin', o.margin, { int: false, max: 2 });
    checkDetector(o.detector);
    const { resolveModelPath } = await import('../../models/default-model.js');
    resolveModelPath(o.model);
    const search = await import('../../search/index.js');
    const store = o.db === undefined ? undefined : await search.openStore(o.db, { readonly: true });
    let tools: Awaited<ReturnType<typeof loadTools>> | undefined;
    try {
      tools = await loadTools(g, o);
      const opts = { embedder: tools.embedder, detector: tools.detector, margin };
      const fa = await search.embedImageFaces(a, opts);
      const fb = await search.embedImageFaces(b, opts);
      const qa = search.pickFace(fa.faces, faceA, a);
      const qb = search.pickFace(fb.faces, faceB, b);
      const model = search.modelVersion(tools.embedder.model);
      const c = await search.compareFaces(qa.embedding, qb.embedding, {
        modelDir: tools.modelDir,
        store,
        model,
      });
      const describe = (file: string, n: number, f: typeof qa) => ({
        file,
        faces: n,
        face: f.face,
        box: roundBox(f.box),
      });
      if (g.json) {
        printJson({
          a: describe(a, fa.faces.length, qa),
          b: describe(b, fb.faces.length, qb),
          model,
          distance: round(c.distance, 6),
          percentile: c.percentile === null ? null : round(c.percentile, 2),
          similarity: c.similarity === null ? null : round(c.similarity, 4),
          calibration: c.calibration,
        });
        return;
      }
      const lines = [
        `similar: ${a} (face ${qa.face} of ${fa.faces.length}) vs ${b} (face ${qb.face} of ${fb.faces.length})`,
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
    } finally {
      tools?.dispose();
      await store?.close();
    }
  });

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
    const margin = parseNumber('--margin', o.margin, { int: false, max: 2 });
    const search = await import('../../search/index.js');
    const tools = await loadTools(g, o);
    try {
      const files = [a, b, c];
      const picked = [];
      for (const f of files) {
        const found = await search.embedImageFaces(f, {
          embedder: tools.embedder,
          detector: tools.detector,
          margin,
        });
        picked.push({
          file: f,
          faces: found.faces.length,
          chosen: search.pickFace(found.faces, undefined, f),
        });
      }
      const r = search.oddOneOut(
        picked[0].chosen.embedding,
        picked[1].chosen.embedding,
        picked[2].chosen.embedding,
      );
      const distances = {
        ab: round(r.distances.ab, 6),
        ac: round(r.distances.ac, 6),
        bc: round(r.distances.bc, 6),
      };
      if (g.json) {
        printJson({
          images: picked.map((p) => ({
            file: p.file,
            faces: p.faces,
            face: p.chosen.face,
            box: roundBox(p.chosen.box),
          })),
          odd: r.odd,
          oddFile: files[r.odd],
          pair: r.pair,
          distances,
          model: search.modelVersion(tools.embedder.model),
        });
        return;
      }
      printLines([
        `odd one out: ${files[r.odd]} (the closest pair: ${files[r.pair[0]]} and ${files[r.pair[1]]})`,
        `distances: a–b ${r.distances.ab.toFixed(4)}, a–c ${r.distances.ac.toFixed(4)}, b–c ${r.distances.bc.toFixed(4)}`,
      ]);
    } finally {
      tools.dispose();
    }
  });
}
