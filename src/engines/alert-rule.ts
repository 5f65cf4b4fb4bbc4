/**
 * Alert rules as Domo writes them ("Any row has changes for column(s): 'Amount'", "Amount is less than
 * 10000", "cases_new changes by more than 10%"): parsed into a measure the row service can compute and a
 * test of the measure against the last check. Pure: the alerts store reads the rows and keeps the state.
 */

export type AlertRule =
  | { kind: 'anyRow'; columns: string[] }
  | { kind: 'compare'; column: string; op: '<' | '>' | '=' | '>=' | '<=' | '!='; value: number }
  | { kind: 'change'; column: string; percent: number };

const ops: Record<string, '<' | '>' | '=' | '>=' | '<=' | '!='> = {
  'is less than': '<',
  'is greater than': '>',
  'is equal to': '=',
  'is at least': '>=',
  'is at most': '<=',
  'is not equal to': '!=',
  'drops below': '<',
  'rises above': '>',
};

/** The rule of an alert, or null when the emulator cannot evaluate it (the alert shows why). */
export function parseAlertRule(rule: string, name = ''): AlertRule | null {
  const text = (rule || name).trim();
  const any = /^any row has changes for column\(s\):\s*'(.+)'$/i.exec(text);
  if (any) return { kind: 'anyRow', columns: any[1].split(',').map((c) => c.trim()).filter(Boolean) };
  const change = /^(.+?)\s+changes by more than\s+([\d.]+)\s*%$/i.exec(text);
  if (change) return { kind: 'change', column: change[1].trim(), percent: Number(change[2]) };
  const cmp = new RegExp(`^(.+?)\\s+(${Object.keys(ops).join('|')})\\s+(-?[\\d,]+(?:\\.\\d+)?)$`, 'i').exec(text);
  if (cmp) return { kind: 'compare', column: cmp[1].trim(), op: ops[cmp[2].toLowerCase()], value: Number(cmp[3].replace(/,/g, '')) };
  return null;
}

/** What a check measured: a number (compare, change) or a fingerprint of the watched columns (anyRow). */
export interface Measure {
  value?: number;
  fingerprint?: string;
}

/** Whether the rule holds now, given this check's measure and the last one (null on the first check). */
export function holds(rule: AlertRule, now: Measure, last: Measure | null): boolean {
  switch (rule.kind) {
    case 'anyRow':
      return last !== null && last.fingerprint !== undefined && now.fingerprint !== last.fingerprint;
    case 'change': {
      if (last?.value === undefined || now.value === undefined) return false;
      if (last.value === 0) return now.value !== 0;
      return (Math.abs(now.value - last.value) / Math.abs(last.value)) * 100 > rule.percent;
    }
    case 'compare': {
      const v = now.value ?? 0;
      switch (rule.op) {
        case '<':
          return v < rule.value;
        case '>':
          return v > rule.value;
        case '=':
          return v === rule.value;
        case '>=':
          return v >= rule.value;
        case '<=':
          return v <= rule.value;
        case '!=':
          return v !== rule.value;
      }
    }
  }
}
