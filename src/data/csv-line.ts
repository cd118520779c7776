/**
 * One CSV line split into fields (RFC 4180 quoting, one line per record).
 *
 * Why single-line records: no field of the formats we read (FEC, labels CSVs, fer2013.csv) can
 * contain a newline, so a line with an unterminated quote is a damaged row. Treating it as such
 * (instead of reading on to the next quote, as a general CSV reader would) keeps one bad quote
 * from swallowing every following row.
 */
export type CsvSplit = { ok: true; fields: string[] } | { ok: false; reason: string };

/**
 * Splits `line` (without its line ending) at commas. A field that starts with `"` (after optional
 * spaces) is quoted: it ends at the next lone `"`, `""` inside it is a literal quote, commas
 * inside it are text, and only spaces may follow the closing quote. Unquoted fields are trimmed
 * of surrounding spaces and tabs (never meaningful in these formats); quoted fields are kept
 * exactly. A `"` in the middle of an unquoted field is kept as text.
 */
export function splitCsvLine(line: string): CsvSplit {
  const fields: string[] = [];
  const n = line.length;
  let i = 0;
  for (;;) {
    while (i < n && (line[i] === ' ' || line[i] === '\t')) i++;
    if (i < n && line[i] === '"') {
      const column = fields.length + 1;
      let value = '';
      i++;
      let closed = false;
      while (i < n) {
        const q = line.indexOf('"', i);
        if (q < 0) break;
        value += line.slice(i, q);
        if (line[q + 1] === '"') {
          value += '"';
          i = q + 2;
        } else {
          i = q + 1;
          closed = true;
          break;
        }
      }
      if (!closed) return { ok: false, reason: `unterminated quoted field in column ${column}` };
      while (i < n && (line[i] === ' ' || line[i] === '\t')) i++;
      fields.push(value);
      if (i === n) return { ok: true, fields };
      if (line[i] !== ',') {
        return { ok: false, reason: `text after the closing quote of column ${column}` };
      }
      i++;
    } else {
      const comma = line.indexOf(',', i);
      const end = comma < 0 ? n : comma;
      fields.push(line.slice(i, end).trim());
      if (comma < 0) return { ok: true, fields };
      i = comma + 1;
    }
  }
}

/**
 * A copy of `s` that does not share memory with the line it was cut from. V8 represents slices
 * of long strings as views of the whole line, so keeping one URL per unique image as a Map key
 * (156K of them for FEC) would keep 156K whole CSV lines alive; copy strings before keeping them.
 */
export function detachString(s: string): string {
  return Buffer.from(s, 'utf8').toString('utf8');
}
