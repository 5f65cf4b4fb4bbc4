import { randomBytes, randomFillSync, randomInt, randomUUID } from 'node:crypto';

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

  /** A Task Center task id shaped like Domo's: the creation day and six characters ("18OCT23_1JUTZM"). */
  taskId(atMs: number): string {
    const d = new Date(atMs);
    const months = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
    const day = `${String(d.getUTCDate()).padStart(2, '0')}${months[d.getUTCMonth()]}${String(d.getUTCFullYear() % 100).padStart(2, '0')}`;
    const n = this.mode === 'random' ? randomInt(36 ** 6) : this.next();
    return `${day}_${n.toString(36).toUpperCase().padStart(6, '0')}`;
  }

  /** A short opaque token (developer tokens, cursors). */
  token(prefix = ''): string {
    if (this.mode === 'random') return prefix + randomBytes(16).toString('hex');
    return `${prefix}${this.next().toString(36).padStart(8, '0')}`;
  }
}

const toeAlphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/**
 * Request ids shaped like Domo's `toe` ("DV3ET85U1V-GQ837-V5TN9"). Not instance state, so always random;
 * random bytes are drawn 10 KB at a time (one syscall per 512 requests instead of one per request).
 * One per app (createApp), never module-level.
 */
export class RequestIds {
  private readonly pool = Buffer.alloc(20 * 512);
  private pos = this.pool.length;

  next(): string {
    if (this.pos + 20 > this.pool.length) {
      randomFillSync(this.pool);
      this.pos = 0;
    }
    let out = '';
    for (let i = 0; i < 20; i++) {
      out += toeAlphabet[this.pool[this.pos + i] % 36];
      if (i === 9 || i === 14) out += '-';
    }
    this.pos += 20;
    return out;
  }
}
