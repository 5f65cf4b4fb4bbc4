import type { Decision } from '../access/principal.js';

export interface JournalEntry {
  /** sequential per journal (GET /_emulator/requests?since accepts a time) */
  id?: number;
  /** the route pattern that served the request (`/api/identity/v1/users/:id`), when one did */
  route?: string;
  /** the catalog operation of that route (`Users: Retrieve a user`), when it is one */
  operation?: string;
  /** epoch ms (real time, not the instance clock) */
  time: number;
  method: string;
  path: string;
  status: number;
  ms: number;
  instance: string;
  requestId: string;
  /** Who called and the access decisions the request made (allowed or refused, and why). */
  /** The fault rule injected into this request (POST /_emulator/faults). */
  fault?: { id: string; preset?: string };
  auth?: { userId: number; tokenKind: string; decisions: Decision[] };
  /** What the request sent that was ignored (unknown body fields). */
  warnings?: string[];
}

/** A bounded ring buffer of the last requests an instance served (GET /_emulator/requests). */
export class Journal {
  private readonly items: JournalEntry[] = [];
  private next = 0;
  private seq = 0;
  private readonly listeners = new Set<(e: JournalEntry) => void>();

  constructor(private readonly size: number) {}

  add(e: JournalEntry): void {
    e.id = ++this.seq;
    for (const fn of this.listeners) fn(e);
    if (this.items.length < this.size) this.items.push(e);
    else this.items[this.next] = e;
    this.next = (this.next + 1) % this.size;
  }

  /** Calls `fn` with every entry added from now on (GET /_emulator/requests/stream); returns the unsubscribe. */
  subscribe(fn: (e: JournalEntry) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  clear(): void {
    this.items.length = 0;
    this.next = 0;
  }

  /** Newest last, with ISO times. */
  list(limit = this.size): Array<Omit<JournalEntry, 'time'> & { time: string }> {
    const ordered = this.items.length < this.size ? this.items : [...this.items.slice(this.next), ...this.items.slice(0, this.next)];
    return ordered.slice(Math.max(0, ordered.length - limit)).map((e) => ({ ...e, time: new Date(e.time).toISOString() }));
  }
}
