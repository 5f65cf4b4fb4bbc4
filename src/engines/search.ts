/**
 * Lexical relevance: a tokenizer, a light English stemmer and Okapi BM25 scoring. Pure functions,
 * no I/O, deterministic (same corpus + query -> same scores and order).
 *
 * A document is a bag of weighted fields (e.g. a file's name counts three times its text); the
 * store keeps the weighted term frequencies in an inverted index and hands the statistics here.
 */

export const BM25_K1 = 1.2;
export const BM25_B = 0.75;

const wordRe = /[\p{L}\p{N}]+/gu;

/** Stems plural and a few common suffixes so "reports" finds "report" and "sales" finds "sale". */
export function stem(word: string): string {
  if (word.length <= 3 || /^\d+$/.test(word)) return word;
  if (word.endsWith('ies') && word.length > 4) return word.slice(0, -3) + 'y';
  if (word.endsWith('sses')) return word.slice(0, -2);
  if (word.endsWith('ss') || word.endsWith('us') || word.endsWith('is')) return word;
  if (word.endsWith('s')) return word.slice(0, -1);
  return word;
}

/**
 * Words of a text (runs of letters and digits), lower-cased and stemmed:
 * "Q2-2024-sales.pdf" -> q2, 2024, sale, pdf. Tokens longer than 64 characters are dropped.
 */
export function tokenize(text: string): string[] {
  const out: string[] = [];
  for (const m of text.toLowerCase().matchAll(wordRe)) {
    const w = m[0];
    if (w.length > 64) continue;
    out.push(stem(w));
  }
  return out;
}

/** Weighted term frequencies of a document made of fields: Σ weight × count, and the weighted length. */
export function termWeights(fields: Array<{ text: string; weight: number }>): { tf: Map<string, number>; length: number } {
  const tf = new Map<string, number>();
  let length = 0;
  for (const f of fields) {
    if (!f.text || f.weight <= 0) continue;
    for (const t of tokenize(f.text)) {
      tf.set(t, (tf.get(t) ?? 0) + f.weight);
      length += f.weight;
    }
  }
  return { tf, length };
}

/** The distinct terms of a query, in first-seen order. */
export function queryTerms(query: string): string[] {
  return [...new Set(tokenize(query))];
}

/** BM25 idf, always positive: ln(1 + (N - df + 0.5) / (df + 0.5)). */
export function idf(docCount: number, docFreq: number): number {
  return Math.log(1 + (docCount - docFreq + 0.5) / (docFreq + 0.5));
}

export interface CorpusStats {
  docCount: number;
  avgDocLength: number;
  /** term -> number of documents containing it */
  docFreq: Map<string, number>;
}

export interface ScoredDoc<K> {
  key: K;
  /** raw BM25 */
  raw: number;
  /** raw / the query's ceiling, in (0, 1] */
  score: number;
}

/**
 * Scores documents for the query terms. `docs` gives each candidate's length and its tf per term.
 * The normalised score divides by the query's ceiling Σ idf(t)·(k1+1) (what a document would get
 * with unbounded tf for every term), so it lies in (0, 1] for any document that matches a term.
 * Sorted best first; ties broken by `tieKey` ascending (deterministic).
 */
export function rankBm25<K>(
  terms: string[],
  stats: CorpusStats,
  docs: Array<{ key: K; tieKey: string; length: number; tf: Map<string, number> }>,
  topK: number,
): Array<ScoredDoc<K>> {
  if (!terms.length || !stats.docCount) return [];
  const avg = stats.avgDocLength > 0 ? stats.avgDocLength : 1;
  const idfs = new Map(terms.map((t) => [t, idf(stats.docCount, stats.docFreq.get(t) ?? 0)]));
  const ceiling = terms.reduce((s, t) => s + idfs.get(t)! * (BM25_K1 + 1), 0);
  const scored: Array<ScoredDoc<K> & { tieKey: string }> = [];
  for (const d of docs) {
    let raw = 0;
    for (const t of terms) {
      const f = d.tf.get(t) ?? 0;
      if (f <= 0) continue;
      raw += idfs.get(t)! * ((f * (BM25_K1 + 1)) / (f + BM25_K1 * (1 - BM25_B + (BM25_B * d.length) / avg)));
    }
    if (raw <= 0) continue;
    const score = Math.min(1, Math.max(1e-6, Math.round((raw / ceiling) * 1e6) / 1e6));
    scored.push({ key: d.key, raw, score, tieKey: d.tieKey });
  }
  scored.sort((a, b) => b.raw - a.raw || (a.tieKey < b.tieKey ? -1 : a.tieKey > b.tieKey ? 1 : 0));
  return scored.slice(0, topK).map(({ key, raw, score }) => ({ key, raw, score }));
}
