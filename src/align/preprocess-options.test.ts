import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describePreprocess, toPreprocessConfig } from './preprocess-options.js';
import { resolvePreprocessConfig } from './preprocess.js';

test('toPreprocessConfig: without a detector the images are face crops (mask and resize kept)', () => {
  assert.deepEqual(toPreprocessConfig({}), { crop: 'whole-image' });
  assert.deepEqual(toPreprocessConfig({ mask: 'ellipse', resize: 'cubic', align: 'none' }), {
    crop: 'whole-image',
    mask: 'ellipse',
    resize: { kernel: 'cubic' },
  });
});

test('toPreprocessConfig: a detector-only option without a detector names the first one given', () => {
  for (const [o, key, message] of [
    [{ margin: 0.3, pad: 0.1 }, 'margin', '`margin` needs `detector`'],
    [{ pad: 0.1 }, 'pad', '`pad` needs `detector`'],
    [{ noFace: 'whole-image' }, 'noFace', '`noFace` needs `detector`'],
    [{ align: 'five-point' }, 'align', '`align` five-point needs `detector`'],
  ] as const) {
    assert.throws(() => toPreprocessConfig(o), { code: 'E_BAD_OPTION', option: key, message });
  }
});

test('toPreprocessConfig: detector crops carry every option given; viola-jones cannot align', () => {
  assert.deepEqual(
    toPreprocessConfig({ detector: 'mtcnn', margin: 0.3, noFace: 'skip', align: 'five-point' }),
    { crop: 'detector', detector: 'mtcnn', margin: 0.3, noFace: 'skip', align: 'five-point' },
  );
  assert.throws(() => toPreprocessConfig({ detector: 'viola-jones', align: 'five-point' }), {
    code: 'E_BAD_OPTION',
    option: 'align',
    message: 'viola-jones finds no landmarks to align by',
  });
  assert.deepEqual(toPreprocessConfig({ detector: 'viola-jones', pad: 0.25 }), {
    crop: 'detector',
    detector: 'viola-jones',
    pad: 0.25,
  });
});

test('describePreprocess: one line for a whole-image and a detector record', () => {
  assert.equal(
    describePreprocess(resolvePreprocessConfig({ crop: 'whole-image', size: 112 })),
    'whole images, mask none, 112x112 rgb (lanczos3)',
  );
  assert.equal(
    describePreprocess(
      resolvePreprocessConfig({
        detector: 'mtcnn',
        align: 'five-point',
        mask: 'ellipse',
        pad: 0.1,
      }),
    ),
    'mtcnn box +0.2 square, framed 0.1, no face: skip, five-point aligned, mask ellipse, 224x224 rgb (lanczos3)',
  );
});
