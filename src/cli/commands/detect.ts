import { mkdir } from 'node:fs/promises';
import { basename, extname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { roundBox } from '../../detect/geometry.js';
import { DETECTOR_NAMES, isDetectorName } from '../../detect/registry.js';
import { ExprsimError, isExprsimError } from '../../core/errors.js';
import type { DetectBenchResult, DetectedFace, DetectorName, RawImage } from '../../index.js';
import { PACKAGE_ROOT } from '../../core/paths.js';
import { writeFileAtomic } from '../../core/fs.js';
import { updateMarkedSection } from '../../core/markdown-section.js';
import { parseNumber, startEngine, type GlobalOptions } from '../options.js';
import { printJson, progressBar } from '../output.js';

function detectorName(value: string, flag = '--detector'): DetectorName {
  if (!isDetectorName(value)) {
    throw new ExprsimError('E_UNKNOWN_NAME', `unknown detector "${value}"`, {
      input: `${flag} ${value}`,
      fix: `use one of ${DETECTOR_NAMES.join(', ')}`,
    });
  }
  return value;
}

/** Draws each face's box (3 px, green) and landmarks (red dots) into a copy of the pixels. */
export function drawFaces(img: RawImage, faces: readonly DetectedFace[]): RawImage {
  const rgb = img.channels === 3;
  const data = Uint8Array.from(img.data);
  const thick = Math.max(2, Math.round(Math.min(img.width, img.height) / 300));
  const put = (x: number, y: number, c: [number, number, number]) => {
    if (x < 0 || y < 0 || x >= img.width || y >= img.height) return;
    const i = (y * img.width + x) * img.channels;
    if (rgb) data.set(c, i);
    else data[i] = Math.round(0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2]);
  };
  for (const f of faces) {
    const x1 = Math.round(f.box.x);
    const y1 = Math.round(f.box.y);
    const x2 = Math.round(f.box.x + f.box.width) - 1;
    const y2 = Math.round(f.box.y + f.box.height) - 1;
    for (let t = 0; t < thick; t++) {
      for (let x = x1; x <= x2; x++) {
        put(x, y1 + t, [0, 255, 0]);
        put(x, y2 - t, [0, 255, 0]);
      }
      for (let y = y1; y <= y2; y++) {
        put(x1 + t, y, [0, 255, 0]);
        put(x2 - t, y, [0, 255, 0]);
      }
    }
    for (const p of Object.values(f.landmarks ?? {})) {
      for (let dy = -thick; dy <= thick; dy++) {
        for (let dx = -thick; dx <= thick; dx++)
          put(Math.round(p.x) + dx, Math.round(p.y) + dy, [255, 0, 0]);
      }
    }
  }
  return { ...img, data };
}

const pct = (v: number | undefined) =>
  v === undefined || Number.isNaN(v) ? '—' : `${(100 * v).toFixed(1)}%`;
const ms = (v: number | undefined) => (v === undefined || Number.isNaN(v) ? '—' : v.toFixed(0));

/** Markdown tables of a detect-bench run. */
export function renderDetectBench(r: DetectBenchResult, machine: string): string {
  const lines = [
    '# Face detector comparison',
    '',
    `Command: \`exprsim detect-bench\` · ${r.date} · ${machine}. Medians are wall-clock per image,`,
    'one process, detectors run one after another. IoU threshold 0.5 throughout.',
    '',
    `## FER2013 PrivateTest (${r.options.ferSample} crops, 48x48 + ${r.options.ferPadding * 100}% black border)`,
    '',
    'Every crop holds one tight face; "found" = at least one detection, "recall" = a detection with',
    'IoU >= 0.5 against the crop itself.',
    '',
    '| detector | found | recall | precision | median ms |',
    '|---|---|---|---|---|',
  ];
  for (const d of r.results) {
    const f = d.fer2013;
    if (f)
      lines.push(
        `| ${d.detector} | ${pct(f.detectionRate)} | ${pct(f.recall)} | ${pct(f.precision)} | ${ms(f.medianMs)} |`,
      );
  }
  lines.push(
    '',
    `## WIDER FACE validation subset (${r.options.widerLimit} photos: Parade, Interview, Couple)`,
    '',
    'Recall on `ok` faces (>= 20 px); tiny/invalid boxes are ignore regions. Detectors set for small',
    'faces here: mtcnn minFaceRatio 0 (min 20 px), viola-jones minSize 20, blazeface tiles.',
    '',
    '| detector | recall | precision | false pos./image | median ms | ' +
      (r.results[0]?.wider?.recallBySize ?? []).map((b) => `recall ${b.range} (n)`).join(' | ') +
      ' |',
    `|---|---|---|---|---|${(r.results[0]?.wider?.recallBySize ?? []).map(() => '---|').join('')}`,
  );
  for (const d of r.results) {
    const w = d.wider;
    if (!w) continue;
    lines.push(
      `| ${d.detector} | ${pct(w.recall)} | ${pct(w.precision)} | ${(w.falsePositivesPerImage ?? NaN).toFixed(2)} | ${ms(w.medianMs)} | ` +
        (w.recallBySize ?? []).map((b) => `${pct(b.recall)} (${b.faces})`).join(' | ') +
        ' |',
    );
  }
  const files = r.results[0]?.photos?.perImage.map((p) => p) ?? [];
  lines.push(
    '',
    '## Shared photos (faces found / counted by a person)',
    '',
    `| detector | recall (capped at count) | ${files.map((p) => `${p.file.replace(/\.(jpg|png)$/, '')} (${p.counted})`).join(' | ')} | median ms |`,
    `|---|---|${files.map(() => '---|').join('')}---|`,
  );
  for (const d of r.results) {
    const p = d.photos;
    if (!p) continue;
    lines.push(
      `| ${d.detector} | ${pct(p.recall)} | ${p.perImage.map((x) => String(x.found)).join(' | ')} | ${ms(p.medianMs)} |`,
    );
  }
  lines.push(
    '',
    '## Speed',
    '',
    speedTable(r),
    '',
    '## Raw results',
    '',
    '```json',
    JSON.stringify(r, null, 2),
    '```',
    '',
  );
  return lines.join('\n');
}

function speedTable(r: DetectBenchResult): string {
  const rows = [
    '| detector | median ms per 1920-px photo | median ms per 256-px image |',
    '|---|---|---|',
  ];
  for (const d of r.results)
    rows.push(`| ${d.detector} | ${ms(d.speed.medianMs1920)} | ${ms(d.speed.medianMs256)} |`);
  return rows.join('\n');
}

export function registerDetectCommands(program: Command): void {
  program
    .command('detect')
    .description('find faces in images: boxes, scores and landmarks per image')
    .argument('<images...>', 'JPEG, PNG or WebP files')
    .option('--detector <name>', `one of ${DETECTOR_NAMES.join(', ')}`, 'mtcnn')
    .option('--annotate <dir>', 'also write each image with its faces drawn into this folder')
    .option('--min-face <px>', 'smallest face to look for, in pixels')
    .action(
      async (
        images: string[],
        o: { detector: string; annotate?: string; minFace?: string },
        cmd: Command,
      ) => {
        const g = cmd.optsWithGlobals<GlobalOptions>();
        const name = detectorName(o.detector);
        const minFace = parseNumber('--min-face', o.minFace, { min: 1, int: false });
        await startEngine(g);
        const { createDetector } = await import('../../detect/index.js');
        const { readImage, writeImage } = await import('../../image/index.js');
        const config =
          minFace === undefined
            ? {}
            : name === 'viola-jones'
              ? { minSize: minFace, minSizeRatio: 0 }
              : name === 'mtcnn'
                ? { minFaceSize: minFace, minFaceRatio: 0 }
                : {};
        const detector = await createDetector(name, config);
        if (o.annotate !== undefined) await mkdir(o.annotate, { recursive: true });
        const bar = progressBar(g);
        const results: {
          file: string;
          width?: number;
          height?: number;
          faces?: DetectedFace[];
          error?: string;
        }[] = [];
        let failed = 0;
        try {
          for (const [i, file] of images.entries()) {
            try {
              const img = await readImage(file);
              const faces = (await detector.detectFaces(img)).map((f) => ({
                box: roundBox(f.box),
                score: Math.round(f.score * 1e4) / 1e4,
                ...(f.landmarks
                  ? {
                      landmarks: Object.fromEntries(
                        Object.entries(f.landmarks).map(([k, p]) => [
                          k,
                          { x: Math.round(p.x * 10) / 10, y: Math.round(p.y * 10) / 10 },
                        ]),
                      ),
                    }
                  : {}),
              }));
              results.push({ file, width: img.width, height: img.height, faces });
              if (o.annotate !== undefined) {
                const ext = extname(file).toLowerCase() === '.png' ? '.png' : '.jpg';
                await writeImage(
                  join(o.annotate, `${basename(file, extname(file))}${ext}`),
                  drawFaces(img, faces),
                );
              }
            } catch (e) {
              if (!isExprsimError(e)) throw e;
              failed++;
              results.push({ file, error: e.toLine() });
              if (!g.json)
                process.stderr.write(
                  `${process.stderr.isTTY ? '\n' : ''}exprsim: skipped ${e.toLine()}\n`,
                );
            }
            bar.update({ done: i + 1, total: images.length, label: 'detect' });
          }
        } finally {
          bar.done();
          detector.dispose();
        }
        if (g.json) {
          printJson({ detector: name, config: detector.config, images: results });
        } else {
          for (const r of results) {
            if (r.faces === undefined) continue;
            process.stdout.write(
              `${r.file}: ${r.faces.length} face${r.faces.length === 1 ? '' : 's'}\n`,
            );
            for (const f of r.faces) {
              const b = f.box;
              process.stdout.write(
                `  x ${b.x} y ${b.y} w ${b.width} h ${b.height} score ${f.score}\n`,
              );
            }
          }
          if (failed > 0)
            process.stdout.write(`${failed} of ${images.length} images skipped (see above)\n`);
        }
        if (failed === images.length) process.exitCode = 1;
      },
    );

  program
    .command('detect-bench')
    .description('compare the detectors on FER2013, the WIDER subset and the shared photos')
    .option('--data <dir>', 'shared data folder', '../shared/data')
    .option('--detectors <names>', 'comma-separated detectors', DETECTOR_NAMES.join(','))
    .option('--fer-sample <n>', 'FER2013 PrivateTest crops to use', '500')
    .option(
      '--fer-padding <fraction>',
      'black border around each 48x48 crop, fraction of its side',
      '0.25',
    )
    .option('--wider-limit <n>', 'WIDER photos to use (default all)')
    .option(
      '--out <file>',
      'Markdown report, raw JSON included',
      join(PACKAGE_ROOT, 'docs', 'detect-bench.md'),
    )
    .option('--no-write', 'print only; leave docs/ and BENCHMARKS.md alone')
    .action(async (o: Record<string, string | boolean | undefined>, cmd: Command) => {
      const g = cmd.optsWithGlobals<GlobalOptions>();
      const detectors = String(o.detectors)
        .split(',')
        .map((s) => detectorName(s.trim(), '--detectors'));
      const engine = await startEngine(g);
      const { runDetectBench } = await import('../../detect/bench.js');
      const bar = progressBar(g);
      let result: DetectBenchResult;
      try {
        result = await runDetectBench({
          dataDir: resolve(String(o.data)),
          detectors,
          ferSample: parseNumber('--fer-sample', o.ferSample, { min: 1 }),
          ferPadding: parseNumber('--fer-padding', o.ferPadding, { int: false }),
          widerLimit: parseNumber('--wider-limit', o.widerLimit, { min: 1 }),
          speedImage256: join(PACKAGE_ROOT, 'test', 'fixtures', 'detect', 'astronaut-256.jpg'),
          onProgress: bar.update,
        });
      } finally {
        bar.done();
      }
      const { cpus } = await import('node:os');
      const machine = `${cpus()[0]?.model ?? 'cpu'}, ${cpus().length} cores, Node ${process.version}, tfjs ${engine.backend}${engine.simd ? ' SIMD' : ''}`;
      const md = renderDetectBench(result, machine);
      if (o.write !== false) {
        const out = String(o.out);
        await writeFileAtomic(out, md);
        await updateMarkedSection(
          join(PACKAGE_ROOT, 'BENCHMARKS.md'),
          'detect',
          [
            '## Face detection',
            '',
            `Command: \`exprsim detect-bench\` · ${result.date} · ${machine}. Full tables: [docs/detect-bench.md](docs/detect-bench.md).`,
            '',
            speedTable(result),
            '',
            'Reference on this machine (detection issue): opencv.js Haar ~37 ms per 256x256 image and 1–1.8 s per',
            '1920-px photo; BlazeFace ~45 ms per 256x256 image; an MTCNN prototype on tfjs-wasm 0.8–1.1 s per 1920-px photo.',
          ].join('\n'),
        );
      }
      process.stdout.write(
        g.json
          ? `${JSON.stringify(result, null, 2)}\n`
          : `${md.split('## Raw results')[0].trimEnd()}\n`,
      );
    });
}
