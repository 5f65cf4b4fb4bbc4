import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

// One row-reading service: no code but the row service (src/state/rows.ts) and the datasets store that
// creates the views (src/state/datasets/) names a dataset view or row table, or runs dataset SQL.
const root = join(import.meta.dirname, '..');

function sources(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => relative(root, join(e.parentPath, e.name)));
}
const files = [...sources('src'), ...sources('routes')];
const read = (f: string) => readFileSync(join(root, f), 'utf8');

/** pattern -> the files allowed to contain it */
const RULES: Array<{ what: string; re: RegExp; allowed: RegExp }> = [
  { what: 'a dataset view name (dataset_<seq>)', re: /dataset_(\$\{|\d|['"`])/, allowed: /^src\/state\/datasets\/(common|storage|index)\.ts$/ },
  { what: 'a data version or empty table name (dsv_/dse_)', re: /\b(dsv|dse)_/, allowed: /^src\/state\/datasets\/(common|storage|index)\.ts$/ },
  { what: 'the datasets store\'s query target', re: /\bqueryTarget\(/, allowed: /^src\/state\/(datasets\/[a-z]+|rows)\.ts$/ },
  { what: 'running dataset SQL (runQuery, iterateQuery, queryToCsv, the query pool)', re: /\b(runQuery|iterateQuery|queryToCsv)\(|queries\.run\(/, allowed: /^src\/(engines\/sql\/|state\/rows\.ts$)/ },
  { what: 'compiling Domo SQL', re: /\bcompileDomo(Sql|Expression)\(/, allowed: /^src\/(engines\/sql\/|state\/rows\.ts$)/ },
  { what: 'writing CSV rows (the one spill mechanism)', re: /\bcsvLine\(/, allowed: /^src\/engines\/(csv\.ts|sql\/run\.ts)$/ },
];

describe('dataset rows are read only through the row service', () => {
  it.each(RULES)('only the allowed files contain $what', ({ re, allowed }) => {
    const hits = files.filter((f) => re.test(read(f)));
    expect(hits.length, 'the pattern still finds its own home (the rule is not vacuous)').toBeGreaterThan(0);
    expect(hits.filter((f) => !allowed.test(f))).toEqual([]);
  });

  it('no SQL text reads FROM an interpolated table name outside the row service and the datasets store', () => {
    // `FROM ${quoteIdent(target.table)}`, `from ${q(t.table)}` ...: how each reader used to build its own SQL
    const from = /\bFROM\s+\$\{[^}]*\.table\b/i;
    const hits = files.filter((f) => from.test(read(f)));
    expect(hits).toContain('src/state/rows.ts');
    expect(hits.filter((f) => !/^src\/state\/(datasets|rows)\.ts$/.test(f))).toEqual([]);
  });
});
