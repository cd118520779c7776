/**
 * A deterministic synthetic RGB image (integer samples 0..255) used to compare exprsim's backbone
 * forward passes with face-api's reference outputs (test/fixtures/features/faceapi-reference.json).
 * Changing it invalidates that fixture.
 */
export function referencePattern(size: number): Float32Array {
  const d = new Float32Array(size * size * 3);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      for (let c = 0; c < 3; c++) {
        const v =
          128 + 90 * Math.sin((x * (c + 1)) / 9 + y / 7) + 30 * Math.cos((x + y * 2) / (5 + c));
        d[(y * size + x) * 3 + c] = Math.max(0, Math.min(255, Math.round(v)));
      }
    }
  }
  return d;
}
