/**
 * Stream schedules (advancedScheduleJson, e.g. {"type":"MINUTE","timezone":"UTC","interval":30}): when a
 * stream runs next. MANUAL (or no schedule) never runs on its own. Pure functions, no clock.
 */
import { nextRunAfter } from './report-schedule.js';

export interface StreamSchedule {
  type: string;
  interval?: number;
  timezone?: string;
  /** "HH:MM" for DAY, WEEK and MONTH schedules (default 00:00). */
  at?: string;
  hour?: number;
  minute?: number;
  /** WEEK: MON,THU...; MONTH: 1,15... */
  days?: string | string[];
}

export function parseStreamSchedule(json: string | null | undefined): StreamSchedule | null {
  if (!json) return null;
  try {
    const v = JSON.parse(json) as unknown;
    return v && typeof v === 'object' && typeof (v as StreamSchedule).type === 'string' ? (v as StreamSchedule) : null;
  } catch {
    return null;
  }
}

/** The first run strictly after `afterMs`, or null (MANUAL, unknown type, unreadable JSON). */
export function nextStreamRun(json: string | null | undefined, afterMs: number): number | null {
  const s = parseStreamSchedule(json);
  if (!s) return null;
  const type = s.type.toUpperCase();
  const every = (unit: number) => {
    const step = Math.max(1, Math.floor(s.interval ?? 1)) * unit;
    return (Math.floor(afterMs / step) + 1) * step;
  };
  if (type === 'MINUTE') return every(60_000);
  if (type === 'HOUR') return every(3_600_000);
  const [h, m] = (s.at ?? '').split(':').map(Number);
  const hourOfDay = Number.isFinite(h) ? h : (s.hour ?? 0);
  const minOfHour = Number.isFinite(m) ? m : (s.minute ?? 0);
  const days = Array.isArray(s.days) ? s.days.join(',') : (s.days ?? '');
  const timezone = s.timezone ?? 'UTC';
  const frequency = type === 'DAY' ? 'DAILY' : type === 'WEEK' ? 'WEEKLY' : type === 'MONTH' ? 'MONTHLY' : null;
  if (!frequency) return null;
  return nextRunAfter({ frequency, daysToRun: days || (frequency === 'WEEKLY' ? 'MON' : frequency === 'MONTHLY' ? '1' : ''), hourOfDay, minOfHour, timezone }, afterMs);
}
