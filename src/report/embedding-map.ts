import { sampleIndices, type EmbeddingsFile } from '../experiment/embeddings-file.js';
import { scatterChart, type ScatterGroup } from './charts.js';
import { tsne, type TsneOptions } from './tsne.js';

/**
 * 2-D maps of a run's test embeddings: the report lays out a run's `embeddings-<split>.json`
 * (experiment/embeddings-file.ts) with t-SNE (tsne.ts) and draws one dot per image, coloured by
 * label.
 */

export interface EmbeddingMapOptions extends TsneOptions {
  /** Lay out at most this many images (a seeded sample); default 2000. */
  maxPoints?: number;
}

/** The t-SNE layout of an embeddings file, as scatter groups by label (labels sorted). */
export function embeddingMapGroups(
  file: EmbeddingsFile,
  options: EmbeddingMapOptions = {},
): { groups: ScatterGroup[]; perplexity: number; points: number } {
  const keep = sampleIndices(file.vectors.length, options.maxPoints ?? 2000, options.seed ?? 1);
  const n = keep.length;
  const x = new Float64Array(n * file.dim);
  keep.forEach((k, i) => x.set(file.vectors[k], i * file.dim));
  const r = tsne(x, n, file.dim, options);
  const byLabel = new Map<string, ScatterGroup>();
  for (const label of [...new Set(keep.map((k) => file.labels[k]))].sort()) {
    byLabel.set(label, { name: label, points: [] });
  }
  keep.forEach((k, i) => {
    byLabel.get(file.labels[k])?.points.push({ x: r.y[2 * i], y: r.y[2 * i + 1] });
  });
  return { groups: [...byLabel.values()], perplexity: r.perplexity, points: n };
}

/** An SVG scatter chart of a run's test embeddings laid out by t-SNE, coloured by label. */
export function embeddingMapChart(
  file: EmbeddingsFile,
  runName: string,
  options: EmbeddingMapOptions = {},
): string {
  const { groups, perplexity, points } = embeddingMapGroups(file, options);
  return scatterChart(
    {
      title: `${file.split.charAt(0).toUpperCase()}${file.split.slice(1)} embeddings: ${runName}`,
      xLabel: `t-SNE dimension 1 (perplexity ${Math.round(perplexity * 10) / 10}, ${points} images, coloured by label)`,
      yLabel: 't-SNE dimension 2',
      width: 720,
      height: 560,
    },
    groups,
    2.5,
  );
}
