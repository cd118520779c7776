import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cacheDetection } from './experiment.js';

test('cacheDetection reads the detector and detection rate a feature cache recorded', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'exprsim-cache-detection-'));
  try {
    const input = { name: 'vj', spec: { kind: 'features' as const, cache: dir } };
    assert.deepEqual(cacheDetection(input), {}, 'no features.json: nothing');
    await writeFile(
      join(dir, 'features.json'),
      JSON.stringify({ detector: { name: 'viola-jones' }, detection: { rate: 0.704 } }),
    );
    assert.deepEqual(cacheDetection(input), { detector: 'viola-jones', detectionRate: 0.704 });
    await writeFile(join(dir, 'features.json'), JSON.stringify({ stored: 3 }));
    assert.deepEqual(cacheDetection(input), {}, 'a whole-image cache records neither');
    const pixels = {
      name: 'px',
      spec: { kind: 'pixels' as const, shape: [8, 8, 1] as [number, number, number] },
    };
    assert.deepEqual(cacheDetection(pixels), {});
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
