import { extname } from 'node:path';
import { ExprsimError } from '../core/errors.js';
import { writeFileAtomic } from '../core/fs.js';
import type { EmbeddedFace } from './embed-files.js';
import { encodeNpyFloat32 } from '../features/npy.js';

export type EmbeddingFormat = 'jsonl' | 'csv' | 'npy';

/** The output format from a file name: .jsonl, .csv or .npy (E_BAD_OPTION otherwise). */
export function embeddingFormat(path: string): EmbeddingFormat {
  const ext = extname(path).toLowerCase();
  if (ext === '.jsonl' || ext === '.csv' || ext === '.npy') return ext.slice(1) as EmbeddingFormat;
  throw new ExprsimError('E_BAD_OPTION', `cannot tell the output format of "${path}"`, {
    input: path,
    fix: 'name the output .jsonl, .csv or .npy',
  });
}

function csvField(s: string): string {
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

const num = (v: number | undefined) => (v === undefined ? '' : String(Math.round(v * 1e6) / 1e6));

/** The rows file beside a .npy: `<name>.rows.csv` (file, face, box, score per row of the array). */
export function npyRowsPath(path: string): string {
  return `${path.slice(0, path.length - extname(path).length)}.rows.csv`;
}

function rowsCsv(faces: readonly EmbeddedFace[], withEmbedding: boolean, size: number): string {
  const head = ['file', 'face', 'x', 'y', 'width', 'height', 'score'];
  if (withEmbedding) for (let i = 0; i < size; i++) head.push(`e${i}`);
  const lines = [head.join(',')];
  for (const f of faces) {
    const cells = [
      csvField(f.file),
      String(f.face),
      num(f.box?.x),
      num(f.box?.y),
      num(f.box?.width),
      num(f.box?.height),
      num(f.score),
    ];
    if (withEmbedding) for (const v of f.embedding) cells.push(String(v));
    lines.push(cells.join(','));
  }
  return `${lines.join('\n')}\n`;
}

/**
 * Writes embeddings, one row per face: JSON Lines (`{file, face, box?, score?, embedding}`), CSV
 * (`file,face,x,y,width,height,score,e0…`) or a float32 `.npy` array [faces, size] with a
 * `<name>.rows.csv` beside it saying which file and face each row is. Files are written atomically.
 * Returns the paths written.
 */
export async function writeEmbeddings(
  path: string,
  faces: readonly EmbeddedFace[],
  embeddingSize: number,
): Promise<string[]> {
  const format = embeddingFormat(path);
  if (format === 'jsonl') {
    const text = faces
      .map((f) =>
        JSON.stringify({
          file: f.file,
          face: f.face,
          ...(f.box ? { box: f.box } : {}),
          ...(f.score !== undefined ? { score: f.score } : {}),
          embedding: Array.from(f.embedding),
        }),
      )
      .join('\n');
    await writeFileAtomic(path, faces.length > 0 ? `${text}\n` : '');
    return [path];
  }
  if (format === 'csv') {
    await writeFileAtomic(path, rowsCsv(faces, true, embeddingSize));
    return [path];
  }
  const data = new Float32Array(faces.length * embeddingSize);
  faces.forEach((f, i) => data.set(f.embedding, i * embeddingSize));
  const rows = npyRowsPath(path);
  await writeFileAtomic(rows, rowsCsv(faces, false, embeddingSize));
  await writeFileAtomic(path, encodeNpyFloat32(data, [faces.length, embeddingSize]));
  return [path, rows];
}
