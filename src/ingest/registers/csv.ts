// A small RFC 4180 reader (no CSV package is installed): quoted fields, "" escapes, separators and
// line breaks inside quotes, CRLF / LF / CR line ends, a leading BOM. The separator is configurable
// because the BNetzA register uses ';' (its decimals are commas).

export interface CsvOptions {
  /** One character; ',' by default. */
  separator?: string;
  /** The quote character; '"' by default (a mapped register may name another). */
  quote?: string;
}

export interface CsvRow {
  fields: string[];
  /** 1-based line on which the record starts (a quoted field may span several lines). */
  line: number;
}

const QUOTE = 0x22;
const CR = 0x0d;
const LF = 0x0a;
const BOM = 0xfeff;

/** Yields one row per record. Blank lines are left out. Lenient where RFC 4180 is strict: text after a
 * closing quote is kept, and an unterminated quote runs to the end of the text. */
export function* parseCsv(text: string, options: CsvOptions = {}): Generator<CsvRow> {
  const sep = separatorCode(options.separator ?? ',');
  const quote = options.quote ?? '"';
  const quoteCode = quote.charCodeAt(0);
  const n = text.length;
  let i = text.charCodeAt(0) === BOM ? 1 : 0;
  let line = 1;
  while (i < n) {
    const startLine = line;
    const fields: string[] = [];
    for (;;) {
      let value: string;
      if (text.charCodeAt(i) === quoteCode) {
        const quoted = readQuoted(text, i + 1, quote);
        line += countLineBreaks(quoted.value);
        const stop = nextDelimiter(text, quoted.end, sep);
        value = quoted.value + text.slice(quoted.end, stop);
        i = stop;
      } else {
        const stop = nextDelimiter(text, i, sep);
        value = text.slice(i, stop);
        i = stop;
      }
      fields.push(value);
      if (i >= n) break;
      const c = text.charCodeAt(i);
      if (c === sep) {
        i++;
        if (i >= n) {
          fields.push('');
          break;
        }
        continue;
      }
      i += c === CR && text.charCodeAt(i + 1) === LF ? 2 : 1;
      line++;
      break;
    }
    if (fields.length === 1 && fields[0] === '') continue;
    yield { fields, line: startLine };
  }
}

export interface CsvRecord {
  /** Field values by header name; a missing trailing field reads as undefined. */
  values: Record<string, string | undefined>;
  fieldCount: number;
  line: number;
}

export interface CsvTable {
  header: string[];
  records: Generator<CsvRecord>;
}

/** Reads the first row as the header (names trimmed) and yields the rest keyed by it. */
export function readCsvTable(text: string, options: CsvOptions = {}): CsvTable {
  const rows = parseCsv(text, options);
  const first = rows.next();
  const header = first.done ? [] : first.value.fields.map((h) => h.trim());
  return { header, records: keyedRecords(rows, header) };
}

function* keyedRecords(rows: Generator<CsvRow>, header: string[]): Generator<CsvRecord> {
  for (const row of rows) {
    const values: Record<string, string | undefined> = {};
    header.forEach((name, k) => {
      if (!(name in values)) values[name] = row.fields[k];
    });
    yield { values, fieldCount: row.fields.length, line: row.line };
  }
}

/** Guesses ',' or ';' from the header line, for formats published with either (IRVE CSV). */
export function sniffSeparator(text: string): ',' | ';' {
  const end = text.search(/\r|\n/);
  const headerLine = end === -1 ? text : text.slice(0, end);
  const commas = headerLine.split(',').length;
  const semicolons = headerLine.split(';').length;
  return semicolons > commas ? ';' : ',';
}

function separatorCode(separator: string): number {
  const code = separator.charCodeAt(0);
  if (separator.length !== 1 || code === QUOTE || code === CR || code === LF) {
    throw new Error(
      `CSV separator must be one character other than a quote or line break, got ${JSON.stringify(separator)}`,
    );
  }
  return code;
}

/** Reads a quoted field whose opening quote is just before `start`; `end` is just after the closing quote. */
function readQuoted(text: string, start: number, quote: string): { value: string; end: number } {
  let value = '';
  let from = start;
  for (;;) {
    const q = text.indexOf(quote, from);
    if (q === -1) return { value: value + text.slice(from), end: text.length };
    value += text.slice(from, q);
    if (text[q + 1] === quote) {
      value += quote;
      from = q + 2;
      continue;
    }
    return { value, end: q + 1 };
  }
}

function nextDelimiter(text: string, from: number, sep: number): number {
  let i = from;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === sep || c === LF || c === CR) return i;
    i++;
  }
  return i;
}

function countLineBreaks(s: string): number {
  let count = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === LF || (c === CR && s.charCodeAt(i + 1) !== LF)) count++;
  }
  return count;
}
