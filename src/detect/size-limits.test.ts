import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  MTCNN_MAX_LEVEL_PIXELS,
  MTCNN_MAX_WORKING_PIXELS,
  VIOLA_JONES_MAX_PIXELS,
  planMtcnn,
  planViolaJones,
  requireMtcnnPlan,
  requireViolaJonesPlan,
  smallestMtcnnFace,
} from './size-limits.js';

const SF = 0.709;

test('MTCNN plan: a 4-px smallest face on a 6000x5000 photo is refused, naming the size, the limit and the face that fits', () => {
  const plan = planMtcnn(6000, 5000, 4, SF);
  // The working image is held to 6 Mpx, then P-Net would upsample it 6.7x: 270 Mpx.
  assert.ok(plan.workWidth * plan.workHeight <= MTCNN_MAX_WORKING_PIXELS);
  assert.ok(plan.firstLevelPixels > 250e6, String(plan.firstLevelPixels));
  assert.throws(
    () => requireMtcnnPlan(6000, 5000, 4, SF),
    (e: Error & { code?: string; fix?: string; option?: string }) => {
      assert.equal(e.code, 'E_IMAGE_TOO_LARGE');
      assert.equal(
        e.message,
        "6000x5000 image: looking for faces down to 4 px needs a 270.0 Mpx P-Net level, over MTCNN's limit of 32.0 Mpx",
      );
      assert.equal(e.fix, 'look for faces of 12 px or more (`minFaceSize`), or crop the image');
      assert.equal(e.option, 'minFaceSize');
      return true;
    },
  );
  // 12 px fits (the 30-Mpx level that once took 3.7 GB now runs in strips), 11 does not.
  assert.ok(requireMtcnnPlan(6000, 5000, 12, SF).firstLevelPixels <= MTCNN_MAX_LEVEL_PIXELS);
  assert.throws(() => requireMtcnnPlan(6000, 5000, 11, SF), { code: 'E_IMAGE_TOO_LARGE' });
});

test('MTCNN plan: the smallest face named is the smallest that fits, on any image size', () => {
  for (const [w, h] of [
    [6000, 5000],
    [8000, 6000],
    [2400, 2000],
    [1920, 1080],
    [12000, 300],
    [640, 480],
  ]) {
    const face = smallestMtcnnFace(w, h, SF);
    assert.ok(planMtcnn(w, h, face, SF).firstLevelPixels <= MTCNN_MAX_LEVEL_PIXELS, `${w}x${h}`);
    if (face > 1)
      assert.ok(
        planMtcnn(w, h, face - 1, SF).firstLevelPixels > MTCNN_MAX_LEVEL_PIXELS,
        `${w}x${h}`,
      );
  }
  // Everyday sizes and the defaults' floor (20 px) are never refused; 640x480 allows MTCNN's 4.
  assert.ok(smallestMtcnnFace(640, 480, SF) <= 4);
  assert.doesNotThrow(() => requireMtcnnPlan(640, 480, 4, SF));
  assert.doesNotThrow(() => requireMtcnnPlan(8000, 6000, 20, SF));
});

test('MTCNN plan: the pyramid is what the detector ran before (scales, working size)', () => {
  const p = planMtcnn(1536, 1536, 20, SF);
  assert.deepEqual([p.workWidth, p.workHeight, p.shrink], [1536, 1536, 1]);
  assert.equal(p.scales[0], 12 / 20);
  assert.ok(p.scales.every((s, i) => i === 0 || Math.abs(s / p.scales[i - 1] - SF) < 1e-12));
  assert.ok(1536 * p.scales.at(-1)! >= 12 && 1536 * p.scales.at(-1)! * SF < 12);
  // A 100-px smallest face on a 4000-px photo: reduced so that it is 48 px.
  const r = planMtcnn(4000, 3000, 100, SF);
  assert.deepEqual([r.workWidth, r.workHeight], [1920, 1440]);
  assert.ok(Math.abs(r.workMinFace - 48) < 1e-9);
});

test('Viola-Jones plan: over 20 Mpx scanned is refused with the smallest face that fits', () => {
  assert.throws(
    () => requireViolaJonesPlan(6000, 5000, 4, 24),
    (e: Error & { code?: string; fix?: string; option?: string }) => {
      assert.equal(e.code, 'E_IMAGE_TOO_LARGE');
      assert.equal(
        e.message,
        "6000x5000 image: looking for faces down to 24 px scans 30.0 Mpx, over Viola-Jones's limit of 20.0 Mpx",
      );
      assert.equal(e.fix, 'look for faces of 30 px or more (`minSize`), or crop the image');
      assert.equal(e.option, 'minSize');
      return true;
    },
  );
  const ok = requireViolaJonesPlan(6000, 5000, 30, 24);
  assert.ok(ok.workWidth * ok.workHeight <= VIOLA_JONES_MAX_PIXELS);
  assert.throws(() => requireViolaJonesPlan(6000, 5000, 29, 24), { code: 'E_IMAGE_TOO_LARGE' });
  // 20 Mpx at full size still runs (1.6 GB measured); the default ratio floor reduces big photos.
  assert.deepEqual(planViolaJones(5000, 4000, 24, 24), {
    workWidth: 5000,
    workHeight: 4000,
    shrink: 1,
  });
  assert.doesNotThrow(() => requireViolaJonesPlan(8000, 6000, 0.03 * 6000, 24));
});
