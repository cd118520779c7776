/** Markdown for BENCHMARKS.md sections, from the JSON the suites print. */
type Row = Record<string, unknown>;

const num = (v: unknown, digits: number): string =>
  typeof v === 'number' && Number.isFinite(v) ? v.toFixed(digits) : '—';
const get = (row: Row, key: string, field: string): unknown =>
  (row[key] as Row | undefined)?.[field];

export function renderEngineSection(result: {
  machine: {
    cpu: string;
    cores: number;
    memoryGiB: number;
    node: string;
    date: string;
    loadAverage: number[];
  };
  backends: Row[];
  kernels?: Row;
}): string {
  const m = result.machine;
  const lines = [
    '## Tensor engine',
    '',
    `Command: \`npm run bench -- engine\` · ${m.date} · ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB · Node ${m.node} · load average at start ${m.loadAverage.join(', ')}.`,
    'Medians of repeated runs (each backend in its own process). Training: the reference head of',
    'the foundation issue (input [B,12,12,512], 32 triplets = 96 embeddings per step, Adam, FECNet loss).',
    '',
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
  if (result.kernels && !result.kernels.error) {
    lines.push(
      '',
      '### wasm training kernels',
      '',
      '```json',
      JSON.stringify(result.kernels, null, 2),
      '```',
    );
  }
  return lines.join('\n');
}
