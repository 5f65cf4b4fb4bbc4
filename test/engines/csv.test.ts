import Papa from 'papaparse';
import { describe, expect, it } from 'vitest';
import { CsvTokenizer, csvLine, parseCsvStream, parseCsvText, textConverter, valueConverter, type Cell } from '../../src/engines/csv.js';
import { ApiError } from '../../src/http/errors.js';

const cols = [
  { name: 'name', type: 'STRING' as const },
  { name: 'n', type: 'LONG' as const },
  { name: 'x', type: 'DECIMAL' as const },
  { name: 'd', type: 'DATE' as const },
  { name: 't', type: 'DATETIME' as const },
];

function streamOf(...chunks: string[]): ReadableStream<Uint8Array> {
  const enc = new TextEncoder();
  const parts = chunks.map((c) => enc.encode(c));
  return new ReadableStream({
    pull(ctrl) {
      const next = parts.shift();
      if (next) ctrl.enqueue(next);
      else ctrl.close();
    },
  });
}

async function parse(body: ReadableStream<Uint8Array>, batchRows = 2, maxBytes = 1e6) {
  const batches: Cell[][][] = [];
  const stats = await parseCsvStream(body, { columns: cols, label: 'part 1', maxBytes, batchRows, onBatch: (b) => batches.push(b) });
  return { stats, batches, rows: batches.flat() };
}

describe('textConverter', () => {
  it('converts LONG, DECIMAL, DATE and DATETIME text; empty is null (empty string for STRING)', () => {
    expect(textConverter('STRING')('')).toBe('');
    expect(textConverter('LONG')('')).toBeNull();
    expect(textConverter('LONG')(' -42 ')).toBe(-42);
    expect(textConverter('LONG')('12.000')).toBe(12);
    expect(textConverter('LONG')('9223372036854775807')).toBe(9223372036854775807n);
    expect(() => textConverter('LONG')('9223372036854775808')).toThrow(/64-bit/);
    expect(() => textConverter('LONG')('1.5')).toThrow(/whole number/);
    expect(textConverter('DECIMAL')('1e3')).toBe(1000);
    expect(textConverter('DOUBLE')('.5')).toBe(0.5);
    expect(() => textConverter('DOUBLE')('1,000')).toThrow(/not a number/);
    expect(textConverter('DATE')('2024-02-29')).toBe('2024-02-29');
    expect(textConverter('DATE')('2024/2/9')).toBe('2024-02-09');
    expect(textConverter('DATE')('12/31/2025')).toBe('2025-12-31');
    expect(textConverter('DATE')('2025-01-05T00:00:00Z')).toBe('2025-01-05');
    expect(() => textConverter('DATE')('2023-02-29')).toThrow(/calendar/);
    expect(() => textConverter('DATE')('yesterday')).toThrow(/not a date/);
    expect(textConverter('DATETIME')('2026-01-02 03:04')).toBe('2026-01-02T03:04:00');
    expect(textConverter('DATETIME')('2026-01-02T03:04:05.120Z')).toBe('2026-01-02T03:04:05.120');
    expect(textConverter('DATETIME')('2026-01-02T01:00:00-05:30')).toBe('2026-01-02T06:30:00');
    expect(textConverter('DATETIME')('2026-01-02')).toBe('2026-01-02T00:00:00');
    expect(() => textConverter('DATETIME')('2026-01-02T25:00:00')).toThrow(/valid date-time/);
  });
});

describe('valueConverter', () => {
  it('accepts strings, numbers and null; refuses what a type cannot hold', () => {
    expect(valueConverter('LONG')(5)).toBe(5);
    expect(valueConverter('LONG')('5')).toBe(5);
    expect(() => valueConverter('LONG')(5.5)).toThrow(/whole number/);
    expect(valueConverter('STRING')(5)).toBe('5');
    expect(valueConverter('DATE')(new Date('2026-01-02T10:00:00Z'))).toBe('2026-01-02');
    expect(valueConverter('DOUBLE')(null)).toBeNull();
    expect(() => valueConverter('DATE')(20260101)).toThrow(/cannot be stored/);
    expect(() => valueConverter('DOUBLE')(Number.NaN)).toThrow(/finite/);
    expect(() => valueConverter('STRING')({ a: 1 })).toThrow(/cannot be stored/);
  });
});

describe('csvLine', () => {
  it('quotes only what needs quoting', () => {
    expect(csvLine(['a', 1, null, 'b,c', 'say "hi"', 'x\ny', ' pad', 2.5])).toBe('a,1,,"b,c","say ""hi""","x\ny"," pad",2.5\n');
  });
});

describe('parseCsvStream', () => {
  it('hands over typed rows in batches, across chunk boundaries (even inside a quoted field or a UTF-8 character)', async () => {
    const text = 'Zoë,1,1.5,2026-01-01,2026-01-01T00:00:00\n"multi\nline, quoted",2,,2026-01-02,\n\nc,3,3,,2026-01-03 10:00\n';
    const bytes = new TextEncoder().encode(text);
    // split after the first byte of "ë" and inside the quoted field
    const cut1 = 3;
    const cut2 = text.indexOf('line') + 2;
    const body = new ReadableStream<Uint8Array>({
      start(ctrl) {
        ctrl.enqueue(bytes.slice(0, cut1));
        ctrl.enqueue(bytes.slice(cut1, cut2));
        ctrl.enqueue(bytes.slice(cut2));
        ctrl.close();
      },
    });
    const { stats, batches, rows } = await parse(body);
    expect(stats).toEqual({ rows: 3, bytes: bytes.length });
    expect(batches.map((b) => b.length)).toEqual([2, 1]);
    expect(rows).toEqual([
      ['Zoë', 1, 1.5, '2026-01-01', '2026-01-01T00:00:00'],
      ['multi\nline, quoted', 2, null, '2026-01-02', null],
      ['c', 3, 3, null, '2026-01-03T10:00:00'],
    ]);
  });

  it('names the line and column of a bad value, counting physical lines', async () => {
    const err = await parse(streamOf('a,1,1,2026-01-01,\n', '\n', 'b,x,1,2026-01-01,\n')).catch((e) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err.status).toBe(400);
    expect(err.message).toBe("Part 1, line 3, column 'n': 'x' is not a whole number (column type LONG)");
  });

  it('reports malformed CSV and the size limit', async () => {
    const bad = await parse(streamOf('a,1,1,2026-01-01,\n"open,1,1,2026-01-01,\n')).catch((e) => e);
    expect(bad.status).toBe(400);
    expect(bad.message).toMatch(/malformed CSV/);
    const big = await parse(streamOf('a,1,1,2026-01-01,\n'.repeat(10)), 2, 50).catch((e) => e);
    expect(big.status).toBe(413);
  });
});

describe('CsvTokenizer', () => {
  /** A small seeded generator (tests must be reproducible). */
  const lcg = (seed: number) => () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const tokenize = (chunks: string[], maxLine?: number, maxFields?: number) => {
    const out: Array<{ fields: string[]; count: number; line: number }> = [];
    const t = new CsvTokenizer((fields, count, line) => out.push({ fields, count, line }), maxLine, maxFields);
    for (const c of chunks) t.push(c);
    t.end();
    return out;
  };

  it('agrees with papaparse on 5,000 random well-formed texts cut at random places', () => {
    const rnd = lcg(42);
    const pick = <T>(xs: T[]) => xs[Math.floor(rnd() * xs.length)];
    const alphabet = ['a', 'b', ',', '"', '\n', '\r\n', 'é', ' ', '😀'];
    for (let t = 0; t < 5000; t++) {
      const nl = pick(['\n', '\r\n']);
      const records = Array.from({ length: 1 + Math.floor(rnd() * 4) }, () =>
        Array.from({ length: 1 + Math.floor(rnd() * 4) }, () => {
          const v = Array.from({ length: Math.floor(rnd() * 5) }, () => pick(alphabet)).join('');
          return /[",\r\n]/.test(v) || rnd() < 0.2 ? `"${v.replace(/"/g, '""')}"` : v;
        }).join(','),
      );
      const text = records.join(nl) + (rnd() < 0.5 ? nl : '');
      const chunks: string[] = [];
      for (let i = 0; i < text.length; ) {
        const j = i + 1 + Math.floor(rnd() * 6);
        chunks.push(text.slice(i, j));
        i = j;
      }
      const blank = (f: string[]) => f.length === 1 && f[0] === '';
      const expected = (Papa.parse<string[]>(text, { delimiter: ',', newline: nl as '\n' }).data as string[][]).filter((f) => !blank(f));
      const got = tokenize(chunks).map((r) => r.fields).filter((f) => !blank(f));
      expect(got, JSON.stringify(text)).toEqual(expected);
    }
  });

  it('numbers records, not physical lines; takes LF, CRLF and CR; drops a leading BOM', () => {
    const recs = tokenize(['\ufeffa,"x\ny"\r', '\nb,c\rd,e\n\nf']);
    expect(recs.map((r) => [r.line, r.fields])).toEqual([
      [1, ['a', 'x\ny']],
      [2, ['b', 'c']],
      [3, ['d', 'e']],
      [4, ['']],
      [5, ['f']],
    ]);
  });

  it('refuses a line longer than the limit, naming the line, whether or not it ever ends', () => {
    expect(() => tokenize(['ok\n', 'a'.repeat(50), 'a'.repeat(60)], 100)).toThrow(/line is longer than the limit of 100 characters/);
    const err = (() => {
      try {
        tokenize(['ok\n', '"' + 'a'.repeat(200) + '"\n'], 100);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toMatchObject({ line: 2 });
    expect(tokenize(['a'.repeat(99) + '\n'], 100)).toHaveLength(1);
  });

  it('keeps only the first maxFields fields but counts them all', () => {
    const [r] = tokenize([',,,,,,,,,\n'], undefined, 3);
    expect(r.fields).toHaveLength(3);
    expect(r.count).toBe(10);
  });

  it('reports unterminated and malformed quotes', () => {
    expect(() => tokenize(['a\n"open'])).toThrow(/Quoted field unterminated/);
    expect(() => tokenize(['"a"b\n'])).toThrow(/Trailing quote/);
    expect(tokenize(['"a"  ,b\n']).map((r) => r.fields)).toEqual([['a', 'b']]);
  });
});

describe('parseCsvText', () => {
  it('checks the header row against the schema', () => {
    expect(parseCsvText('name,n,x,d,t\na,1,2,2026-01-01,\n', cols, { header: true, label: 'f' })).toEqual([['a', 1, 2, '2026-01-01', null]]);
    expect(() => parseCsvText('name,n\n', cols, { header: true, label: 'f' })).toThrow(/does not match/);
  });
});
