import { describe, expect, it } from 'vitest';
import { aggregate, DocumentsError, parseAggregateParams, toDatasetRow, unwind, type VirtualDoc } from '../../src/engines/documents/index.js';

const doc = (content: Record<string, unknown>): VirtualDoc => ({ id: String(content.id ?? ''), content: content as VirtualDoc['content'] });

// the values of Domo's documented aggregation example
const campaigns = [
  ['Red Campaign', 'February', 90, 1010],
  ['Red Campaign', 'February', 120, 1250],
  ['Red Campaign', 'January', 85, 900],
  ['Red Campaign', 'January', 105, 1150],
  ['Blue Campaign', 'January', 100, 1000],
  ['Blue Campaign', 'February', 50, 500],
].map(([campaignName, month, clicks, impressions]) => doc({ campaignName, month, clicks, impressions }));

const run = (q: Record<string, string>, docs = campaigns, page = { limit: 10_000, offset: 0 }) => {
  const { spec } = parseAggregateParams(q);
  return aggregate(docs, spec!, page);
};

describe('aggregation', () => {
  it("reproduces Domo's documented example", () => {
    const rows = run({
      groupby: 'content.campaignName, content.month',
      count: 'documentCount',
      avg: 'content.clicks avgClicks, content.impressions avgImps',
      sum: 'content.clicks sumClicks, content.impressions sumImps',
      max: 'content.clicks maxClicks, content.impressions maxImps',
      min: 'content.clicks minClicks, content.impressions minImps',
      orderby: 'sumClicks descending',
    });
    expect(rows).toEqual([
      { campaignName: 'Red Campaign', month: 'February', documentCount: 2, avgClicks: 105, avgImps: 1130, minClicks: 90, minImps: 1010, maxClicks: 120, maxImps: 1250, sumClicks: 210, sumImps: 2260 },
      { campaignName: 'Red Campaign', month: 'January', documentCount: 2, avgClicks: 95, avgImps: 1025, minClicks: 85, minImps: 900, maxClicks: 105, maxImps: 1150, sumClicks: 190, sumImps: 2050 },
      { campaignName: 'Blue Campaign', month: 'January', documentCount: 1, avgClicks: 100, avgImps: 1000, minClicks: 100, minImps: 1000, maxClicks: 100, maxImps: 1000, sumClicks: 100, sumImps: 1000 },
      { campaignName: 'Blue Campaign', month: 'February', documentCount: 1, avgClicks: 50, avgImps: 500, minClicks: 50, minImps: 500, maxClicks: 50, maxImps: 500, sumClicks: 50, sumImps: 500 },
    ]);
  });

  it('without groupby: one row over all documents', () => {
    expect(run({ count: 'n', sum: 'content.clicks total' })).toEqual([{ n: 6, total: 550 }]);
    expect(run({ count: 'n' }, [])).toEqual([]);
  });

  it('groupby alone lists the distinct keys, sorted by key by default', () => {
    expect(run({ groupby: 'content.month' })).toEqual([{ month: 'February' }, { month: 'January' }]);
  });

  it('orderby ascending (default) and descending; limit and offset page the groups', () => {
    expect(run({ groupby: 'content.campaignName', sum: 'content.clicks s', orderby: 's' }).map((r) => r.s)).toEqual([150, 400]);
    expect(run({ groupby: 'content.campaignName, content.month', count: 'n', orderby: 'campaignName descending, month ascending' }, campaigns, { limit: 2, offset: 1 })).toEqual([
      { campaignName: 'Red Campaign', month: 'January', n: 2 },
      { campaignName: 'Blue Campaign', month: 'February', n: 1 },
    ]);
  });

  it('accumulators without an alias are named by the last path segment', () => {
    expect(run({ max: 'content.clicks' })).toEqual([{ clicks: 120 }]);
  });

  it('sum/avg ignore non-numbers; min/max ignore null and missing; missing group keys group as null', () => {
    const docs = [doc({ g: 'a', v: 1 }), doc({ g: 'a', v: '2' }), doc({ g: 'a' }), doc({ v: 10 }), doc({ g: null, v: null })];
    expect(run({ groupby: 'content.g', count: 'n', sum: 'content.v s', avg: 'content.v a', min: 'content.v lo', max: 'content.v hi' }, docs)).toEqual([
      { g: null, n: 2, s: 10, a: 10, lo: 10, hi: 10 },
      { g: 'a', n: 3, s: 1, a: 1, lo: 1, hi: '2' },
    ]);
  });

  it('groups by value and type (1 and "1" differ)', () => {
    expect(run({ groupby: 'content.k', count: 'n' }, [doc({ k: 1 }), doc({ k: '1' }), doc({ k: 1 })])).toEqual([
      { k: 1, n: 2 },
      { k: '1', n: 1 },
    ]);
  });

  it('unwind makes one document per array element before grouping', () => {
    const docs = [doc({ tags: ['a', 'b'], v: 1 }), doc({ tags: ['a'], v: 2 }), doc({ tags: [], v: 3 }), doc({ v: 4 }), doc({ tags: 'c', v: 5 })];
    expect(run({ unwind: 'content.tags', groupby: 'content.tags', count: 'n', sum: 'content.v s' }, docs)).toEqual([
      { tags: 'a', n: 2, s: 3 },
      { tags: 'b', n: 1, s: 1 },
      { tags: 'c', n: 1, s: 5 },
    ]);
    expect([...unwind(docs, [['content', 'tags']])].map((d) => (d.content as Record<string, unknown>).tags)).toEqual(['a', 'b', 'a', 'c']);
  });

  it('paths through arrays of objects collect values (sum of an array is ignored, like $group)', () => {
    const docs = [doc({ items: [{ p: 1 }, { p: 2 }] }), doc({ items: [{ p: 5 }] })];
    expect(run({ unwind: 'content.items', sum: 'content.items.p total' }, docs)).toEqual([{ total: 8 }]);
  });

  it('rejects malformed parameters, naming them', () => {
    const bad = (q: Record<string, string>) => {
      try {
        parseAggregateParams(q);
      } catch (e) {
        expect(e).toBeInstanceOf(DocumentsError);
        return (e as DocumentsError).where + ': ' + (e as DocumentsError).message;
      }
      throw new Error('accepted');
    };
    expect(bad({ count: 'n', orderby: 'nope descending' })).toMatch(/^query.orderby: orderby 'nope' names no group key or alias/);
    expect(bad({ count: 'n', orderby: 'n sideways' })).toMatch(/^query.orderby/);
    expect(bad({ avg: 'content.a x y' })).toMatch(/^query.avg/);
    expect(bad({ sum: ' , ' })).toMatch(/^query.sum/);
    expect(bad({ count: 'a b' })).toMatch(/^query.count/);
    expect(bad({ sum: 'content.a x', max: 'content.b x' })).toMatch(/used twice/);
    expect(bad({ groupby: 'content..a' })).toMatch(/^query.groupby: Invalid field path/);
  });

  it('no aggregation parameters: no spec', () => {
    expect(parseAggregateParams({}).spec).toBeNull();
    expect(parseAggregateParams({ unwind: 'content.t' }).spec).toBeNull();
  });
});

describe('dataset rows for a synced collection', () => {
  const columns = [
    { name: 'name', type: 'STRING' as const },
    { name: 'n', type: 'LONG' as const },
    { name: 'x', type: 'DOUBLE' as const },
    { name: 'd', type: 'DATE' as const },
    { name: 'dt', type: 'DATETIME' as const },
    { name: 'meta.city', type: 'STRING' as const },
  ];

  it('converts values in schema order; ISO dates and datetimes normalised to UTC', () => {
    expect(toDatasetRow({ name: 'a', n: 3.9, x: '2.5', d: '2020-05-12', dt: '2020-05-12T10:00:00+02:00', meta: { city: 'Provo' } }, columns)).toEqual({
      row: ['a', 3, 2.5, '2020-05-12', '2020-05-12T08:00:00', 'Provo'],
    });
    expect(toDatasetRow({ name: { a: 1 }, d: '2020-05-12T23:30:00Z', dt: '2020-05-12' }, columns)).toEqual({
      row: ['{"a":1}', null, null, '2020-05-12', '2020-05-12T00:00:00', null],
    });
  });

  it('skips documents whose DATE/DATETIME values are not ISO', () => {
    expect(toDatasetRow({ d: 'March 3rd' }, columns)).toHaveProperty('skip');
    expect(toDatasetRow({ dt: '2020-02-30T00:00:00Z' }, columns)).toHaveProperty('skip');
    expect(toDatasetRow({ d: 20200512 }, columns)).toHaveProperty('skip');
  });
});
