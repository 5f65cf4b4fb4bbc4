import { randomBytes, randomInt, randomUUID } from 'node:crypto';

export type IdMode = 'random' | 'sequential';

/**
 * The instance id generator. Random by default (ids shaped like Domo's); `sequential` gives
 * predictable ids for tests: numbers counting up from 1000001, uuids ending in a counter.
 * The counter state is loaded from and saved to the instance database so ids never repeat after a restart.
 */
export class IdGenerator {
  private counter: number;

  constructor(
    readonly mode: IdMode,
    private readonly persist: { load(): number; save(n: number): void } = { load: () => 0, save: () => {} },
  ) {
    this.counter = persist.load();
  }

  private next(): number {
    this.counter += 1;
    this.persist.save(this.counter);
    return this.counter;
  }

  /** A positive integer id (users, groups, roles...), 9-10 digits when random. */
  numeric(): number {
    return this.mode === 'sequential' ? 1_000_000 + this.next() : randomInt(100_000_000, 2_147_483_647);
  }

  /** A UUID (datasets, streams, documents, files...). */
  uuid(): string {
    if (this.mode === 'random') return randomUUID();
    const n = this.next().toString(16).padStart(12, '0');
    return `00000000-0000-4000-8000-${n}`;
  }

  /** A short opaque token (developer tokens, cursors). */
  token(prefix = ''): string {
    if (this.mode === 'random') return prefix + randomBytes(16).toString('hex');
    return `${prefix}${this.next().toString(36).padStart(8, '0')}`;
  }
}

/** A request id shaped like Domo's `toe` ("DV3ET85U1V-GQ837-V5TN9"). Not instance state, so always random. */
export function newToe(): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  const bytes = randomBytes(20);
  let out = '';
  for (let i = 0; i < 20; i++) out += alphabet[bytes[i] % alphabet.length];
  return `${out.slice(0, 10)}-${out.slice(10, 15)}-${out.slice(15, 20)}`;
}
