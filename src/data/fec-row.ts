/**
 * One row of the FEC (Google Facial Expression Comparison) CSVs, parsed and validated.
 *
 * Layout, 0-based fields: 0 URL of image 1, 1-4 its face box as fractions of the image size in the
 * order left column, right column, top row, bottom row (not x1,y1,x2,y2); 5-9 image 2; 10-14
 * image 3; 15 the triplet type; then (rater id, annotation) pairs to the end of the line, where
 * annotation k says image k is the odd one out. Rows have six or more raters and so differ in
 * length: every pair is kept (readers that assume a fixed width silently drop the longer rows).
 */

export const FEC_TRIPLET_TYPES = [
  'ONE_CLASS_TRIPLET',
  'TWO_CLASS_TRIPLET',
  'THREE_CLASS_TRIPLET',
] as const;
export type FecTripletType = (typeof FEC_TRIPLET_TYPES)[number];

/** A face box as fractions of the image width (left, right) and height (top, bottom). */
export interface FecBox {
  left: number;
  right: number;
  top: number;
  bottom: number;
}

export interface FecFace {
  url: string;
  box: FecBox;
}

/** 1, 2 or 3: which image of the triplet is the odd one out. */
export type FecAnnotation = 1 | 2 | 3;

export interface FecRating {
  rater: string;
  annotation: FecAnnotation;
}

export interface FecRow {
  /** 1-based line number in the CSV. */
  line: number;
  faces: [FecFace, FecFace, FecFace];
  type: FecTripletType;
  /** Every (rater, annotation) pair of the row, in file order. */
  ratings: FecRating[];
}

/** A row that failed validation, kept for the report. */
export interface FecBadRow {
  line: number;
  reason: string;
}

/** 16 fixed fields: 3 x (URL + 4 box fractions) and the triplet type. */
export const FEC_FIXED_FIELDS = 16;

const BOX_SIDES = ['left', 'right', 'top', 'bottom'] as const;
const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

function show(value: string, max = 60): string {
  return JSON.stringify(value.length > max ? `${value.slice(0, max - 1)}…` : value);
}

/** True for an absolute http: or https: URL with a host. */
export function isHttpUrl(value: string): boolean {
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    return false;
  }
  return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';
}

/**
 * Parses a decimal number strictly: `Number('')` is 0 and `Number(' 0x1 ')` is 1, both of which
 * would hide a damaged field, so only plain decimal notation is accepted.
 */
export function parseDecimal(value: string): number | undefined {
  if (!NUMBER.test(value)) return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : undefined;
}

/**
 * Validates the fields of one CSV line. Returns the row, or a bad row whose reason names the
 * column (1-based, as spreadsheets count) and what is wrong with it. Checks: at least 18 fields
 * and an even number after the 16 fixed ones; http(s) URLs; box fractions that are numbers in
 * [0, 1] with left < right and top < bottom; a known triplet type; non-empty rater ids;
 * annotations 1, 2 or 3.
 */
export function parseFecFields(fields: readonly string[], line: number): FecRow | FecBadRow {
  const bad = (reason: string): FecBadRow => ({ line, reason });
  if (fields.length < FEC_FIXED_FIELDS + 2) {
    return bad(
      `has ${fields.length} fields; a row needs at least ${FEC_FIXED_FIELDS + 2} ` +
        '(3 x (URL + 4 box fractions), the triplet type, then (rater id, annotation) pairs)',
    );
  }
  const trailing = fields.length - FEC_FIXED_FIELDS;
  if (trailing % 2 !== 0) {
    return bad(
      `has ${fields.length} fields: the ${trailing} after the triplet type must be (rater id, annotation) pairs, ` +
        'but that is an odd number',
    );
  }
  const faces: FecFace[] = [];
  for (let img = 0; img < 3; img++) {
    const base = img * 5;
    const url = fields[base];
    if (!isHttpUrl(url)) {
      return bad(`image ${img + 1} URL (column ${base + 1}) is not an http(s) URL: ${show(url)}`);
    }
    const values: number[] = [];
    for (let s = 0; s < 4; s++) {
      const text = fields[base + 1 + s];
      const where = `image ${img + 1} ${BOX_SIDES[s]} (column ${base + 2 + s})`;
      const v = parseDecimal(text);
      if (v === undefined) return bad(`${where} is not a number: ${show(text)}`);
      if (v < 0 || v > 1)
        return bad(`${where} is ${text}, outside [0, 1] (boxes are fractions of the image size)`);
      values.push(v);
    }
    const [left, right, top, bottom] = values;
    if (!(left < right)) {
      return bad(
        `image ${img + 1} box has left ${left} >= right ${right} (columns ${base + 2}, ${base + 3})`,
      );
    }
    if (!(top < bottom)) {
      return bad(
        `image ${img + 1} box has top ${top} >= bottom ${bottom} (columns ${base + 4}, ${base + 5})`,
      );
    }
    faces.push({ url, box: { left, right, top, bottom } });
  }
  const type = fields[15];
  if (!(FEC_TRIPLET_TYPES as readonly string[]).includes(type)) {
    return bad(
      `unknown triplet type ${show(type)} (column 16); expected one of ${FEC_TRIPLET_TYPES.join(', ')}`,
    );
  }
  const ratings: FecRating[] = [];
  for (let i = FEC_FIXED_FIELDS; i < fields.length; i += 2) {
    const rater = fields[i];
    const annotation = fields[i + 1];
    if (rater === '') return bad(`empty rater id (column ${i + 1})`);
    if (annotation !== '1' && annotation !== '2' && annotation !== '3') {
      return bad(
        `annotation of rater ${show(rater)} (column ${i + 2}) is ${show(annotation)}; it must be 1, 2 or 3`,
      );
    }
    ratings.push({ rater, annotation: Number(annotation) as FecAnnotation });
  }
  return {
    line,
    faces: faces as [FecFace, FecFace, FecFace],
    type: type as FecTripletType,
    ratings,
  };
}

/** Type guard separating parsed rows from bad rows. */
export function isFecBadRow(r: FecRow | FecBadRow): r is FecBadRow {
  return 'reason' in r;
}

/**
 * A canonical text for a box, FEC order left,right,top,bottom, numbers as JavaScript prints them
 * (so "0.50" and "0.5" in different rows name the same crop).
 */
export function boxKey(box: FecBox): string {
  return `${box.left},${box.right},${box.top},${box.bottom}`;
}
