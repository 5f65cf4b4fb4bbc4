import type { Decision } from '../access/principal.js';

export interface JournalEntry {
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
}

/** A bounded ring buffer of the last requests an instance served (GET /_emulator/requests). */
export class Journal {
  private readonly items: JournalEntry[] = [];
  private next = 0;

  constructor(private readonly size: number) {}

  add(e: JournalEntry): void {
    if (this.items.length < this.size) this.items.push(e);
    else this.items[this.next] = e;
    this.next = (this.next + 1) % this.size;
  }

  /** Newest last, with ISO times. */
  list(limit = this.size): Array<Omit<JournalEntry, 'time'> & { time: string }> {
    const ordered = this.items.length < this.size ? this.items : [...this.items.slice(this.next), ...this.items.slice(0, this.next)];
    return ordered.slice(Math.max(0, ordered.length - limit)).map((e) => ({ ...e, time: new Date(e.time).toISOString() }));
  }
}
