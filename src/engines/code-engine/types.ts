/**
 * Code Engine function declarations: the manifest schema Domo's clients send, the data types an input or
 * an output may have, and the checks a run applies on the way in (inputs) and on the way out (result).
 * Pure: no HTTP, no database, no sandbox.
 */
import { z } from 'zod';

/**
 * The data types of Domo's Code Engine editor (Account, Boolean, DataSet, Date, Datetime, Decimal, Duration,
 * Group, Number, Object, Person, Text, Time), in the lowercase spelling the API uses, plus `integer`,
 * `string` (= text) and `user` (= person), which clients also send.
 */
export const codeEngineTypes = [
  'text', 'string', 'number', 'integer', 'decimal', 'boolean', 'date', 'datetime', 'time', 'duration',
  'object', 'dataset', 'account', 'group', 'person', 'user',
] as const;
export type CodeEngineType = (typeof codeEngineTypes)[number];

/** Types whose values are ids of Domo objects: passed to the function as strings. */
const idTypes = new Set<string>(['dataset', 'account', 'group', 'person', 'user']);

const identifier = z
  .string()
  .regex(/^[A-Za-z_$][A-Za-z0-9_$]*$/, 'must be a JavaScript identifier (the name the code defines)')
  .max(128);

const typeName = z
  .string()
  .transform((s) => s.toLowerCase())
  .pipe(z.enum(codeEngineTypes, { error: `must be one of ${codeEngineTypes.join(', ')}` }));

/** One input parameter, or the output, of a function. Unknown keys (defaultValue, children...) are kept. */
export const paramSchema = z.looseObject({
  name: identifier,
  displayName: z.string().max(255).nullish(),
  type: typeName,
  nullable: z.boolean().default(false),
  isList: z.boolean().default(false),
});
export type ParamDecl = z.output<typeof paramSchema>;

export const outputSchema = paramSchema.extend({ name: z.string().max(128).default('result') });
export type OutputDecl = z.output<typeof outputSchema>;

export const functionSchema = z.looseObject({
  name: identifier,
  displayName: z.string().max(255).nullish(),
  description: z.string().max(4000).nullish(),
  isPrivate: z.boolean().default(false),
  inputs: z.array(paramSchema).max(100).default([]),
  output: outputSchema.nullish(),
});
export type FunctionDecl = z.output<typeof functionSchema>;

export const configurationSchema = z.looseObject({ accountsMapping: z.array(z.unknown()).default([]) }).default({ accountsMapping: [] });

/** The functions of a version: names unique, input names unique within a function. */
export const functionsSchema = z
  .array(functionSchema)
  .max(200)
  .superRefine((fns, ctx) => {
    const seen = new Set<string>();
    fns.forEach((f, i) => {
      if (seen.has(f.name)) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `function '${f.name}' is declared twice` });
      seen.add(f.name);
      const inputs = new Set<string>();
      f.inputs.forEach((p, j) => {
        if (inputs.has(p.name)) ctx.addIssue({ code: 'custom', path: [i, 'inputs', j, 'name'], message: `input '${p.name}' is declared twice` });
        inputs.add(p.name);
      });
    });
  });

/** How a value is named in messages: Domo's type names (text, list, ...). */
export function kindOf(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return 'list';
  if (typeof v === 'string') return 'text';
  return typeof v;
}

const datePattern = /^\d{4}-\d{2}-\d{2}$/;
const dateTimePattern = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?$/;
const timePattern = /^\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?$/;
const durationPattern = /^-?P(?!$)(\d+(\.\d+)?Y)?(\d+(\.\d+)?M)?(\d+(\.\d+)?W)?(\d+(\.\d+)?D)?(T(?=\d)(\d+(\.\d+)?H)?(\d+(\.\d+)?M)?(\d+(\.\d+)?S)?)?$/;

const validDate = (s: string) => !Number.isNaN(Date.parse(s.length === 10 ? `${s}T00:00:00Z` : s));

/**
 * One scalar value against a type: the value to hand over (ids become strings), or a reason it does not
 * fit. Date-like types travel as ISO strings (JSON has no dates).
 */
export function coerceScalar(type: string, v: unknown): { ok: true; value: unknown } | { ok: false; hint?: string } {
  switch (type) {
    case 'text':
    case 'string':
      return typeof v === 'string' ? { ok: true, value: v } : { ok: false };
    case 'number':
    case 'decimal':
      return typeof v === 'number' && Number.isFinite(v) ? { ok: true, value: v } : { ok: false };
    case 'integer':
      return typeof v === 'number' && Number.isInteger(v) ? { ok: true, value: v } : { ok: false, hint: 'a whole number' };
    case 'boolean':
      return typeof v === 'boolean' ? { ok: true, value: v } : { ok: false };
    case 'date':
      return typeof v === 'string' && (datePattern.test(v) || dateTimePattern.test(v)) && validDate(v) ? { ok: true, value: v } : { ok: false, hint: 'YYYY-MM-DD' };
    case 'datetime':
      return typeof v === 'string' && (dateTimePattern.test(v) || datePattern.test(v)) && validDate(v) ? { ok: true, value: v } : { ok: false, hint: 'an ISO 8601 date-time' };
    case 'time':
      return typeof v === 'string' && timePattern.test(v) ? { ok: true, value: v } : { ok: false, hint: 'HH:MM[:SS]' };
    case 'duration':
      if (typeof v === 'number' && Number.isFinite(v)) return { ok: true, value: v };
      return typeof v === 'string' && durationPattern.test(v) ? { ok: true, value: v } : { ok: false, hint: 'milliseconds or an ISO 8601 duration' };
    case 'object':
      return typeof v === 'object' && v !== null && !Array.isArray(v) ? { ok: true, value: v } : { ok: false };
    default:
      if (idTypes.has(type)) {
        if (typeof v === 'string' && v.trim() !== '') return { ok: true, value: v };
        if (typeof v === 'number' && Number.isFinite(v)) return { ok: true, value: String(v) };
        return { ok: false, hint: 'an id' };
      }
      return { ok: false };
  }
}

export type Checked = { ok: true; value: unknown } | { ok: false; message: string };

/** A whole value (null, a list or a scalar) against a declaration. `undefined` counts as null. */
export function checkValue(decl: { type: string; isList?: boolean; nullable?: boolean }, v: unknown): Checked {
  const expected = `${decl.isList ? 'list of ' : ''}${decl.type}`;
  if (v === null || v === undefined) return decl.nullable ? { ok: true, value: null } : { ok: false, message: `Expected ${expected}, got null` };
  if (decl.isList) {
    if (!Array.isArray(v)) return { ok: false, message: `Expected ${expected}, got ${kindOf(v)}` };
    const out: unknown[] = [];
    for (let i = 0; i < v.length; i++) {
      const r = coerceScalar(decl.type, v[i]);
      if (!r.ok) return { ok: false, message: `Expected ${expected}, got ${kindOf(v[i])} at [${i}]${r.hint ? ` (${decl.type} is ${r.hint})` : ''}` };
      out.push(r.value);
    }
    return { ok: true, value: out };
  }
  const r = coerceScalar(decl.type, v);
  if (!r.ok) return { ok: false, message: `Expected ${expected}, got ${kindOf(v)}${r.hint ? ` (${decl.type} is ${r.hint})` : ''}` };
  return r;
}

export interface InputProblem {
  path: string;
  message: string;
}

/**
 * The request's inputVariables against a function's inputs: the positional arguments to call it with,
 * or the problems (missing, mistyped, unknown), each naming `body.inputVariables.<name>`.
 * An omitted nullable input is passed as null.
 */
export function bindInputs(fn: FunctionDecl, inputs: Record<string, unknown>): { args: unknown[]; problems: InputProblem[] } {
  const args: unknown[] = [];
  const problems: InputProblem[] = [];
  for (const p of fn.inputs) {
    const v = inputs[p.name];
    if (v === undefined || (v === null && !p.nullable)) {
      if (v === undefined && p.nullable) args.push(null);
      else problems.push({ path: `body.inputVariables.${p.name}`, message: `Required (${p.isList ? 'list of ' : ''}${p.type})` });
      continue;
    }
    const r = checkValue(p, v);
    if (r.ok) args.push(r.value);
    else problems.push({ path: `body.inputVariables.${p.name}`, message: r.message });
  }
  for (const k of Object.keys(inputs)) if (!fn.inputs.some((p) => p.name === k)) problems.push({ path: `body.inputVariables.${k}`, message: `Not an input of ${fn.name}` });
  return { args, problems };
}

/** Domo's errorInformation: the declared output against what the function gave back, and the messages. */
export interface ErrorInformation {
  result: unknown;
  expectedType: string | null;
  actualType: string | null;
  expectedIsList: boolean;
  actualIsList: boolean | null;
  expectedAllowNull: boolean;
  errorMessages: string[];
}

export function errorInformation(fn: FunctionDecl, fields: Partial<ErrorInformation> & { errorMessages: string[] }): ErrorInformation {
  return {
    result: null,
    expectedType: fn.output?.type ?? null,
    actualType: null,
    expectedIsList: fn.output?.isList ?? false,
    actualIsList: null,
    expectedAllowNull: fn.output?.nullable ?? true,
    ...fields,
  };
}

/**
 * A returned value against the output declaration. `kind` is what the sandbox saw before JSON (so a NaN
 * or a function is named as such, not as the null JSON turns it into).
 */
export function checkResult(fn: FunctionDecl, kind: string, value: unknown): { ok: true; value: unknown } | { ok: false; info: ErrorInformation } {
  const out = fn.output;
  const unserializable = ['function', 'symbol', 'bigint', 'NaN', 'Infinity', '-Infinity'];
  if (!out) {
    if (unserializable.includes(kind)) return { ok: false, info: errorInformation(fn, { actualType: kind, actualIsList: false, errorMessages: [`${fn.name} returned a ${kind}, which cannot be sent back as JSON`] }) };
    return { ok: true, value: value ?? null };
  }
  const actualType = unserializable.includes(kind) ? kind : kind === 'undefined' ? 'null' : kind === 'date' ? 'datetime' : kindOf(value);
  const r = unserializable.includes(kind) ? ({ ok: false, message: `Expected ${out.isList ? 'list of ' : ''}${out.type}, got ${kind}` } as const) : checkValue(out, value);
  if (r.ok) return r;
  return {
    ok: false,
    info: errorInformation(fn, {
      result: value ?? null,
      actualType,
      actualIsList: Array.isArray(value),
      errorMessages: [`The result of ${fn.name} does not match its output '${out.name}': ${r.message}`],
    }),
  };
}
