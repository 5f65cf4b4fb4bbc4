/**
 * Deterministic stand-ins for Domo's AI services: no model, the same input always gives the same output.
 * Text generation renders the prompt template and answers with a fixed framing of it; text-to-SQL builds
 * a SELECT from the given schemas by matching words of the question to column names; summarization
 * extracts the highest-scoring sentences.
 */
export const defaultModels = {
  generation: 'domo.domo_ai.domogpt-chat-small-v1:anthropic',
  sql: 'domo.domo_ai.domogpt-sql-v1:anthropic',
  summarize: 'domo.domo_ai.domogpt-summarize-v1:anthropic',
} as const;

export const knownModels = new Set<string>([
  ...Object.values(defaultModels),
  'domo.domo_ai.domogpt-chat-medium-v1:anthropic',
  'domo.domo_ai.domogpt-chat-large-v1:anthropic',
  // Domo's current model ids (what public clients send today)
  'domo.domo_ai.domogpt-chat-small-v1.1:anthropic',
  'domo.domo_ai.domogpt-chat-medium-v1.1:anthropic',
  'domo.domo_ai.domogpt-chat-large-v1.1:anthropic',
  'domo.domo_ai.domogpt-sql-v1.1:anthropic',
  'domo.domo_ai.domogpt-summarize-v1.1:anthropic',
]);

const stop = new Set(
  'a an the of to in on for by per each and or is are was were be my our your their what which who how show me give list all with from as at that this it its do does i we you me please'.split(' '),
);
const words = (s: string): string[] => [...(s.toLowerCase().match(/[\p{L}\p{N}_]+/gu) ?? [])];

/** ${name} placeholders filled from params (unknown ones are left as written). */
export function renderTemplate(template: string, params: Record<string, unknown>): string {
  return template.replace(/\$\{(\w+)\}/g, (m, k: string) => (params[k] === undefined ? m : String(params[k])));
}

export function generate(prompt: string, system: string | undefined, maxTokens: number | undefined): string {
  const topic = words(prompt).filter((w) => !stop.has(w)).slice(0, 8).join(' ');
  let out = `Here is a response to "${prompt.trim()}"${system ? ` (following: ${system.trim()})` : ''}: ${topic ? `the key points concern ${topic}.` : 'there is nothing to answer.'}`;
  if (maxTokens !== undefined) out = out.split(/\s+/).slice(0, Math.max(1, maxTokens)).join(' ');
  return out;
}

export interface SchemaInput {
  dataSourceName: string;
  description?: string;
  columns: Array<{ name: string; type: string; description?: string }>;
}

const numericTypes = new Set(['LONG', 'DOUBLE', 'DECIMAL', 'INTEGER', 'NUMBER', 'FLOAT']);
const aggregates: Array<[RegExp, string, string]> = [
  [/^(average|avg|mean)$/, 'AVG', 'avg'],
  [/^(count|number)$/, 'COUNT', 'count'],
  [/^(max|maximum|highest|largest|top)$/, 'MAX', 'max'],
  [/^(min|minimum|lowest|smallest)$/, 'MIN', 'min'],
  [/^(total|sum|overall)$/, 'SUM', 'total'],
];
const measureWords = /(amount|revenue|sales|sale|price|cost|total|value|qty|quantity|profit|spend|units)/;
const keyWords = /(^id$|_id$|id$|key$|^store$|number$|code$|year$|month$)/;
const ident = (s: string) => (/^[A-Za-z_][A-Za-z0-9_]*$/.test(s) ? s : `\`${s.replace(/`/g, '``')}\``);
const stemWord = (w: string) => w.replace(/(ies)$/, 'y').replace(/s$/, '');

function matches(col: string, w: string): boolean {
  const c = col.toLowerCase().replace(/[^a-z0-9]+/g, '');
  return c === w || stemWord(c) === stemWord(w);
}

export function textToSql(question: string, schemas: SchemaInput[]): string {
  const ws = words(question);
  // the schema with the most column (or name) words in the question
  const score = (s: SchemaInput) => s.columns.filter((c) => ws.some((w) => matches(c.name, w))).length + (words(s.dataSourceName).some((w) => ws.includes(w)) ? 1 : 0);
  const schema = [...schemas].sort((a, b) => score(b) - score(a))[0];
  const cols = schema.columns;
  let agg: { fn: string; label: string; noun?: string } | undefined;
  const groupBy: string[] = [];
  const selected: string[] = [];
  ws.forEach((w, i) => {
    const a = aggregates.find(([re]) => re.test(w));
    if (a && !agg) {
      const next = ws.slice(i + 1).find((x) => !stop.has(x));
      agg = { fn: a[1], label: a[2], noun: next };
      return;
    }
    const col = cols.find((c) => matches(c.name, w));
    if (!col) return;
    const afterBy = i > 0 && ['by', 'per', 'each'].includes(ws[i - 1]);
    if (afterBy) {
      if (!groupBy.includes(col.name)) groupBy.push(col.name);
    } else if (!selected.includes(col.name)) selected.push(col.name);
  });
  const table = ident(schema.dataSourceName);
  if (agg) {
    let measure = selected.find((n) => numericTypes.has(cols.find((c) => c.name === n)!.type.toUpperCase()));
    if (!measure && agg.fn !== 'COUNT') {
      // no numeric column named: the one that looks most like a measure (amount, revenue...) rather than a key (store, id)
      const rank = (n: string) => (measureWords.test(n) ? 0 : keyWords.test(n) ? 2 : 1);
      measure = cols
        .filter((c) => numericTypes.has(c.type.toUpperCase()) && !groupBy.includes(c.name))
        .map((c, i) => ({ n: c.name, r: rank(c.name.toLowerCase()), i }))
        .sort((a, b) => a.r - b.r || a.i - b.i)[0]?.n;
    }
    const nounIsColumn = agg.noun !== undefined && cols.some((c) => matches(c.name, agg!.noun!));
    const alias = `${agg.label}_${agg.noun && !nounIsColumn ? agg.noun : (measure ?? 'rows')}`.replace(/[^A-Za-z0-9_]/g, '_');
    const expr = agg.fn === 'COUNT' && !measure ? 'COUNT(*)' : `${agg.fn}(${ident(measure!)})`;
    const dims = [...new Set([...groupBy, ...selected.filter((n) => n !== measure && !numericTypes.has(cols.find((c) => c.name === n)!.type.toUpperCase()))])];
    const select = [...dims.map(ident), `${expr} AS ${alias}`].join(', ');
    return `SELECT ${select} FROM ${table}${dims.length ? ` GROUP BY ${dims.map(ident).join(', ')}` : ''}`;
  }
  const list = [...new Set([...selected, ...groupBy])];
  return `SELECT ${list.length ? list.map(ident).join(', ') : '*'} FROM ${table}${groupBy.length ? ` ORDER BY ${groupBy.map(ident).join(', ')}` : ''}`;
}

/** Sentences split at . ! ? followed by space and a capital letter or digit (so "U.S. state" stays whole). */
export function sentences(text: string): string[] {
  return text
    .replace(/\s+/g, ' ')
    .trim()
    .split(/(?<=[.!?])\s+(?=[A-Z0-9"“])(?<!\b[A-Z]\.\s)/)
    .map((s) => s.trim())
    .filter(Boolean);
}

export function summarize(text: string, opts: { style?: 'BULLETED' | 'NUMBERED' | 'PARAGRAPH'; minWords?: number; maxWords?: number }): string {
  const list = sentences(text);
  if (!list.length) return '';
  const freq = new Map<string, number>();
  for (const w of words(text)) if (!stop.has(w) && w.length > 2) freq.set(w, (freq.get(w) ?? 0) + 1);
  const scored = list.map((s, i) => {
    const ws = words(s).filter((w) => !stop.has(w) && w.length > 2);
    const sc = ws.reduce((a, w) => a + (freq.get(w) ?? 0), 0) / Math.max(1, ws.length) + (i === 0 ? 1 : 0);
    return { s, i, sc };
  });
  const keep = Math.max(1, Math.ceil(list.length / 3));
  let chosen = [...scored].sort((a, b) => b.sc - a.sc || a.i - b.i).slice(0, keep).sort((a, b) => a.i - b.i).map((x) => x.s);
  if (opts.maxWords !== undefined) {
    const out: string[] = [];
    let n = 0;
    for (const s of chosen) {
      const ws = s.split(/\s+/);
      if (n + ws.length <= opts.maxWords) {
        out.push(s);
        n += ws.length;
      } else {
        if (n < (opts.minWords ?? 1) || out.length === 0) out.push(ws.slice(0, opts.maxWords - n).join(' ').replace(/[,;:]$/, '') + '.');
        break;
      }
    }
    chosen = out.length ? out : [list[0].split(/\s+/).slice(0, opts.maxWords).join(' ')];
  }
  if (opts.style === 'BULLETED') return chosen.map((s) => `- ${s}`).join('\n');
  if (opts.style === 'NUMBERED') return chosen.map((s, i) => `${i + 1}. ${s}`).join('\n');
  return chosen.join(' ');
}
