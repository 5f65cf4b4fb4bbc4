/**
 * A time budget for client-driven computation (AppDB queries, aggregations, partial updates): the same
 * idea as the dataset SQL deadline, for work that runs in JavaScript loops. The loops call check() once
 * per item; it reads the monotonic clock every CHECK_EVERY calls and, past the limit, throws
 * queryTimeout() (a 400). Thrown inside a transaction, it rolls the work back, so state is unchanged.
 * This is elapsed wall time (performance.now), not an instance-clock timestamp.
 */
import { queryTimeout } from '../http/errors.js';

const CHECK_EVERY = 64;

export class Deadline {
  /** No limit (internal work, fixtures). */
  static readonly none = new Deadline(0, '');

  private readonly end: number;
  private calls = 0;

  /** `limitMs` 0 means no limit; `what` names the work in the error ("The AppDB query"). */
  constructor(
    readonly limitMs: number,
    private readonly what: string,
  ) {
    this.end = limitMs > 0 ? performance.now() + limitMs : Infinity;
  }

  check(): void {
    if (this.end === Infinity || ++this.calls % CHECK_EVERY !== 0) return;
    if (performance.now() > this.end) throw queryTimeout(this.limitMs, this.what);
  }
}
