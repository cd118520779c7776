/** Markdown for BENCHMARKS.md sections, from the JSON the suites print. */
type Row = Record<string, unknown>;

const num = (v: unknown, digits: number): string =>
  typeof v === 'number' && Number.isFinite(v) ? v.toFixed(digits) : '—';
const get = (row: Row, key: string, field: string): unknown =>
  (row[key] as Row | undefined)?.[field];

interface MachineInfo {
  cpu: string;
  cores: number;
  memoryGiB: number;
  node: string;
  date: string;
  loadAverage: number[];
}

function header(title: string, command: string, m: MachineInfo, what: string[]): string[] {
  return [
    `## ${title}`,
    '',
    `Command: \`${command}\` · ${m.date} · ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB · Node ${m.node} · load average at start ${m.loadAverage.join(', ')}.`,
    ...what,
    '',
  ];
}

export function renderEngineSection(result: {
  machine: MachineInfo;
  backends: Row[];
  kernels?: Row;
}): string {
  const lines = [
    ...header('Tensor engine', 'npm run bench -- engine', result.machine, [
      'Medians of repeated runs (each backend in its own process). Training: the reference head of',
      'the foundation issue (input [B,12,12,512], 32 triplets = 96 embeddings per step, Adam, FECNet loss).',
    ]),
    '| backend | matmul 1024² GFLOP/s | train steps/s | triplets/s | embed/s (batch 96) | latency batch 1 (ms) |',
    '|---|---|---|---|---|---|',
  ];
  for (const r of result.backends) {
    if (typeof r.error === 'string' || r.backend === undefined) {
      lines.push(`| ${String(r.backend ?? 'node')} | unavailable | | | | |`);
      continue;
    }
    const native = r.native as { loaded: boolean; detail: string } | undefined;
    const name =
      r.backend === 'wasm'
        ? `wasm (SIMD ${r.simd ? 'on' : 'off'}, ${String(r.threads)} thread)${native?.loaded === true ? ` + native BLAS (${native.detail})` : ''}`
        : String(r.backend);
    const trainErr =
      r.trainStep === undefined
        ? 'not run (minutes per step)'
        : typeof get(r, 'trainStep', 'error') === 'string'
          ? `fails: ${String(get(r, 'trainStep', 'error'))}`
          : undefined;
    lines.push(
      `| ${name} | ${num(get(r, 'matmul1024', 'gflops'), 1)} | ${
        trainErr ?? num(get(r, 'trainStep', 'stepsPerSec'), 3)
      } | ${num(get(r, 'trainStep', 'tripletsPerSec'), 1)} | ${num(get(r, 'embedBatch96', 'embeddingsPerSec'), 0)} | ${num(
        get(r, 'embedBatch1', 'latencyMs'),
        1,
      )} |`,
    );
  }
  lines.push(
    '',
    'Reference on this machine (foundation issue): PyTorch (libtorch 1.13, 2 threads) ~1.7 steps/s and',
    '~560 embeddings/s; a wasm prototype with patched kernels 0.19 steps/s and ~100 embeddings/s on one core.',
  );
  if (result.kernels && !result.kernels.error) lines.push('', ...renderKernelRows(result.kernels));
  return lines.join('\n');
}

export function renderHeadsSection(machine: MachineInfo, r: Row): string {
  const rows = (r.heads as Row[] | undefined) ?? [];
  const lines = header('Embedding heads', 'npm run bench -- heads', machine, [
    `Backend ${String(r.backend)}, one thread. Input: feature maps ${(r.input as number[]).join('x')}. Embedding: forward batches of ${String(r.forwardBatch)}, median of ${String(r.runs)} runs;`,
    `training: Adam steps of ${String(r.trainTriplets)} triplets, FECNet loss, median of ${String(r.trainRuns)} steps.`,
  ]);
  lines.push(
    '| head | preset | trainable params | MFLOPs/face | faces/s | train triplets/s |',
    '|---|---|--:|--:|--:|--:|',
  );
  for (const h of rows) {
    lines.push(
      `| ${String(h.head)} | ${String(h.preset)} | ${Number(h.params).toLocaleString('en-US')} | ${num(h.mflopsPerFace, 1)} | ${num(get(h, 'embed', 'facesPerSec'), 0)} | ${num(get(h, 'train', 'tripletsPerSec'), 1)} |`,
    );
  }
  return lines.join('\n');
}

export function renderBackbonesSection(machine: MachineInfo, r: Row): string {
  const rows = (r.backbones as Row[] | undefined) ?? [];
  const lines = header('Backbones (feature extraction)', 'npm run bench -- backbones', machine, [
    `Backend ${String(r.backend)}, one thread, batch ${String(r.batch)}, median of ${String(r.runs)} runs. "network": the backbone's forward pass on`,
    'prepared tensors; "pipeline": from decoded 48x48 grey faces to float16 feature bytes (resize, colour, forward, convert).',
  ]);
  lines.push(
    '| backbone | layer | input | feature map | bytes/face | network faces/s | pipeline faces/s |',
    '|---|---|---|---|--:|--:|--:|',
  );
  for (const b of rows) {
    lines.push(
      `| ${String(b.backbone)} | ${String(b.layer)} | ${(b.input as number[]).join('x')} | ${(b.featureShape as number[]).join('x')} | ${String(b.bytesPerFace)} | ${num(get(b, 'network', 'facesPerSec'), 1)} | ${num(get(b, 'pipeline', 'facesPerSec'), 1)} |`,
    );
  }
  return lines.join('\n');
}

export function renderTrainSection(machine: MachineInfo, r: Row): string {
  const rows = (r.heads as Row[] | undefined) ?? [];
  const lines = header(
    'Training throughput: one process vs worker processes',
    'npm run bench -- train',
    machine,
    [
      `Backend ${String(r.backend)} (one thread per process), alone and with the native BLAS kernels (OpenBLAS sgemm for`,
      `convolutions and matrix products, one thread per process). Full optimiser steps (FECNet loss, Adam; for workers also the`,
      `weight broadcast and gradient averaging), median of ${String(r.steps)} timed steps after warm-up; all measured in the same run.`,
    ],
  );
  lines.push(
    '| head | input | kernels | triplets/step | 1 process steps/s | triplets/s | workers | steps/s | triplets/s | speed-up |',
    '|---|---|---|--:|--:|--:|--:|--:|--:|--:|',
  );
  for (const h of rows) {
    if (typeof h.error === 'string') {
      lines.push(`| ${String(h.head)} | failed: ${h.error} | | | | | | | | |`);
      continue;
    }
    lines.push(
      `| ${String(h.head)} | ${(h.input as number[]).join('x')} | ${String(h.kernels ?? r.backend)} | ${String(h.triplets)} | ${num(get(h, 'single', 'stepsPerSec'), 3)} | ${num(get(h, 'single', 'tripletsPerSec'), 1)} | ${String(get(h, 'workers', 'n'))} | ${num(get(h, 'workers', 'stepsPerSec'), 3)} | ${num(get(h, 'workers', 'tripletsPerSec'), 1)} | ×${num(h.speedup, 2)} |`,
    );
  }
  lines.push(
    '',
    'Reference: PyTorch (libtorch 1.13, 2 threads) trains the reference head at ~1.7 steps/s on this CPU.',
  );
  return lines.join('\n');
}

export function renderServeSection(machine: MachineInfo, r: Row): string {
  const rows = (r.scenarios as Row[] | undefined) ?? [];
  const lines = header('HTTP API: search under load', 'npm run bench -- serve', machine, [
    `POST /api/search on loopback (127.0.0.1), the server in its own process over an SQLite index of ${Number(r.faces).toLocaleString('en-US')} synthetic faces`,
    `(random unit ${String(r.dim)}-d embeddings); autocannon with ${String(r.connections)} connections for ${String(r.seconds)} s, median of ${String(r.repeats)} runs after a warm-up.`,
    ...(machine.loadAverage[0] > machine.cores
      ? [
          'The machine was busy (load average above its core count; load generator and server share the two cores): the figures are pessimistic.',
        ]
      : []),
  ]);
  lines.push(
    '| query | requests/s | p50 ms | p99 ms | max ms | failed |',
    '|---|--:|--:|--:|--:|--:|',
  );
  for (const s of rows) {
    lines.push(
      `| ${String(s.scenario)} | ${num(s.requestsPerSec, 0)} | ${num(get(s, 'latencyMs', 'p50'), 0)} | ${num(get(s, 'latencyMs', 'p99'), 0)} | ${num(get(s, 'latencyMs', 'max'), 0)} | ${String(s.failed)} |`,
    );
  }
  return lines.join('\n');
}

/** The kernel suite (bench/kernels.ts): tfjs-wasm's own kernel vs exprsim's, medians in ms. */
function renderKernelRows(k: Row): string[] {
  const ms = (v: unknown) => (typeof v === 'number' ? v.toFixed(1) : 'missing');
  const lines = [
    '### wasm training kernels: tfjs-wasm 4.22 vs exprsim',
    '',
    `Median ms of ${String(k.runs)} runs, one thread (\`node --import tsx bench/kernels.ts\`). "missing": tfjs-wasm has no such kernel, so it cannot train.`,
    '',
    '| case | kernel | tfjs-wasm ms | exprsim ms | speed-up |',
    '|---|---|--:|--:|--:|',
  ];
  for (const name of ['conv3x3', 'conv1x1', 'conv3x3Stride2']) {
    const c = k[name] as Row | undefined;
    if (!c) continue;
    const what = `${name}: x ${(c.x as number[]).join('x')}, filter ${(c.filter as number[]).join('x')}, stride ${String(c.stride)}`;
    for (const kernel of ['backpropInput', 'backpropFilter', 'grads']) {
      const e = c[kernel] as Row;
      lines.push(
        `| ${what} | ${kernel === 'grads' ? 'whole tf.grads' : kernel} | ${ms(e.originalMs)} | ${ms(e.oursMs)} | ${e.speedup === undefined ? '—' : `×${num(e.speedup, 1)}`} |`,
      );
    }
  }
  const mm = k.matMul as Row | undefined;
  if (mm) {
    for (const t of ['transposeA', 'transposeB']) {
      const e = mm[t] as Row;
      lines.push(
        `| matMul ${String(mm.m)}x${String(mm.k)}x${String(mm.n)} | ${t} | ${ms(e.originalMs)} | ${ms(e.oursMs)} | ×${num(e.speedup, 1)} |`,
      );
    }
  }
  for (const t of ['tileBatchNorm', 'tileInt32']) {
    const e = k[t] as Row | undefined;
    if (e)
      lines.push(
        `| tile ${(e.shape as number[]).join('x')} by ${(e.reps as number[]).join('x')} (${String(e.dtype)}) | Tile | ${ms(e.originalMs)} | ${ms(e.oursMs)} | ×${num(e.speedup, 1)} |`,
      );
  }
  return lines;
}

export function renderSearchSection(machine: MachineInfo, r: Row): string {
  const scan = (r.scan as Row[] | undefined) ?? [];
  const sq = (r.sqlite as Row | undefined) ?? {};
  const lines = header(
    'Face search (exact nearest neighbours)',
    'npm run bench -- search',
    machine,
    [
      `Exact k-NN (k = ${String(scan[0]?.k ?? 10)}) over random ${String(r.dimension)}-d unit vectors with the in-memory scan the SQLite store uses`,
      '(one Float32Array per model version, bounded top-k heap; no index): median of repeated queries, one thread.',
    ],
  );
  lines.push(
    '| faces | median ms/query | min ms | faces scanned/s | memory MiB |',
    '|--:|--:|--:|--:|--:|',
  );
  for (const s of scan) {
    lines.push(
      `| ${Number(s.faces).toLocaleString('en-US')} | ${num(s.medianMs, 2)} | ${num(s.minMs, 2)} | ${(Number(s.facesPerSec) / 1e6).toFixed(1)} M | ${num(s.memoryMiB, 1)} |`,
    );
  }
  if (sq.faces !== undefined) {
    lines.push(
      '',
      `SQLite store (better-sqlite3, WAL, synchronous=NORMAL) at ${Number(sq.faces).toLocaleString('en-US')} faces, one photo with one face and a ${String(get(sq, 'insert', 'withThumbnailBytes'))}-byte thumbnail per transaction (as \`exprsim index\` writes):`,
      '',
      '| insert photos/s | database MiB | cold load (open + first query) ms | warm query ms (with records) |',
      '|--:|--:|--:|--:|',
      `| ${num(get(sq, 'insert', 'photosPerSec'), 0)} | ${num(sq.fileMiB, 1)} | ${num(get(sq, 'coldLoad', 'medianMs'), 0)} | ${num(get(sq, 'warmQuery', 'medianMs'), 2)} |`,
    );
  }
  return lines.join('\n');
}

/**
 * The detection issue's references, measured once on this machine, as ratios to its opencv.js
 * Haar figure (the one reference re-run here as `opencv.js raw (reference)`): [low, high].
 */
const DETECT_REFERENCES: {
  text: string;
  set: '256' | '1920';
  detector: string;
  ratio: [number, number];
  ratioText: string;
}[] = [
  {
    text: 'opencv.js Haar ~37 ms per 256-px image',
    set: '256',
    detector: 'viola-jones',
    ratio: [1, 1],
    ratioText: '×1 (it is the raw call)',
  },
  {
    text: 'the same, viola-jones kept to one thread',
    set: '256',
    detector: 'viola-jones 1 thread',
    ratio: [1, 1],
    ratioText: '×1 (it is the raw call)',
  },
  {
    text: 'opencv.js Haar 1–1.8 s per 1920-px photo',
    set: '1920',
    detector: 'viola-jones',
    ratio: [1, 1],
    ratioText: '×1 (it is the raw call)',
  },
  {
    text: 'BlazeFace ~45 ms per 256-px image',
    set: '256',
    detector: 'blazeface',
    ratio: [45 / 37, 45 / 37],
    ratioText: '45 / 37 = ×1.22',
  },
  {
    text: 'MTCNN prototype (tfjs-wasm) 0.8–1.1 s per 1920-px photo',
    set: '1920',
    detector: 'mtcnn',
    ratio: [0.8 / 1.8, 1.1 / 1],
    ratioText: '0.8 / 1.8 … 1.1 / 1.0 = ×0.44–1.10',
  },
];

/** Same-run verdict: beaten when our ratio is below the reference's range by more than 5%. */
function detectVerdict(ours: number, [lo, hi]: [number, number]): string {
  if (!Number.isFinite(ours)) return 'not measured';
  if (ours < lo * 0.95)
    return `**beaten** (×${num(lo / ours, 1)} faster${lo < hi ? ' than its best case' : ''})`;
  if (ours > hi * 1.05) return `**not beaten** (takes ×${num(ours / hi, 2)} its time)`;
  return '**not beaten**: on par (within 5%)';
}

export function renderDetectSpeedSection(machine: MachineInfo, r: Row): string {
  const sets = (r.sets as Row[] | undefined) ?? [];
  const set = (name: string) => sets.find((s) => s.set === name);
  const variant = (s: Row | undefined, name: string) =>
    ((s?.variants as Row[] | undefined) ?? []).find((v) => v.name === name);
  const s256 = set('256');
  const s1920 = set('1920');
  const raw = 'opencv.js raw (reference)';
  const engine = (r.engine as Row | undefined) ?? {};
  const lines = header(
    'Face detection speed: same-run comparison with opencv.js',
    'npm run bench -- detect',
    machine,
    [
      `tfjs ${String(engine.backend)}${engine.simd ? ' SIMD' : ''}, ${String(engine.threads ?? 1)} thread. Every detector gets the same decoded RGB image; variants run in interleaved rounds (each once per`,
      `round and image, order rotated, after warm-up rounds): ${String(s256?.rounds)} rounds on the 256-px fixture (astronaut-256.jpg)${
        s1920
          ? `, ${String(s1920.rounds)} round(s) over ${String(s1920.images)} 1920-px photos of ../shared/data/photos (${((s1920.files as string[] | undefined) ?? []).join(', ')}; ${String(s1920.samplesPerVariant)} samples per variant)`
          : ''
      }.`,
      '`opencv.js raw (reference)`: the typical opencv.js Haar snippet with OpenCV defaults — grey Mat from the same pixels,',
      '`detectMultiScale(grey, rects, 1.1, 3, 0)`, haarcascade_frontalface_default.xml, full resolution. exprsim viola-jones is that',
      'library (detectMultiScale2, scaleFactor 1.1, minNeighbors 5, equalised histogram), scanning photos reduced so that its',
      'smallest face (3% of the short side) fills the 24-px window; by default each scan is split by window size into two halves of',
      'equal cost, one scanned in a worker thread, and the raw hits grouped once (the same faces as one call, tested);',
      '`viola-jones 1 thread` is the same detector scanning in the calling thread alone. "× raw": median over the raw call\'s median in the same rounds;',
      'p10–p90 spread over all samples of the variant; "faces": detections in the last round (summed over the photos).',
      ...(typeof r.skipped1920 === 'string' ? [`1920-px part skipped: ${r.skipped1920}.`] : []),
    ],
  );
  const cells = (s: Row | undefined, name: string) => {
    const v = variant(s, name);
    if (!v) return '— | — | — | —';
    return `${num(v.medianMs, 0)} | ${num(v.p10Ms, 0)}–${num(v.p90Ms, 0)} | ×${num(v.ratioToRaw, 2)} | ${String(v.facesLastRound)}`;
  };
  const counted = (s: Row | undefined) => (s ? ` (${String(s.facesCounted)} counted)` : '');
  lines.push(
    `| detector | 256-px median ms | p10–p90 ms | × raw | faces${counted(s256)} | 1920-px median ms | p10–p90 ms | × raw | faces${counted(s1920)} |`,
    '|---|--:|--:|--:|--:|--:|--:|--:|--:|',
  );
  for (const name of ['mtcnn', 'viola-jones', 'viola-jones 1 thread', 'blazeface', raw]) {
    lines.push(`| ${name} | ${cells(s256, name)} | ${cells(s1920, name)} |`);
  }
  const raw256 = variant(s256, raw)?.medianMs;
  lines.push(
    '',
    'Reference on this machine (detection issue): opencv.js Haar ~37 ms per 256x256 image and 1–1.8 s per',
    '1920-px photo; BlazeFace ~45 ms per 256x256 image; an MTCNN prototype on tfjs-wasm 0.8–1.1 s per 1920-px photo.',
    '',
    `Those were single measurements at another moment; here the raw opencv.js call took ${num(raw256, 0)} ms per 256-px image${
      s1920 ? ` and ${num(variant(s1920, raw)?.medianMs, 0)} ms per 1920-px photo` : ''
    }. The`,
    "verdicts therefore compare ratios: each reference as a ratio to the issue's opencv.js figure (assuming the issue's figures were",
    'taken under similar conditions) against our same-run ratio to the raw call; within 5% counts as on par, not beaten.',
    '',
    '| issue reference | as a ratio to opencv.js | ours: × raw, same run (p10–p90 of per-sample ratios) | verdict |',
    '|---|--:|--:|---|',
  );
  for (const ref of DETECT_REFERENCES) {
    const v = variant(ref.set === '256' ? s256 : s1920, ref.detector);
    const ours = typeof v?.ratioToRaw === 'number' ? v.ratioToRaw : NaN;
    const paired = (v?.pairedRatioToRaw as Row | undefined) ?? {};
    lines.push(
      `| ${ref.text} | ${ref.ratioText} | ${ref.detector} ×${num(ours, 2)} (per-sample ×${num(paired.p10, 2)}–${num(paired.p90, 2)}) | ${detectVerdict(ours, ref.ratio)} |`,
    );
  }
  const sweep = [s256, s1920].flatMap((s) =>
    ((s?.variants as Row[] | undefined) ?? []).filter((v) => v.ratioToViolaJones !== undefined),
  );
  if (sweep.length > 0) {
    const factors = [...new Set(sweep.map((v) => Number(get(v, 'config', 'scaleFactor'))))].sort(
      (a, b) => a - b,
    );
    const sfCells = (s: Row | undefined, sf: number) => {
      const v =
        sf === Number(get(variant(s, 'viola-jones') ?? {}, 'config', 'scaleFactor'))
          ? variant(s, 'viola-jones')
          : variant(s, `viola-jones scaleFactor ${sf}`);
      if (!v) return '— | — | — | —';
      const toVj = v.ratioToViolaJones === undefined ? 1 : Number(v.ratioToViolaJones);
      return `${num(v.medianMs, 0)} | ×${num(toVj, 2)} | ×${num(v.ratioToRaw, 2)} | ${String(v.facesLastRound)}`;
    };
    const defaultSf = Number(get(variant(s256, 'viola-jones') ?? {}, 'config', 'scaleFactor'));
    lines.push(
      '',
      'Viola-Jones scale factor (the cost lever: detectMultiScale scans one pyramid level per scale step), same rounds as above:',
      '',
      `| viola-jones scaleFactor | 256-px median ms | × default | × raw | faces${counted(s256)} | 1920-px median ms | × default | × raw | faces${counted(s1920)} |`,
      '|---|--:|--:|--:|--:|--:|--:|--:|--:|',
    );
    for (const sf of [defaultSf, ...factors.filter((f) => f !== defaultSf)]) {
      lines.push(
        `| ${sf}${sf === defaultSf ? ' (default)' : ''} | ${sfCells(s256, sf)} | ${sfCells(s1920, sf)} |`,
      );
    }
  }
  return lines.join('\n');
}

/** Section `ann`: exact vs HNSW in both stores and over HTTP (bench/suites/ann.ts). */
export function renderAnnSection(machine: MachineInfo, r: Row): string {
  const data = (r.data as Row | undefined) ?? {};
  const sq = (r.sqlite as Row | undefined) ?? {};
  const pgr = (r.postgres as Row | undefined) ?? {};
  const http = (r.http as Row | undefined) ?? {};
  const faces = Number(r.faces).toLocaleString('en-US');
  const lines = header(
    'Approximate nearest neighbours (HNSW) at scale',
    'npm run bench -- ann',
    machine,
    [
      `${faces} clustered 16-d unit vectors (${String(data.clusters)} centres, spread ${String(data.spread)} per dimension, renormalised), k = ${String(r.k)}.`,
      `ms/query: median (and p99) of ${String(data.latencyQueries)} queries from one client, face records included; recall@10: share of the exact 10 nearest found, over ${String(data.queries)} other queries.`,
      'HNSW m = 16, ef_construction = 64 in both stores (the defaults); build = the closing writer (usearch: build and save beside the file; pgvector: CREATE INDEX).',
    ],
  );
  lines.push(
    '| store | search | efSearch | median ms/query | p99 ms | recall@10 | build s | index MiB |',
    '|---|---|--:|--:|--:|--:|--:|--:|',
  );
  const runs = (x: unknown) => ((x as Row | undefined)?.runs as Row[] | undefined) ?? [];
  const ex = sq.exact as Row | undefined;
  if (ex !== undefined) {
    lines.push(
      `| SQLite | exact scan | — | ${num(ex.medianMs, 2)} | ${num(ex.p99Ms, 1)} | ${num(ex.recall, 3)} | — | — |`,
    );
  }
  const us = sq.usearch as Row | undefined;
  for (const [i, run] of runs(us).entries()) {
    lines.push(
      `| SQLite | usearch HNSW | ${String(run.efSearch)} | ${num(run.medianMs, 2)} | ${num(run.p99Ms, 1)} | ${num(run.recall, 3)} | ${i === 0 ? num(us?.buildSeconds, 0) : ''} | ${i === 0 ? num(us?.indexMiB, 0) : ''} |`,
    );
  }
  const pex = pgr.exact as Row | undefined;
  if (pex !== undefined) {
    lines.push(
      `| PostgreSQL | exact (seq scan) | — | ${num(pex.medianMs, 1)} | ${num(pex.p99Ms, 1)} | 1 | — | — |`,
    );
  }
  const hn = pgr.hnsw as Row | undefined;
  for (const [i, run] of runs(hn).entries()) {
    lines.push(
      `| PostgreSQL | pgvector HNSW | ${String(run.efSearch)} | ${num(run.medianMs, 2)} | ${num(run.p99Ms, 1)} | ${num(run.recall, 3)} | ${i === 0 ? num(hn?.buildSeconds, 0) : ''} | ${i === 0 ? num(hn?.indexMiB, 0) : ''} |`,
    );
  }
  if (pgr.skipped !== undefined) lines.push('', `PostgreSQL skipped: ${String(pgr.skipped)}.`);
  if (sq.insertSeconds !== undefined || pgr.insertSeconds !== undefined) {
    lines.push(
      '',
      `Writing the faces: SQLite \`putPhotos\` (20k photos a transaction) ${num(sq.insertSeconds, 0)} s (${num(sq.fileMiB, 0)} MiB file)${pgr.insertSeconds === undefined ? '' : `; PostgreSQL set-based INSERTs ${num(pgr.insertSeconds, 0)} s (table with its indexes ${num(get(pgr, 'hnsw', 'tableMiB'), 0)} MiB)`}. First query of a fresh reader: exact ${num(get(sq, 'exact', 'firstQueryMs'), 0)} ms (loads every embedding), usearch ${num(get(sq, 'usearch', 'firstQueryMs'), 0)} ms (loads the saved graph and checks it against the database).`,
    );
  }
  const sc = (http.scenarios as Row[] | undefined) ?? [];
  if (sc.length > 0) {
    lines.push(
      '',
      `HTTP: POST /api/search with an embedding (k = ${String(http.k)}) on loopback, the real server (src/serve) in its own process on the ${faces}-face SQLite index, autocannon with ${String(http.connections)} connections for ${String(http.seconds)} s after a warm-up:`,
      '',
      '| server search | requests/s | p50 ms | p99 ms | max ms | failed |',
      '|---|--:|--:|--:|--:|--:|',
    );
    for (const s of sc) {
      lines.push(
        `| ${String(s.scenario)} | ${num(s.requestsPerSec, 0)} | ${num(get(s, 'latencyMs', 'p50'), 0)} | ${num(get(s, 'latencyMs', 'p99'), 0)} | ${num(get(s, 'latencyMs', 'max'), 0)} | ${String(s.failed)} |`,
      );
    }
  }
  return lines.join('\n');
}
