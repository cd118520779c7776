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
    const name =
      r.backend === 'wasm'
        ? `wasm (SIMD ${r.simd ? 'on' : 'off'}, ${String(r.threads)} thread)`
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
      `Backend ${String(r.backend)} (one thread per process). Full optimiser steps (FECNet loss, Adam; for workers also the`,
      `weight broadcast and gradient averaging), median of ${String(r.steps)} timed steps after warm-up; both measured in the same run.`,
    ],
  );
  lines.push(
    '| head | input | triplets/step | 1 process steps/s | triplets/s | workers | steps/s | triplets/s | speed-up |',
    '|---|---|--:|--:|--:|--:|--:|--:|--:|',
  );
  for (const h of rows) {
    if (typeof h.error === 'string') {
      lines.push(`| ${String(h.head)} | failed: ${h.error} | | | | | | | |`);
      continue;
    }
    lines.push(
      `| ${String(h.head)} | ${(h.input as number[]).join('x')} | ${String(h.triplets)} | ${num(get(h, 'single', 'stepsPerSec'), 3)} | ${num(get(h, 'single', 'tripletsPerSec'), 1)} | ${String(get(h, 'workers', 'n'))} | ${num(get(h, 'workers', 'stepsPerSec'), 3)} | ${num(get(h, 'workers', 'tripletsPerSec'), 1)} | ×${num(h.speedup, 2)} |`,
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
