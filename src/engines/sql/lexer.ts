/**
 * The Domo SQL (MySQL dialect) tokenizer and the parenthesis tree the compiler works on.
 *
 * It reads text the way MySQL does: 'single' and "double" quoted strings with backslash escapes and doubled
 * quotes, `backtick` identifiers, comments (-- followed by a space, #, C-style). Everything it produces is
 * re-emitted in one canonical SQLite form (strings as '...', identifiers as "..."), so the text SQLite
 * finally reads can never be tokenized differently from what the compiler checked: no comment, no quote
 * and no parameter reaches SQLite unless the compiler put it there.
 */
import { badRequest } from '../../http/errors.js';

export type Token =
  | { k: 'word'; text: string; up: string; start: number; end: number }
  | { k: 'qident'; name: string; start: number; end: number }
  | { k: 'str'; value: string; start: number; end: number }
  | { k: 'blob'; hex: string; start: number; end: number }
  | { k: 'num'; text: string; start: number; end: number }
  | { k: 'op'; text: string; start: number; end: number };

export interface Group {
  k: 'group';
  items: Node[];
  start: number;
  end: number;
}

/** Already-compiled SQLite text (the target table, a rewritten function call). */
export interface Raw {
  k: 'raw';
  sql: string;
  start: number;
  end: number;
}

export type Node = Token | Group | Raw;

const OPS3 = ['<=>', '->>'];
const OPS2 = ['<=', '>=', '<>', '!=', '==', '<<', '>>', '||', '&&', '->', ':='];
const OPS1 = '(),;.+-*/%=<>!~&|^';

const isWordStart = (c: string) => /[A-Za-z_]/.test(c) || c.charCodeAt(0) >= 0x80;
const isWordChar = (c: string) => /[A-Za-z0-9_$]/.test(c) || c.charCodeAt(0) >= 0x80;

const MYSQL_ESCAPES: Record<string, string> = {
  '0': '\0',
  b: '\b',
  n: '\n',
  r: '\r',
  t: '\t',
  Z: '\x1a',
  '%': '\\%',
  _: '\\_',
};

export function tokenize(sql: string): Token[] {
  const out: Token[] = [];
  const n = sql.length;
  let i = 0;
  while (i < n) {
    const c = sql[i];
    const start = i;
    // Whitespace
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    // Comments: '#', '-- ' (MySQL needs whitespace or the end after --), '/* */'
    if (c === '#' || (c === '-' && sql[i + 1] === '-' && (i + 2 >= n || /[\s\x00-\x1f]/.test(sql[i + 2])))) {
      while (i < n && sql[i] !== '\n') i++;
      continue;
    }
    if (c === '/' && sql[i + 1] === '*') {
      const close = sql.indexOf('*/', i + 2);
      if (close < 0) throw badRequest(`Unterminated /* comment starting at position ${i + 1}`);
      i = close + 2;
      continue;
    }
    // Strings
    if (c === "'" || c === '"') {
      const { value, end } = readQuoted(sql, i, c, true);
      i = end;
      pushString(out, value, start, i);
      continue;
    }
    if (c === '`') {
      const { value, end } = readQuoted(sql, i, '`', false);
      if (!value) throw badRequest(`Empty \`\` identifier at position ${start + 1}`);
      i = end;
      out.push({ k: 'qident', name: value, start, end: i });
      continue;
    }
    // Numbers (and identifiers that start with digits, which MySQL allows)
    if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(sql[i + 1] ?? '') && !prevIsName(out))) {
      const hex = /^0x[0-9a-fA-F]+/.exec(sql.slice(i, i + 200));
      if (hex && !isWordChar(sql[i + hex[0].length] ?? ' ')) {
        i += hex[0].length;
        out.push({ k: 'num', text: hex[0], start, end: i });
        continue;
      }
      const m = /^(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/.exec(sql.slice(i, i + 400))!;
      let j = i + m[0].length;
      if (j < n && isWordChar(sql[j]) && /^\d+$/.test(m[0])) {
        // `1abc`: an identifier in MySQL.
        while (j < n && isWordChar(sql[j])) j++;
        out.push({ k: 'qident', name: sql.slice(i, j), start, end: j });
        i = j;
        continue;
      }
      i = j;
      out.push({ k: 'num', text: m[0], start, end: i });
      continue;
    }
    if (isWordStart(c)) {
      let j = i + 1;
      while (j < n && isWordChar(sql[j])) j++;
      const text = sql.slice(i, j);
      // x'ABCD' (hex blob), N'text' (national string), _utf8mb4'text' (charset introducer)
      if (sql[j] === "'" && /^(x|n|_[a-z0-9]+)$/i.test(text)) {
        const { value, end } = readQuoted(sql, j, "'", true);
        i = end;
        if (/^x$/i.test(text)) {
          if (!/^([0-9a-fA-F]{2})*$/.test(value)) throw badRequest(`Invalid hexadecimal literal X'${value}'`);
          out.push({ k: 'blob', hex: value, start, end: i });
        } else pushString(out, value, start, i);
        continue;
      }
      if (sql[j] === "'" && /^b$/i.test(text)) throw badRequest("Bit literals (b'0101') are not supported");
      i = j;
      out.push({ k: 'word', text, up: text.toUpperCase(), start, end: i });
      continue;
    }
    if (c === '?' || c === '@' || c === '$' || (c === ':' && sql[i + 1] !== '=')) {
      throw badRequest(
        `Parameters and variables (?, :name, @var, $var) are not supported in Domo SQL (position ${i + 1})`,
      );
    }
    if (c === '[' || c === ']') {
      throw badRequest('Square brackets are not Domo SQL: quote identifiers with backticks (`name`)');
    }
    if (c === '{' || c === '}') throw badRequest('ODBC escape sequences ({...}) are not supported');
    const three = sql.slice(i, i + 3);
    const two = sql.slice(i, i + 2);
    if (OPS3.includes(three)) {
      out.push({ k: 'op', text: three, start, end: (i += 3) });
      continue;
    }
    if (OPS2.includes(two)) {
      if (two === ':=') throw badRequest('Variable assignment (:=) is not supported');
      out.push({ k: 'op', text: two, start, end: (i += 2) });
      continue;
    }
    if (OPS1.includes(c)) {
      out.push({ k: 'op', text: c, start, end: (i += 1) });
      continue;
    }
    throw badRequest(`Unexpected character ${JSON.stringify(c)} at position ${i + 1}`);
  }
  return out;
}

function prevIsName(out: Token[]): boolean {
  const p = out[out.length - 1];
  return !!p && (p.k === 'word' || p.k === 'qident');
}

/** MySQL concatenates adjacent string literals ('a' 'b' is 'ab'). */
function pushString(out: Token[], value: string, start: number, end: number) {
  const prev = out[out.length - 1];
  if (prev && prev.k === 'str') {
    prev.value += value;
    prev.end = end;
  } else out.push({ k: 'str', value, start, end });
}

function readQuoted(sql: string, at: number, q: string, backslash: boolean): { value: string; end: number } {
  let i = at + 1;
  let value = '';
  for (;;) {
    if (i >= sql.length) {
      const what = q === '`' ? 'identifier' : 'string';
      throw badRequest(`Unterminated ${what} starting at position ${at + 1}`);
    }
    const c = sql[i];
    if (backslash && c === '\\') {
      const nx = sql[i + 1];
      if (nx === undefined) {
        i++;
        continue;
      }
      value += MYSQL_ESCAPES[nx] ?? nx;
      i += 2;
      continue;
    }
    if (c === q) {
      if (sql[i + 1] === q) {
        value += q;
        i += 2;
        continue;
      }
      return { value, end: i + 1 };
    }
    value += c;
    i++;
  }
}

/**
 * How deeply parentheses may nest. The compiler walks the tree recursively and SQLite's own parser stops near
 * 1000 levels (the compiler adds a few of its own), so deeper text is refused up front with a 400 rather than
 * overflowing a stack. No hand-written or generated query we know of comes near it.
 */
export const MAX_NESTING = 200;

/** Nests tokens by parentheses. */
export function buildTree(tokens: Token[]): Node[] {
  const root: Node[] = [];
  const stack: { items: Node[]; open: Token }[] = [];
  let cur = root;
  for (const t of tokens) {
    if (t.k === 'op' && t.text === '(') {
      if (stack.length >= MAX_NESTING) {
        throw badRequest(`Parentheses are nested more than ${MAX_NESTING} levels deep (at position ${t.start + 1}); the limit is ${MAX_NESTING}`, [
          { path: 'sql', message: `Nesting deeper than ${MAX_NESTING} levels` },
        ]);
      }
      stack.push({ items: cur, open: t });
      cur = [];
    } else if (t.k === 'op' && t.text === ')') {
      const top = stack.pop();
      if (!top) throw badRequest(`Unbalanced parentheses: unexpected ")" at position ${t.start + 1}`);
      const g: Group = { k: 'group', items: cur, start: top.open.start, end: t.end };
      cur = top.items;
      cur.push(g);
    } else cur.push(t);
  }
  if (stack.length) {
    throw badRequest(`Unbalanced parentheses: "(" at position ${stack[stack.length - 1].open.start + 1} is never closed`);
  }
  return root;
}

// ---- emitting SQLite text ----

export const sqlString = (s: string) => `'${s.replace(/'/g, "''")}'`;
export const sqlIdent = (s: string) => `"${s.replace(/"/g, '""')}"`;

export function emitNode(n: Node): string {
  switch (n.k) {
    case 'word':
      return n.text;
    case 'qident':
      return sqlIdent(n.name);
    case 'str':
      // A NUL would end SQLite's reading of the literal: spell such strings as bytes.
      return n.value.includes('\0') ? `CAST(X'${Buffer.from(n.value, 'utf8').toString('hex')}' AS TEXT)` : sqlString(n.value);
    case 'blob':
      // MySQL's X'4142' is the string 'AB'.
      return `CAST(X'${n.hex}' AS TEXT)`;
    case 'num':
      return n.text;
    case 'op':
      return n.text;
    case 'raw':
      return n.sql;
    case 'group':
      return `(${emit(n.items)})`;
  }
}

/** Keywords printed with a space before a following parenthesis (anything else before one is a function name). */
const SPACED_BEFORE_PAREN = new Set(
  'SELECT FROM WHERE AND OR NOT IN EXISTS AS ON JOIN BY WHEN THEN ELSE HAVING USING VALUES OVER FILTER LIKE IS BETWEEN CASE UNION ALL DISTINCT EXCEPT INTERSECT RECURSIVE LIMIT OFFSET WITH MATERIALIZED'.split(' '),
);

/** Joins nodes with single spaces (none around '.'), so SQLite sees exactly the tokens the compiler saw. */
export function emit(items: Node[]): string {
  let out = '';
  for (let i = 0; i < items.length; i++) {
    const n = items[i];
    const s = emitNode(n);
    const dot = n.k === 'op' && n.text === '.';
    const prevDot = i > 0 && isOp(items[i - 1], '.');
    const prev = items[i - 1];
    const call = n.k === 'group' && !!prev && (prev.k === 'qident' || (prev.k === 'word' && !SPACED_BEFORE_PAREN.has(prev.up)));
    if (i > 0 && !dot && !prevDot && !call) out += ' ';
    out += s;
  }
  return out;
}

export const raw = (sql: string, from?: { start: number; end: number }): Raw => ({
  k: 'raw',
  sql,
  start: from?.start ?? -1,
  end: from?.end ?? -1,
});

export type Word = Extract<Token, { k: 'word' }>;
export type Op = Extract<Token, { k: 'op' }>;
/** Not type predicates on purpose: a false answer must not narrow the node's type. */
export const isWord = (n: Node | undefined, ...ups: string[]): boolean =>
  !!n && n.k === 'word' && (ups.length === 0 || ups.includes(n.up));
export const isOp = (n: Node | undefined, ...texts: string[]): boolean =>
  !!n && n.k === 'op' && (texts.length === 0 || texts.includes(n.text));
/** The upper-cased text of a word, '' for anything else. */
export const upOf = (n: Node | undefined): string => (n && n.k === 'word' ? n.up : '');
export const isName = (n: Node | undefined): boolean => !!n && (n.k === 'word' || n.k === 'qident');
export const nameOf = (n: Node): string => (n.k === 'word' ? n.text : n.k === 'qident' ? n.name : '');

/** Splits a list at its top-level commas. */
export function splitArgs(items: Node[]): Node[][] {
  if (!items.length) return [];
  const out: Node[][] = [[]];
  for (const n of items) {
    if (isOp(n, ',')) out.push([]);
    else out[out.length - 1].push(n);
  }
  return out;
}
