// A parser for the part of CQL2 text (OGC 21-065r2) that /ogc serves: Basic CQL2, the advanced
// comparison operators and S_INTERSECTS. No npm parser for CQL2 text exists beyond a release-
// candidate WebAssembly build, so this is a small recursive-descent parser over this grammar
// (keywords case-insensitive; docs/ogc.md has the same text for users):
//
//   filter      = or EOF
//   or          = and { "OR" and }
//   and         = not { "AND" not }
//   not         = "NOT" not | primary
//   primary     = "(" or ")" | "TRUE" | "FALSE" | spatial | predicate
//   spatial     = "S_INTERSECTS" "(" geomArg "," geomArg ")"
//   predicate   = scalar ( compOp scalar
//                        | [ "NOT" ] "LIKE" string          (and "ILIKE" in the draft cql-text)
//                        | [ "NOT" ] "BETWEEN" scalar "AND" scalar
//                        | [ "NOT" ] "IN" "(" scalar { "," scalar } ")"
//                        | "IS" [ "NOT" ] "NULL" )
//   compOp      = "=" | "<>" | "<" | "<=" | ">" | ">="
//   scalar      = property | string | number | "TRUE" | "FALSE"
//               | "DATE" "(" string ")" | "TIMESTAMP" "(" string ")"
//   geomArg     = property | "POINT" "(" coord ")" | "BBOX" "(" n "," n "," n "," n ")"
//               | "POLYGON" rings | "MULTIPOLYGON" "(" rings { "," rings } ")"
//   rings       = "(" ring { "," ring } ")"      ring = "(" coord { "," coord } ")"
//   coord       = number number
//   property    = identifier | '"' identifier '"'
//   string      = "'" { character | "''" } "'"
//
// A LIKE pattern's \ escapes only %, _ and \ (checkLikePattern).
//
// Errors carry the 1-based character position where the input stopped making sense.

import { isCalendarDate } from '../../model/iso-time.js';

export type Literal =
  | { kind: 'string'; value: string }
  | { kind: 'number'; value: number }
  | { kind: 'boolean'; value: boolean }
  /** `YYYY-MM-DDTHH:MM:SSZ`, or `YYYY-MM-DDTHH:MM:SS.sssZ` for a TIMESTAMP with a fraction. */
  | { kind: 'instant'; value: string; form: 'DATE' | 'TIMESTAMP' };

export type Scalar = Literal | { kind: 'property'; name: string; at: number };

export type Ring = [number, number][];
export type GeometryLiteral =
  | { kind: 'point'; coordinates: [number, number] }
  | { kind: 'bbox'; box: [number, number, number, number] }
  | { kind: 'polygon'; rings: Ring[] }
  | { kind: 'multipolygon'; polygons: Ring[][] };

export type CompOp = '=' | '<>' | '<' | '<=' | '>' | '>=';

export type Cql2 =
  | { op: 'and' | 'or'; args: Cql2[] }
  | { op: 'not'; arg: Cql2 }
  | { op: 'const'; value: boolean }
  | { op: 'compare'; cmp: CompOp; left: Scalar; right: Scalar; at: number }
  | { op: 'like'; subject: Scalar; pattern: string; caseInsensitive?: true; at: number }
  | { op: 'between'; subject: Scalar; low: Scalar; high: Scalar; at: number }
  | { op: 'in'; subject: Scalar; list: Scalar[]; at: number }
  | { op: 'isNull'; subject: Scalar; at: number }
  | {
      op: 's_intersects';
      property: { name: string; at: number };
      geometry: GeometryLiteral;
      at: number;
    };

export class Cql2Error extends Error {
  constructor(
    message: string,
    /** 1-based character position in the filter. */
    readonly position: number,
  ) {
    super(`${message} at position ${position}`);
  }
}

type Token =
  | { t: 'word'; v: string; at: number }
  | { t: 'quoted'; v: string; at: number }
  | { t: 'string'; v: string; at: number }
  | { t: 'number'; v: number; at: number }
  | { t: 'punct'; v: string; at: number }
  | { t: 'end'; at: number };

const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?/;
const WORD = /^[A-Za-z_][A-Za-z0-9_.:-]*/;
const PUNCT = /^(<>|<=|>=|[=<>(),])/;

/** Splits the filter into tokens; a sign directly before a digit belongs to the number. */
export function tokenize(text: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    const rest = text.slice(i);
    const at = i + 1;
    if (ch === "'" || ch === '"') {
      const { value, end } = readQuoted(text, i, ch);
      out.push({ t: ch === "'" ? 'string' : 'quoted', v: value, at });
      i = end;
      continue;
    }
    const num = NUMBER.exec(rest);
    if (num && (/[\d.]/.test(ch) || /[\d.]/.test(rest[1] ?? ''))) {
      out.push({ t: 'number', v: Number(num[0]), at });
      i += num[0].length;
      continue;
    }
    const word = WORD.exec(rest);
    if (word) {
      out.push({ t: 'word', v: word[0], at });
      i += word[0].length;
      continue;
    }
    const punct = PUNCT.exec(rest);
    if (!punct) throw new Cql2Error(`unexpected character ${JSON.stringify(ch)}`, at);
    out.push({ t: 'punct', v: punct[0], at });
    i += punct[0].length;
  }
  out.push({ t: 'end', at: text.length + 1 });
  return out;
}

/** A quoted string or identifier starting at `start`; a doubled quote stands for one. */
function readQuoted(text: string, start: number, quote: string): { value: string; end: number } {
  let value = '';
  let i = start + 1;
  for (;;) {
    if (i >= text.length) throw new Cql2Error(`unterminated ${quote === "'" ? 'string' : 'name'}`, start + 1);
    const ch = text[i]!;
    if (ch === quote) {
      if (text[i + 1] === quote) {
        value += quote;
        i += 2;
        continue;
      }
      return { value, end: i + 1 };
    }
    value += ch;
    i++;
  }
}

const RESERVED = new Set(
  'AND OR NOT LIKE BETWEEN IN IS NULL TRUE FALSE DATE TIMESTAMP S_INTERSECTS POINT BBOX POLYGON MULTIPOLYGON'.split(
    ' ',
  ),
);
const COMPARISONS = new Set(['=', '<>', '<', '<=', '>', '>=']);

/**
 * How deep parentheses and NOTs may nest. Each level is a few frames of this recursive parser and
 * of the passes over the tree after it: 3,000 parentheses (6 KB of query) ran out of stack, a
 * RangeError answered as a 500. A hand-written filter needs a handful.
 */
const MAX_DEPTH = 100;

class Parser {
  private pos = 0;
  private depth = 0;
  constructor(
    private readonly tokens: Token[],
    /** The draft CQL text GDAL 3.6 sends, which has ILIKE (CQL2 has CASEI() instead). */
    private readonly draft: boolean,
  ) {}

  private peek(): Token {
    return this.tokens[this.pos]!;
  }

  private describe(tok: Token): string {
    if (tok.t === 'end') return 'the end of the filter';
    if (tok.t === 'string') return `'${tok.v}'`;
    return JSON.stringify(String(tok.v));
  }

  fail(expected: string, tok: Token = this.peek()): never {
    throw new Cql2Error(`expected ${expected} but found ${this.describe(tok)}`, tok.at);
  }

  private isKeyword(k: string, tok: Token = this.peek()): boolean {
    return tok.t === 'word' && tok.v.toUpperCase() === k;
  }

  private acceptKeyword(k: string): boolean {
    if (!this.isKeyword(k)) return false;
    this.pos++;
    return true;
  }

  private expectKeyword(k: string): void {
    if (!this.acceptKeyword(k)) this.fail(k);
  }

  private acceptPunct(p: string): boolean {
    const tok = this.peek();
    if (tok.t !== 'punct' || tok.v !== p) return false;
    this.pos++;
    return true;
  }

  private expectPunct(p: string): void {
    if (!this.acceptPunct(p)) this.fail(`"${p}"`);
  }

  filter(): Cql2 {
    const expr = this.or();
    if (this.peek().t !== 'end') this.fail('AND, OR or the end of the filter');
    return expr;
  }

  private or(): Cql2 {
    const args = [this.and()];
    while (this.acceptKeyword('OR')) args.push(this.and());
    return args.length === 1 ? args[0]! : { op: 'or', args };
  }

  private and(): Cql2 {
    const args = [this.not()];
    while (this.acceptKeyword('AND')) args.push(this.not());
    return args.length === 1 ? args[0]! : { op: 'and', args };
  }

  /** Parses one level deeper (MAX_DEPTH). */
  private nested<T>(parse: () => T): T {
    if (++this.depth > MAX_DEPTH) {
      throw new Cql2Error(`the filter nests parentheses and NOTs deeper than ${MAX_DEPTH}`, this.peek().at);
    }
    try {
      return parse();
    } finally {
      this.depth--;
    }
  }

  private not(): Cql2 {
    if (this.acceptKeyword('NOT')) return { op: 'not', arg: this.nested(() => this.not()) };
    return this.primary();
  }

  private primary(): Cql2 {
    const tok = this.peek();
    if (this.acceptPunct('(')) {
      const inner = this.nested(() => this.or());
      this.expectPunct(')');
      return inner;
    }
    if (this.isKeyword('S_INTERSECTS')) return this.spatial();
    const next = this.tokens[this.pos + 1]!;
    const boolAlone = (this.isKeyword('TRUE') || this.isKeyword('FALSE')) && !this.startsPredicateTail(next);
    if (boolAlone) {
      this.pos++;
      return { op: 'const', value: this.isKeyword('TRUE', tok) };
    }
    return this.predicate();
  }

  private startsPredicateTail(tok: Token): boolean {
    if (tok.t === 'punct') return COMPARISONS.has(tok.v);
    return ['LIKE', 'ILIKE', 'BETWEEN', 'IN', 'IS', 'NOT'].some((k) => this.isKeyword(k, tok));
  }

  private predicate(): Cql2 {
    const subject = this.scalar();
    const tok = this.peek();
    const at = tok.at;
    if (tok.t === 'punct' && COMPARISONS.has(tok.v)) {
      this.pos++;
      return { op: 'compare', cmp: tok.v as CompOp, left: subject, right: this.scalar(), at };
    }
    if (this.acceptKeyword('IS')) {
      const negated = this.acceptKeyword('NOT');
      this.expectKeyword('NULL');
      const node: Cql2 = { op: 'isNull', subject, at };
      return negated ? { op: 'not', arg: node } : node;
    }
    const negated = this.acceptKeyword('NOT');
    const node = this.predicateTail(subject, at, negated);
    return negated ? { op: 'not', arg: node } : node;
  }

  private predicateTail(subject: Scalar, at: number, negated: boolean): Cql2 {
    const insensitive = this.draft && this.acceptKeyword('ILIKE');
    if (insensitive || this.acceptKeyword('LIKE')) {
      const pattern = this.peek();
      if (pattern.t !== 'string') this.fail('a quoted pattern');
      checkLikePattern(pattern.v, pattern.at);
      this.pos++;
      return {
        op: 'like',
        subject,
        pattern: pattern.v,
        ...(insensitive ? { caseInsensitive: true } : {}),
        at,
      };
    }
    if (this.acceptKeyword('BETWEEN')) {
      const low = this.scalar();
      this.expectKeyword('AND');
      return { op: 'between', subject, low, high: this.scalar(), at };
    }
    if (this.acceptKeyword('IN')) {
      this.expectPunct('(');
      const list = [this.scalar()];
      while (this.acceptPunct(',')) list.push(this.scalar());
      this.expectPunct(')');
      return { op: 'in', subject, list, at };
    }
    return this.fail(
      negated
        ? 'LIKE, BETWEEN or IN after NOT'
        : 'a comparison (=, <>, <, <=, >, >=), LIKE, BETWEEN, IN or IS',
    );
  }

  private scalar(): Scalar {
    const tok = this.peek();
    if (tok.t === 'string') {
      this.pos++;
      return { kind: 'string', value: tok.v };
    }
    if (tok.t === 'number') {
      this.pos++;
      return { kind: 'number', value: tok.v };
    }
    if (tok.t === 'quoted') {
      this.pos++;
      return { kind: 'property', name: tok.v, at: tok.at };
    }
    if (tok.t === 'word') {
      const upper = tok.v.toUpperCase();
      if (upper === 'TRUE' || upper === 'FALSE') {
        this.pos++;
        return { kind: 'boolean', value: upper === 'TRUE' };
      }
      if (upper === 'DATE' || upper === 'TIMESTAMP') return this.instant(upper);
      if (!RESERVED.has(upper)) {
        this.pos++;
        return { kind: 'property', name: tok.v, at: tok.at };
      }
    }
    return this.fail('a property name or a literal');
  }

  private instant(form: 'DATE' | 'TIMESTAMP'): Scalar {
    this.pos++;
    this.expectPunct('(');
    const tok = this.peek();
    if (tok.t !== 'string') this.fail(`a quoted ${form === 'DATE' ? 'date' : 'timestamp'}`);
    const ok =
      form === 'DATE'
        ? /^\d{4}-\d{2}-\d{2}$/.test(tok.v)
        : /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(tok.v);
    const ms = Date.parse(form === 'DATE' ? `${tok.v}T00:00:00Z` : tok.v);
    if (!ok || !Number.isFinite(ms) || !isCalendarDate(tok.v.slice(0, 10))) {
      throw new Cql2Error(
        `${form} needs ${form === 'DATE' ? 'YYYY-MM-DD' : 'an RFC 3339 instant such as 2024-05-01T00:00:00Z'}`,
        tok.at,
      );
    }
    this.pos++;
    this.expectPunct(')');
    // To the millisecond when a fraction is given: stored instants are whole seconds, so
    // TIMESTAMP('…00.5Z') lies between two of them (and equals none). One under a millisecond,
    // which Date.parse drops (…00.0004Z), is read as …00.001Z: between the same two.
    const fraction = /\.\d*[1-9]/.test(tok.v);
    const value = !fraction
      ? `${new Date(ms).toISOString().slice(0, 19)}Z`
      : new Date(ms % 1000 === 0 ? ms + 1 : ms).toISOString();
    return { kind: 'instant', value, form };
  }

  private spatial(): Cql2 {
    const at = this.peek().at;
    this.pos++;
    this.expectPunct('(');
    const first = this.geomArg();
    this.expectPunct(',');
    const second = this.geomArg();
    this.expectPunct(')');
    const property = 'name' in first ? first : 'name' in second ? second : null;
    const geometry = 'name' in first ? second : first;
    if (!property || 'name' in geometry) {
      throw new Cql2Error('S_INTERSECTS needs one property and one geometry literal', at);
    }
    return { op: 's_intersects', property, geometry, at };
  }

  private geomArg(): GeometryLiteral | { name: string; at: number } {
    const tok = this.peek();
    const upper = tok.t === 'word' ? tok.v.toUpperCase() : '';
    if (upper === 'POINT') {
      this.pos++;
      this.expectPunct('(');
      const coordinates = this.coord();
      this.expectPunct(')');
      return { kind: 'point', coordinates };
    }
    if (upper === 'BBOX') return this.bbox();
    if (upper === 'POLYGON') {
      this.pos++;
      return { kind: 'polygon', rings: this.rings() };
    }
    if (upper === 'MULTIPOLYGON') {
      this.pos++;
      this.expectPunct('(');
      const polygons = [this.rings()];
      while (this.acceptPunct(',')) polygons.push(this.rings());
      this.expectPunct(')');
      return { kind: 'multipolygon', polygons };
    }
    if (tok.t === 'quoted' || (tok.t === 'word' && !RESERVED.has(upper))) {
      this.pos++;
      return { name: tok.v as string, at: tok.at };
    }
    return this.fail('a property or POINT, BBOX, POLYGON or MULTIPOLYGON');
  }

  private bbox(): GeometryLiteral {
    this.pos++;
    this.expectPunct('(');
    const box = [this.number()];
    for (let i = 0; i < 3; i++) {
      this.expectPunct(',');
      box.push(this.number());
    }
    this.expectPunct(')');
    return { kind: 'bbox', box: box as [number, number, number, number] };
  }

  private rings(): Ring[] {
    this.expectPunct('(');
    const rings = [this.ring()];
    while (this.acceptPunct(',')) rings.push(this.ring());
    this.expectPunct(')');
    return rings;
  }

  private ring(): Ring {
    const at = this.peek().at;
    this.expectPunct('(');
    const ring: Ring = [this.coord()];
    while (this.acceptPunct(',')) ring.push(this.coord());
    this.expectPunct(')');
    const [fx, fy] = ring[0]!;
    const [lx, ly] = ring[ring.length - 1]!;
    if (ring.length < 4 || fx !== lx || fy !== ly) {
      throw new Cql2Error('a polygon ring needs at least 4 positions, the last equal to the first', at);
    }
    return ring;
  }

  private coord(): [number, number] {
    return [this.number(), this.number()];
  }

  private number(): number {
    const tok = this.peek();
    if (tok.t !== 'number') this.fail('a number');
    this.pos++;
    return tok.v;
  }
}

/**
 * CQL2's LIKE escapes (OGC 21-065r2, advanced comparison operators): `\` makes the next `%`, `_`
 * or `\` literal. A `\` before anything else, or at the end, escapes nothing: which text was meant
 * is a guess (a literal backslash? a typo?), so it is refused rather than matched one way.
 */
function checkLikePattern(pattern: string, at: number): void {
  for (let i = 0; i < pattern.length; i++) {
    if (pattern[i] !== '\\') continue;
    const next = pattern[i + 1];
    if (next === '%' || next === '_' || next === '\\') {
      i++;
      continue;
    }
    throw new Cql2Error(
      `LIKE pattern '${pattern}': the \\ at its character ${i + 1} ${next === undefined ? 'ends it' : `is before ${JSON.stringify(next)}`}, but only escapes %, _ or \\ (write \\\\ for a backslash)`,
      at,
    );
  }
}

/**
 * The filter's syntax tree; throws Cql2Error with the position where it fails. `draft`: read the
 * draft CQL text of OGC API - Features Part 3 that GDAL 3.6 sends (`filter-lang=cql-text`), which
 * also has `ILIKE`, a LIKE that ignores case.
 */
export function parseCql2(text: string, options: { draft?: boolean } = {}): Cql2 {
  if (text.trim() === '') throw new Cql2Error('the filter is empty', 1);
  return new Parser(tokenize(text), options.draft ?? false).filter();
}
