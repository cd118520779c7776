import { createHash } from 'node:crypto';
import { boxKey, type FecBox } from './fec-row.js';

/**
 * Stable names for downloaded files, derived from a hash of the URL (and box) rather than from the
 * URL's own file name: Flickr names repeat across servers, URLs contain characters file systems
 * dislike, and a hash spreads files evenly over 256 sub-folders (a folder of 150K files is slow
 * to list). 20 hex digits = 80 bits: no collision is expected among millions of URLs.
 */
const ID_HEX = 20;

function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, ID_HEX);
}

/** The id of an image URL. */
export function urlId(url: string): string {
  return sha256Hex(url);
}

/** The id of a face crop: one per (URL, box), since one URL appears with different boxes. */
export function cropId(url: string, box: FecBox): string {
  return sha256Hex(`${url}\n${boxKey(box)}`);
}

export type CropFormat = 'jpeg' | 'png';

/** `crops/<first two hex>/<id>.jpg|png`, relative to the download folder: the crop's triplet key. */
export function cropFile(id: string, format: CropFormat): string {
  return `crops/${id.slice(0, 2)}/${id}.${format === 'jpeg' ? 'jpg' : 'png'}`;
}

/** `images/<first two hex>/<id>.<ext>`: the full downloaded image, kept as its original bytes. */
export function fullImageFile(id: string, ext: string): string {
  return `images/${id.slice(0, 2)}/${id}.${ext}`;
}
