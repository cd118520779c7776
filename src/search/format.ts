// What the photo queries and indexing return, for people (a few lines) and for scripts (JSON
// objects with distances, scores and boxes rounded: short, same meaning). File names in the
// lines are printable (control characters escaped, core/printable.ts): a photo named with
// terminal escape codes cannot recolour or rewrite the terminal. JSON escapes them itself.
import { resolve } from 'node:path';
import type { FaceBox } from '../core/face.js';
import { printable as p } from '../core/printable.js';
import { roundTo, roundedBox } from '../core/round.js';
import type {
  CompareImagesResult,
  FindOddOneOutResult,
  QueryPhoto,
  SearchIndexResult,
} from './image-queries.js';
import type { IndexFolderResult } from './index-folder.js';

/** Distances and scores in JSON: `digits` decimals. */
const round = (x: number, digits = 4) => roundTo(x, digits);
/** Boxes in JSON: 0.1 px. */
const jsonBox = (b: FaceBox) => roundedBox(b, 1);
const boxText = (b: FaceBox) =>
  `${Math.round(b.width)}x${Math.round(b.height)} at (${Math.round(b.x)}, ${Math.round(b.y)})`;
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
const photoJson = (p: QueryPhoto) => ({
  file: p.file,
  faces: p.faces,
  face: p.chosen.face,
  box: jsonBox(p.chosen.box),
});

/** A search as JSON: the index, the query face and the neighbours by rank. */
export function searchResultJson(r: SearchIndexResult) {
  const q = r.query;
  return {
    db: r.db,
    root: r.root,
    model: r.model,
    query: {
      file: q.source,
      faces: q.faces,
      face: q.face,
      box: jsonBox(q.box),
      score: round(q.score),
    },
    results: r.neighbours.map((n, i) => ({
      rank: i + 1,
      distance: round(n.distance, 6),
      path: n.face.path,
      /** Every path with this photo's content (the same file at several paths: one face). */
      paths: n.face.paths,
      file: resolve(r.root, n.face.path),
      faceId: n.face.id,
      photoId: n.face.photoId,
      face: n.face.face,
      box: jsonBox(n.face.box),
      score: round(n.face.score),
    })),
  };
}

/** A search as a table: the query face, then rank, distance and photo of each neighbour. */
export function formatSearchResult(r: SearchIndexResult): string[] {
  const q = r.query;
  const lines = [
    `search: face ${q.face} of ${q.faces} in ${p(q.source)} (${boxText(q.box)}), model ${r.model}`,
    `rank  distance  photo (face)`,
  ];
  const { results } = searchResultJson(r);
  for (const x of results) {
    const also = x.paths.length > 1 ? `; also ${x.paths.slice(1).map(p).join(', ')}` : '';
    lines.push(
      `${String(x.rank).padStart(4)}  ${x.distance.toFixed(4).padStart(8)}  ${p(x.path)} (face ${x.face}, ${boxText(x.box)}${also})`,
    );
  }
  if (results.length === 0) lines.push('  (the index holds no faces)');
  return lines;
}

/** An indexing run in three lines, then the first twenty failures. */
export function formatIndexSummary(r: IndexFolderResult): string[] {
  const copies = r.copies > 0 ? ` (${r.copies} the same file as another path: embedded once)` : '';
  const lines = [
    `index: ${plural(r.files, 'photo')} in ${p(r.folder)} → ${p(r.db)}${r.interrupted ? ' (interrupted: rerun to continue)' : ''}`,
    `  ${r.added} added, ${r.changed} changed, ${r.unchanged} unchanged, ${r.removed} removed${copies}; ${plural(r.faces, 'face')} written, ${r.noFace} without a face, ${r.failed} failed`,
    `  the index now holds ${r.total.faces} faces in ${r.total.photos} photos (model ${r.model}) · ${r.seconds.toFixed(1)} s`,
  ];
  if (r.failures.length > 0) {
    lines.push(`failed:`);
    for (const f of r.failures.slice(0, 20)) lines.push(`  ${p(f.path)}: ${p(f.error)}`);
    if (r.failures.length > 20)
      lines.push(`  … and ${r.failures.length - 20} more (--json lists all)`);
  }
  return lines;
}

/** A comparison as JSON: the two faces, the distance and the calibrated similarity. */
export function comparisonJson(r: CompareImagesResult) {
  const c = r.comparison;
  return {
    a: photoJson(r.a),
    b: photoJson(r.b),
    model: r.model,
    distance: round(c.distance, 6),
    percentile: c.percentile === null ? null : round(c.percentile, 2),
    similarity: c.similarity === null ? null : round(c.similarity, 4),
    calibration: c.calibration,
  };
}

/** A comparison in three lines: the faces, the distance, the similarity and its calibration. */
export function formatComparison(r: CompareImagesResult): string[] {
  const c = r.comparison;
  const face = (q: QueryPhoto) => `${p(q.file)} (face ${q.chosen.face} of ${q.faces})`;
  const lines = [
    `similar: ${face(r.a)} vs ${face(r.b)}`,
    `distance:   ${c.distance.toFixed(4)} (0 = identical, 2 = opposite)`,
  ];
  if (c.calibration.source === 'none') {
    lines.push(`similarity: unavailable: ${c.calibration.reason}`);
  } else {
    const pct = (100 * c.similarity!).toFixed(1);
    const from =
      c.calibration.source === 'model'
        ? 'the model’s calibration.json'
        : `random pairs in ${c.calibration.origin}`;
    lines.push(
      `similarity: ${pct}%: more alike than ${pct}% of random face pairs (closer than ${(100 - c.percentile!).toFixed(1)}%; calibration: ${from})`,
    );
  }
  return lines;
}

/** The odd one out as JSON: the three faces, the odd one, the closest pair and the distances. */
export function oddOneOutJson(r: FindOddOneOutResult) {
  const d = r.distances;
  return {
    images: r.images.map(photoJson),
    odd: r.odd,
    oddFile: r.images[r.odd].file,
    pair: r.pair,
    tie: r.tie,
    distances: { ab: round(d.ab, 6), ac: round(d.ac, 6), bc: round(d.bc, 6) },
    model: r.model,
  };
}

/**
 * The odd one out in two lines: which photo, the closest pair, the three distances; or, for a
 * tie, that there is none.
 */
export function formatOddOneOut(r: FindOddOneOutResult): string[] {
  const file = (i: number) => p(r.images[i].file);
  const d = r.distances;
  if (r.tie) {
    return [
      'no odd one out: the closest pairs are equally close (a tie), so no face stands apart' +
        (r.distances.ab + r.distances.ac + r.distances.bc === 0
          ? ' (the same face three times?)'
          : ''),
      `distances: a–b ${d.ab.toFixed(4)}, a–c ${d.ac.toFixed(4)}, b–c ${d.bc.toFixed(4)}`,
    ];
  }
  return [
    `odd one out: ${file(r.odd)} (the closest pair: ${file(r.pair[0])} and ${file(r.pair[1])})`,
    `distances: a–b ${d.ab.toFixed(4)}, a–c ${d.ac.toFixed(4)}, b–c ${d.bc.toFixed(4)}`,
  ];
}
