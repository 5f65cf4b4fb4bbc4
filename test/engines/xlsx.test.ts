import { strFromU8, unzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { columnName, xlsx, zip } from '../../src/engines/xlsx.js';

describe('xlsx', () => {
  it('names columns as spreadsheets do', () => {
    expect([0, 1, 25, 26, 27, 51, 52, 701, 702].map(columnName)).toEqual(['A', 'B', 'Z', 'AA', 'AB', 'AZ', 'BA', 'ZZ', 'AAA']);
  });

  it('writes a workbook a zip reader opens: header, numbers, escaped text, empty cells, a safe sheet name', () => {
    const book = xlsx(['name', 'n'], [['a <b> & "c"', 1.5], [null, -2], ['\u0001ctrl', 3n]], 'sales/2026: Q1 [draft] with a very long name indeed');
    const files = unzipSync(new Uint8Array(book));
    const sheet = strFromU8(files['xl/worksheets/sheet1.xml']);
    expect(sheet).toContain('<row r="1"><c r="A1" t="inlineStr"><is><t xml:space="preserve">name</t></is></c><c r="B1" t="inlineStr"><is><t xml:space="preserve">n</t></is></c></row>');
    expect(sheet).toContain('<c r="A2" t="inlineStr"><is><t xml:space="preserve">a &lt;b&gt; &amp; &quot;c&quot;</t></is></c><c r="B2"><v>1.5</v></c>');
    expect(sheet).toContain('<row r="3"><c r="B3"><v>-2</v></c></row>');
    expect(sheet).toContain('<c r="A4" t="inlineStr"><is><t xml:space="preserve">ctrl</t></is></c><c r="B4"><v>3</v></c>');
    const name = /<sheet name="([^"]*)"/.exec(strFromU8(files['xl/workbook.xml']))![1];
    expect(name).toBe('sales 2026  Q1  draft  with a v');
    expect(strFromU8(files['[Content_Types].xml'])).toContain('spreadsheetml.worksheet+xml');
  });

  it('is deterministic, and the zip holds what was put in', () => {
    expect(xlsx(['a'], [[1]]).equals(xlsx(['a'], [[1]]))).toBe(true);
    const z = zip([{ path: 'x/y.txt', data: Buffer.from('hello '.repeat(100)) }, { path: 'empty', data: Buffer.alloc(0) }]);
    const back = unzipSync(new Uint8Array(z));
    expect(strFromU8(back['x/y.txt'])).toBe('hello '.repeat(100));
    expect(back['empty']).toHaveLength(0);
  });
});
