import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initEngine } from '../../engine/backend.js';
import { ExprsimError } from '../../core/errors.js';
import { parseShape3 } from './options.js';
import { createHead, HEAD_NAMES, resolveHeadConfig } from './registry.js';

// Building models only: the plain cpu backend is enough.
await initEngine({ backend: 'cpu' });

const code = (c: string, re?: RegExp) => (e: unknown) => {
  assert.ok(e instanceof ExprsimError, String(e));
  assert.equal(e.code, c);
  if (re) assert.match(e.toLine(), re);
  return true;
};

test('documented defaults: deep preset, [7, 7, 1024] features, 16-d, compression 0.5', () => {
  const c = resolveHeadConfig('densenet');
  assert.deepEqual(c, {
    inputMode: 'features',
    inputShape: [7, 7, 1024],
    stemChannels: 64,
    stemStride: 1,
    dropout: 0,
    embeddingSize: 16,
    seed: 1,
    tail: 'none',
    preset: 'deep',
    growth: 32,
    depth: 30,
    layersPerBlock: 4,
    bottleneckWidth: 4,
    compression: 0.5,
    bottleneck: true,
  });
  const s = resolveHeadConfig('densenet', { preset: 'shallow' });
  assert.equal(s.growth, 16);
  assert.equal(s.depth, 20);
  assert.equal(s.layersPerBlock, 2);
  assert.equal(s.stemChannels, 32);
  assert.deepEqual(
    resolveHeadConfig('densenet', { inputMode: 'pixels' }).inputShape,
    [100, 100, 1],
  );
  const f = resolveHeadConfig('fecnet');
  assert.equal(f.stemChannels, 512);
  assert.equal(f.growth, 64);
  assert.equal(f.layers, 5);
  assert.equal(f.hiddenUnits, 512);
  assert.equal(resolveHeadConfig('se-densenet').seReduction, 16);
  assert.equal(resolveHeadConfig('attention-densenet').attentionReduction, 2);
  assert.equal(resolveHeadConfig('less-densenet').extraDropout, 0.2);
  const k = resolveHeadConfig('skip-densenet', { preset: 'shallow' });
  assert.equal(k.skipChannels, 32);
  assert.equal(k.skipDropout, 0.2);
});

test('depth and layers per block: ⌊(depth − 4) / 6⌋ with bottleneck, ⌊(depth − 4) / 3⌋ without', () => {
  assert.equal(resolveHeadConfig('densenet', { depth: 40 }).layersPerBlock, 6);
  assert.equal(resolveHeadConfig('densenet', { depth: 30, bottleneck: false }).layersPerBlock, 8);
  const n = resolveHeadConfig('densenet', { layersPerBlock: 3 });
  assert.equal(n.depth, 22);
  assert.equal(resolveHeadConfig('densenet', { layersPerBlock: 3, bottleneck: false }).depth, 13);
  assert.equal(resolveHeadConfig('less-densenet', { preset: 'shallow' }).layersPerBlock, 2);
  assert.throws(
    () => resolveHeadConfig('densenet', { depth: 30, layersPerBlock: 3 }),
    code('E_BAD_OPTION', /layersPerBlock is 3 but depth 30 gives 4/),
  );
  assert.throws(() => resolveHeadConfig('densenet', { depth: 9 }), code('E_BAD_OPTION', /depth/));
});

test('?? not ||: explicit 0 and false are kept, undefined means default', () => {
  const c = resolveHeadConfig('skip-densenet', {
    skipDropout: 0,
    bottleneck: false,
    seed: 0,
    dropout: undefined,
  });
  assert.equal(c.skipDropout, 0);
  assert.equal(c.bottleneck, false);
  assert.equal(c.seed, 0);
  assert.equal(c.dropout, 0);
  assert.equal(resolveHeadConfig('less-densenet', { extraDropout: 0 }).extraDropout, 0);
});

test('resolving is idempotent for every head and preset', () => {
  for (const name of HEAD_NAMES) {
    for (const preset of name === 'fecnet' ? ['paper'] : ['deep', 'shallow']) {
      const once = resolveHeadConfig(name, { preset } as object);
      assert.deepEqual(resolveHeadConfig(name, once), once, `${name} ${preset}`);
    }
  }
});

test('unknown head names throw E_UNKNOWN_NAME listing the heads', () => {
  for (const f of [() => createHead('resnet'), () => resolveHeadConfig('DenseNet')]) {
    assert.throws(
      f,
      code(
        'E_UNKNOWN_NAME',
        /fecnet, densenet, attention-densenet, less-densenet, se-densenet, skip-densenet/,
      ),
    );
  }
});

test('unknown keys and bad values throw E_BAD_OPTION naming head, key and value', () => {
  const bad: [string, object, RegExp][] = [
    ['densenet', { growthRate: 12 }, /head densenet: unknown option growthRate.*valid options:/],
    ['densenet', { seReduction: 8 }, /unknown option seReduction/],
    ['less-densenet', { bottleneck: true }, /unknown option bottleneck/],
    ['fecnet', { depth: 30 }, /unknown option depth/],
    ['densenet', { growth: 0 }, /growth must be an integer ≥ 1, got 0/],
    ['densenet', { growth: 12.5 }, /growth must be an integer/],
    ['densenet', { compression: 0 }, /compression must be a number > 0 and ≤ 1, got 0/],
    ['densenet', { compression: 1.5 }, /compression/],
    ['densenet', { dropout: 1 }, /dropout must be a number ≥ 0 and < 1/],
    ['densenet', { dropout: '0.2' }, /dropout must be a number.*got "0.2"/],
    ['densenet', { preset: 'medium' }, /preset must be one of deep, shallow, got "medium"/],
    ['densenet', { inputMode: 'image' }, /inputMode must be one of features, pixels/],
    ['densenet', { inputShape: [7, 7] }, /inputShape must be \[height, width, channels\]/],
    ['densenet', { inputShape: [7, 0, 3] }, /inputShape/],
    ['densenet', { bottleneck: 'yes' }, /bottleneck must be true or false/],
    ['densenet', { stemStride: 2 }, /stemStride must be 1 on feature maps/],
    ['se-densenet', { seReduction: 0 }, /seReduction/],
    ['skip-densenet', { skipDropout: -0.1 }, /skipDropout/],
    ['fecnet', { embeddingSize: 0 }, /embeddingSize/],
  ];
  for (const [name, config, re] of bad) {
    assert.throws(
      () => resolveHeadConfig(name, config),
      code('E_BAD_OPTION', re),
      `${name} ${JSON.stringify(config)}`,
    );
  }
  assert.throws(
    () => resolveHeadConfig('densenet', 5 as unknown as object),
    code('E_BAD_OPTION', /config must be an object/),
  );
});

test('parseShape3 reads HxWxC', () => {
  assert.deepEqual(parseShape3('12x12x512', '--input'), [12, 12, 512]);
  assert.deepEqual(parseShape3('100X100x1', '--pixels'), [100, 100, 1]);
  for (const bad of ['12x12', '12x12x0', 'axbxc', '1.5x2x3', '']) {
    assert.throws(() => parseShape3(bad, '--input'), ExprsimError, bad);
  }
});
