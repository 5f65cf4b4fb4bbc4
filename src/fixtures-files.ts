import { join } from 'node:path';
import { readFixture, type SeedContext } from './fixtures.js';
import { fixtureFileReader, type FilesFixture } from './state/files.js';

/** Files fixtures (fixtures/files/files.json + the files beside it): data files with revisions, and FileSets. */
export function seedFiles({ dir, stores, full }: SeedContext): void {
  const f = full ? readFixture<FilesFixture>(dir, 'files/files.json') : undefined;
  if (!f) return;
  const read = fixtureFileReader(join(dir, 'files'));
  stores.files.seed(f.dataFiles ?? [], read);
  stores.filesets.seed(f.fileSets ?? [], read);
}
