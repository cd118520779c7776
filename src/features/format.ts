// What `extractDatasetFeatures` did, for people (a few lines) and for scripts (a JSON object).
import { resolve } from 'node:path';
import { describePreprocess } from '../align/preprocess-options.js';
import type { ExtractDatasetFeaturesResult } from './extract-dataset.js';

const mib = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MiB`;

/** The extraction as JSON: the cache, what went in, what was stored and skipped, how fast. */
export function featuresSummaryJson(r: ExtractDatasetFeaturesResult) {
  const m = r.manifest;
  return {
    out: resolve(r.dir),
    dataset: r.dataset,
    backbone: m.backbone,
    preprocess: m.preprocess,
    shape: m.shape,
    stored: r.stored,
    unreadable: r.skipped,
    detection: r.detection,
    shards: { total: m.shards, written: r.shardsWritten, reused: r.shardsReused },
    bytes: r.bytes,
    seconds: r.seconds,
    facesPerSecond: r.facesPerSecond,
  };
}

/** The extraction in a few lines: faces stored, backbone and map, preprocessing, shards, skips. */
export function formatFeaturesSummary(r: ExtractDatasetFeaturesResult): string[] {
  const m = r.manifest;
  const lines = [
    `features: ${r.stored} faces of ${r.dataset.images} → ${resolve(r.dir)}`,
    `backbone: ${m.backbone.name} ${m.backbone.version}, map ${m.shape.join('x')} float16 (${m.shape.reduce((a, c) => a * c, 2)} bytes/face)`,
    `preprocess: ${describePreprocess(m.preprocess)}${m.mirror === true ? ', mirrored' : ''}`,
    `shards:   ${r.shardsWritten} written, ${r.shardsReused} already done, ${mib(r.bytes)} in all`,
  ];
  if (r.dataset.skippedRows > 0) lines.push(`dataset rows skipped: ${r.dataset.skippedRows}`);
  if (r.detection !== undefined) {
    const d = r.detection;
    lines.push(
      `detection: face found in ${d.found} of ${d.images} images (${(100 * d.rate).toFixed(1)}%)${d.undetected > 0 ? `; ${d.undetected} used whole` : ''}`,
    );
  }
  if (r.skipped.count > 0) {
    lines.push(`images skipped (unreadable or no face): ${r.skipped.count}`);
    for (const s of r.skipped.first) lines.push(`  ${s.key}: ${s.reason}`);
  }
  if (r.facesPerSecond !== undefined) {
    lines.push(`speed:    ${r.facesPerSecond.toFixed(1)} faces/s (${r.seconds.toFixed(1)} s)`);
  }
  return lines;
}
