import { describe, expect, it } from 'vitest';
import { idf, queryTerms, rankBm25, stem, termWeights, tokenize, type CorpusStats } from '../../src/engines/search.js';

describe('tokenize / stem', () => {
  it('splits on anything but letters and digits, lower-cases and stems plurals', () => {
    expect(tokenize('Q2-2024-sales.PDF')).toEqual(['q2', '2024', 'sale', 'pdf']);
    expect(tokenize('Reports, categories & glasses; status')).toEqual(['report', 'category', 'glass', 'status']);
    expect(tokenize('Ünïcode wörds café')).toEqual(['ünïcode', 'wörd', 'café']);
    expect(tokenize('')).toEqual([]);
    expect(stem('bus')).toBe('bus');
    expect(stem('analysis')).toBe('analysis');
    expect(queryTerms('sales Sales SALE data')).toEqual(['sale', 'data']);
  });
});

describe('BM25', () => {
  /** A tiny corpus: documents as plain text, scored with the same code the FileSets store uses. */
  function rank(docs: Record<string, string>, query: string, topK = 10) {
    const analysed = Object.entries(docs).map(([key, text]) => ({ key, tieKey: key, ...(() => {
      const w = termWeights([{ text, weight: 1 }]);
      return { length: w.length, tf: w.tf };
    })() }));
    const docFreq = new Map<string, number>();
    for (const d of analysed) for (const t of d.tf.keys()) docFreq.set(t, (docFreq.get(t) ?? 0) + 1);
    const stats: CorpusStats = { docCount: analysed.length, avgDocLength: analysed.reduce((s, d) => s + d.length, 0) / analysed.length, docFreq };
    return rankBm25(queryTerms(query), stats, analysed, topK);
  }

  const corpus = {
    a: 'the cat sat on the mat',
    b: 'the dog chased the cat around the garden and the cat ran',
    c: 'dogs and more dogs in the park',
    d: 'a long quiet afternoon in the sunny garden',
  };

  it('ranks documents with more (and rarer) query terms higher; scores in (0, 1], best first', () => {
    const r = rank(corpus, 'cat garden');
    expect(r.map((x) => x.key)).toEqual(['b', 'a', 'd']);
    for (const x of r) expect(x.score > 0 && x.score <= 1).toBe(true);
    expect(r[0].score).toBeGreaterThan(r[1].score);
  });

  it('prefers rare terms (idf) and penalises long documents (length normalisation)', () => {
    expect(idf(100, 1)).toBeGreaterThan(idf(100, 50));
    expect(idf(10, 10)).toBeGreaterThan(0);
    const r = rank({ short: 'budget report', long: 'budget ' + 'filler words that say nothing useful '.repeat(20) }, 'budget');
    expect(r.map((x) => x.key)).toEqual(['short', 'long']);
  });

  it('is deterministic and breaks ties by key', () => {
    const twins = { z: 'same words here', y: 'same words here', x: 'other text' };
    const r1 = rank(twins, 'words');
    expect(r1.map((x) => x.key)).toEqual(['y', 'z']);
    expect(rank(twins, 'words')).toEqual(r1);
    expect(rank(corpus, 'cat', 1).map((x) => x.key)).toHaveLength(1);
    expect(rank(corpus, 'unicorn')).toEqual([]);
  });

  it('weights fields: a term in a heavier field counts more', () => {
    const w = termWeights([
      { text: 'chart.png', weight: 3 },
      { text: 'a chart of sales', weight: 1 },
    ]);
    expect(w.tf.get('chart')).toBe(4);
    expect(w.tf.get('sale')).toBe(1);
    expect(w.length).toBe(3 * 2 + 4);
  });
});
