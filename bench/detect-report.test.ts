import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SAMPLE_DETECT_BENCH } from '../test/fixtures/detect/bench-result.js';
import { renderDetectBench, renderDetectSection } from './detect-report.js';

const MACHINE = 'Test CPU, 2 cores, Node v20, tfjs wasm SIMD';

test('renderDetectBench: one table per set, the speed table and the raw result', () => {
  const md = renderDetectBench(SAMPLE_DETECT_BENCH, MACHINE);
  assert.match(
    md,
    /^# Face detector comparison\n\nCommand: `npm run bench -- detect` .* · 2026-01-02 · Test CPU/,
  );
  assert.match(md, /## FER2013 PrivateTest \(4 crops, 48x48 \+ 25% black border\)/);
  assert.match(md, /\| mtcnn \| 75\.0% \| 50\.0% \| 100\.0% \| 40 \|/);
  assert.match(
    md,
    /\| recall 20-40 px \(n\) \| recall 40\+ px \(n\) \|\n\|---\|---\|---\|---\|---\|---\|---\|/,
  );
  assert.match(
    md,
    /\| blazeface \| 62\.5% \| 80\.0% \| 0\.50 \| 301 \| 25\.0% \(4\) \| 100\.0% \(4\) \|/,
  );
  assert.match(
    md,
    /\| detector \| recall \(capped at count\) \| sample1 \(3\) \| skimage-astronaut \(1\) \| median ms \|/,
  );
  assert.match(md, /\| mtcnn \| 310 \| 39 \|/, 'the speed row');
  const raw = md.split('```json\n')[1].split('\n```')[0];
  assert.deepEqual(JSON.parse(raw), JSON.parse(JSON.stringify(SAMPLE_DETECT_BENCH)));
});

test('renderDetectSection: the speed table and a link to the full page', () => {
  const md = renderDetectSection(SAMPLE_DETECT_BENCH, MACHINE);
  assert.match(md, /^## Face detection\n/);
  assert.match(md, /Full tables: \[docs\/detect-bench\.md\]\(docs\/detect-bench\.md\)/);
  assert.match(md, /\| blazeface \| 311 \| 40 \|/);
  assert.doesNotMatch(md, /## Raw results/);
});
