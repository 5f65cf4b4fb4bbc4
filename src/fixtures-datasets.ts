import { readFileSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import type { SchemaColumn } from '../db/schema/datasets.js';
import { parseCsvText } from './engines/csv.js';
import type { SeedContext } from './fixtures.js';
import { readFixture } from './fixtures.js';
import type { AccountSeed } from './state/accounts.js';
import type { CardSeed } from './state/cards.js';
import type { DatasetSeed } from './state/datasets.js';
import type { StreamSeed } from './state/streams.js';

/** A dataset fixture file: a DatasetSeed whose data versions are CSV files, plus its stream. */
interface DatasetFixture extends Omit<DatasetSeed, 'versions'> {
  /** CSV files (with a header row) loaded as data versions, oldest first. */
  data?: Array<{ file: string; tag?: string; action: 'APPEND' | 'REPLACE' }>;
  stream?: Omit<StreamSeed, 'datasetId' | 'sourceCsv'> & { sourceFile?: string };
}

interface DatasetsIndex {
  datasets: string[];
  cards?: string;
  accounts?: string;
}

/**
 * Seeds fixtures/datasets: accounts, datasets (schema JSON + CSV files, loaded as data versions),
 * their streams (a stream's `sourceFile` is the data a run loads) and cards.
 */
export function seedDatasets({ dir, stores, full, progress }: SeedContext): void {
  if (!full) return;
  const base = resolve(dir, 'datasets');
  const index = readFixture<DatasetsIndex>(base, 'index.json');
  if (!index) return;
  const read = (file: string) => {
    const p = resolve(base, file);
    if (!p.startsWith(base + sep)) throw new Error(`fixtures: ${file} is outside ${base}`);
    return readFileSync(p, 'utf8');
  };
  stores.accounts.seed(index.accounts ? (readFixture<AccountSeed[]>(base, index.accounts) ?? []) : []);
  const list = index.datasets.map((f) => {
    const d = readFixture<DatasetFixture>(base, f);
    if (!d) throw new Error(`fixtures: ${join(base, f)} is missing`);
    return d;
  });
  const seeds: DatasetSeed[] = list.map((d) => ({
    ...d,
    versions: (d.data ?? []).map((v) => ({
      action: v.action,
      tag: v.tag,
      rows: parseCsvText(read(v.file), d.columns as SchemaColumn[], { header: true, label: `fixture ${v.file}` }),
      numBytes: Buffer.byteLength(read(v.file)),
    })),
  }));
  stores.datasets.seed(seeds, (done, total) => progress('datasets', done, total));
  stores.streams.seed(
    list
      .filter((d) => d.stream)
      .map((d) => {
        const { sourceFile, ...s } = d.stream!;
        return { ...s, datasetId: d.id, sourceCsv: sourceFile ? read(sourceFile) : undefined };
      }),
  );
  stores.cards.seed(index.cards ? (readFixture<CardSeed[]>(base, index.cards) ?? []) : []);
}
