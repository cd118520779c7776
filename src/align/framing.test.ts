import { test } from 'node:test';
import assert from 'node:assert/strict';
import { boxIoU, fitFraming, framedBox, sampleFraming } from './framing.js';

test('sampleFraming: offsets in box units and the scale over the mean side (hand values)', () => {
  // Box 40x60 at (10, 20): centre (30, 50), mean side 50. Truth square 75 at (5, 25): centre
  // (42.5, 62.5) → dx = 12.5 / 40, dy = 12.5 / 60, scale = 75 / 50.
  const f = sampleFraming({
    box: { x: 10, y: 20, width: 40, height: 60 },
    truth: { x: 5, y: 25, width: 75, height: 75 },
  });
  assert.equal(f.dx, 0.3125);
  assert.ok(Math.abs(f.dy - 12.5 / 60) < 1e-12);
  assert.equal(f.scale, 1.5);
});

test('framedBox inverts sampleFraming', () => {
  const box = { x: 10, y: 20, width: 40, height: 60 };
  const truth = { x: 5, y: 25, width: 75, height: 75 };
  const back = framedBox(box, sampleFraming({ box, truth }));
  for (const k of ['x', 'y', 'width', 'height'] as const) {
    assert.ok(Math.abs(back[k] - truth[k]) < 1e-9, k);
  }
});

test('boxIoU: hand values, disjoint and identical boxes', () => {
  // Two 10x10 squares overlapping by 5x10: 50 / (100 + 100 - 50).
  assert.equal(
    boxIoU({ x: 0, y: 0, width: 10, height: 10 }, { x: 5, y: 0, width: 10, height: 10 }),
    1 / 3,
  );
  assert.equal(
    boxIoU({ x: 0, y: 0, width: 10, height: 10 }, { x: 20, y: 0, width: 10, height: 10 }),
    0,
  );
  assert.equal(boxIoU({ x: 1, y: 2, width: 3, height: 4 }, { x: 1, y: 2, width: 3, height: 4 }), 1);
});

test('fitFraming takes medians, so one box on the wrong face does not move it', () => {
  const truth = (x: number, side: number) => ({ x, y: 0, width: side, height: side });
  // Three boxes that are the truth shrunk to 80% around its centre, shifted up by 10% of the
  // box: scale 1.25, dx 0, dy +0.1 (the crop's centre is below the box's).
  const good = [100, 200, 300].map((x) => {
    const t = truth(x, 100);
    return { box: { x: x + 10, y: 10 - 8, width: 80, height: 80 }, truth: t };
  });
  const wrong = { box: { x: 0, y: 500, width: 20, height: 20 }, truth: truth(0, 100) };
  const fit = fitFraming([...good, wrong]);
  assert.equal(fit.samples, 4);
  assert.ok(Math.abs(fit.scale - 1.25) < 1e-9, String(fit.scale));
  assert.ok(Math.abs(fit.dx) < 1e-9);
  assert.ok(Math.abs(fit.dy - 0.1) < 1e-9, String(fit.dy));
  assert.ok(fit.medianIoU > 0.99, String(fit.medianIoU));
});

test('fitFraming without boxes is E_DATA_EMPTY', () => {
  assert.throws(() => fitFraming([]), { code: 'E_DATA_EMPTY' });
});
