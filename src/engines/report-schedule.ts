/**
 * Scheduled Reports timing: when a schedule (frequency, daysToRun, hourOfDay, minOfHour, timezone) runs next.
 * Pure functions of their inputs (no clock of their own).
 */
export const frequencies = ['HOURLY', 'DAILY', 'WEEKLY', 'MONTHLY'] as const;
export type Frequency = (typeof frequencies)[number];
export const weekDays = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'] as const;

export interface ScheduleTiming {
  frequency: string;
  daysToRun: string;
  hourOfDay: number;
  minOfHour: number;
  timezone: string;
}

export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** The daysToRun tokens: weekday abbreviations for WEEKLY, day numbers 1-31 for MONTHLY. Returns an error text or null. */
export function daysToRunProblem(frequency: string, daysToRun: string): string | null {
  const tokens = splitDays(daysToRun);
  if (frequency === 'WEEKLY') {
    if (!tokens.length) return 'WEEKLY schedules need daysToRun such as "MON" or "MON,THU"';
    const bad = tokens.find((t) => !(weekDays as readonly string[]).includes(t));
    return bad ? `'${bad}' is not a day (one of ${weekDays.join(', ')})` : null;
  }
  if (frequency === 'MONTHLY') {
    if (!tokens.length) return 'MONTHLY schedules need daysToRun such as "1" or "1,15"';
    const bad = tokens.find((t) => !/^\d{1,2}$/.test(t) || Number(t) < 1 || Number(t) > 31);
    return bad ? `'${bad}' is not a day of the month (1-31)` : null;
  }
  return null;
}

const splitDays = (s: string) =>
  s
    .split(',')
    .map((t) => t.trim().toUpperCase())
    .filter(Boolean);

/** Milliseconds the zone is ahead of UTC at `ms`. */
function offsetAt(tz: string, ms: number): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: tz,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  }).formatToParts(new Date(ms));
  const get = (t: string) => Number(parts.find((p) => p.type === t)?.value ?? 0);
  const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return asUtc - Math.floor(ms / 1000) * 1000;
}

function localToUtc(tz: string, y: number, m: number, d: number, h: number, min: number): number {
  const guess = Date.UTC(y, m, d, h, min);
  const first = guess - offsetAt(tz, guess);
  return guess - offsetAt(tz, first);
}

/** The first run strictly after `afterMs`, or null when the schedule can never run (e.g. MONTHLY on day 31 only... still runs). */
export function nextRunAfter(s: ScheduleTiming, afterMs: number): number | null {
  if (s.frequency === 'HOURLY') {
    const hour = Math.floor(afterMs / 3_600_000) * 3_600_000;
    const at = hour + s.minOfHour * 60_000;
    return at > afterMs ? at : at + 3_600_000;
  }
  const local = new Date(afterMs + offsetAt(s.timezone, afterMs));
  const days = splitDays(s.daysToRun);
  for (let k = 0; k < 800; k++) {
    const day = new Date(Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate() + k));
    const match =
      s.frequency === 'DAILY' ||
      (s.frequency === 'WEEKLY' && days.includes(weekDays[day.getUTCDay()])) ||
      (s.frequency === 'MONTHLY' && days.map(Number).includes(day.getUTCDate()));
    if (!match) continue;
    const at = localToUtc(s.timezone, day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate(), s.hourOfDay, s.minOfHour);
    if (at > afterMs) return at;
  }
  return null;
}
