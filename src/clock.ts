/**
 * The instance clock. Real time by default; tests and the admin API can freeze it, advance it and resume.
 * Every timestamp a store writes comes from here, never from Date.now().
 */
export class Clock {
  private offsetMs = 0;
  private frozenAt: number | null = null;
  private listeners: Array<() => void> = [];
  /** Set while a scheduled job applies its effects: the clock reads the job's due time. */
  private override: number | null = null;

  constructor(private readonly source: () => number = () => Date.now()) {}

  nowMs(): number {
    return this.override ?? this.frozenAt ?? this.source() + this.offsetMs;
  }

  /** The instance's present, even while a job applies at its (earlier) due time. */
  present(): number {
    return this.frozenAt ?? this.source() + this.offsetMs;
  }

  /**
   * Runs `fn` (synchronous) with the clock reading `ms`, never later than now: a job due three days ago
   * writes three-days-ago timestamps.
   */
  runAt<T>(ms: number, fn: () => T): T {
    const prev = this.override;
    this.override = Math.min(ms, prev ?? this.present());
    try {
      return fn();
    } finally {
      this.override = prev;
    }
  }

  now(): Date {
    return new Date(this.nowMs());
  }

  iso(): string {
    return this.now().toISOString();
  }

  get frozen(): boolean {
    return this.frozenAt !== null;
  }

  freeze(at: number = this.nowMs()): void {
    this.frozenAt = at;
    this.changed();
  }

  advance(ms: number): void {
    if (this.frozenAt !== null) this.frozenAt += ms;
    else this.offsetMs += ms;
    this.changed();
  }

  /** Runs on again from where it stands now (time does not jump back). */
  resume(): void {
    if (this.frozenAt === null) return;
    this.offsetMs = this.frozenAt - this.source();
    this.frozenAt = null;
    this.changed();
  }

  /** What a checkpoint or fork carries of this clock: frozen at a time, or running at an offset from real time. */
  state(): { frozenAt: number | null; offsetMs: number } {
    return { frozenAt: this.frozenAt, offsetMs: this.offsetMs };
  }

  /** Puts a saved state back (a checkpoint restore, a fork). */
  setState(state: { frozenAt: number | null; offsetMs: number }): void {
    this.frozenAt = state.frozenAt;
    this.offsetMs = state.offsetMs;
    this.changed();
  }

  /** Called after freeze/advance/resume so job state machines can catch up. Returns the unsubscribe. */
  onChange(fn: () => void): () => void {
    this.listeners.push(fn);
    return () => {
      this.listeners = this.listeners.filter((l) => l !== fn);
    };
  }

  private changed(): void {
    for (const fn of this.listeners) fn();
  }
}

const durationRe = /^P(?:(\d+(?:\.\d+)?)W)?(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/i;

/** Parses an ISO 8601 duration of weeks, days, hours, minutes and seconds (PT1H, P8D, PT0.5S) to ms. */
export function parseDuration(text: string): number | null {
  const m = durationRe.exec(text.trim());
  if (!m || text.trim().toUpperCase() === 'P' || /T$/i.test(text.trim())) return null;
  const [, w, d, h, min, s] = m.map((v) => (v === undefined ? 0 : Number(v))) as number[];
  return Math.round((((w * 7 + d) * 24 + h) * 60 + min) * 60_000 + s * 1000);
}
