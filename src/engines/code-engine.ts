/**
 * The functions fixture Code Engine packages point at, implemented here in TypeScript. Client code is
 * never evaluated: a package function names one of these implementations.
 */
export interface FnContext {
  log(line: string): void;
  /** A stored execution by id (getExecutionDetails). */
  execution(id: string): Record<string, unknown> | undefined;
}

export type Impl = (inputs: Record<string, unknown>, ctx: FnContext) => unknown;

export const implementations: Record<string, Impl> = {
  addNumbers: ({ a, b }, ctx) => {
    ctx.log(`adding ${a} and ${b}`);
    return (a as number) + (b as number);
  },
  multiplyNumbers: ({ a, b }) => (a as number) * (b as number),
  sumList: ({ values }, ctx) => {
    const list = values as number[];
    ctx.log(`summing ${list.length} values`);
    return list.reduce((s, v) => s + v, 0);
  },
  concatStrings: ({ first, second, separator }) => `${first}${separator ?? ''}${second}`,
  toUpperCase: ({ text }) => (text as string).toUpperCase(),
  slugify: ({ text }) =>
    (text as string)
      .toLowerCase()
      .normalize('NFKD')
      .replace(/[^\p{L}\p{N}]+/gu, '-')
      .replace(/^-+|-+$/g, ''),
  wordCount: ({ text }) => ((text as string).match(/[\p{L}\p{N}']+/gu) ?? []).length,
  getExecutionDetails: ({ executionId }, ctx) => {
    const e = ctx.execution(executionId as string);
    ctx.log(e ? `found execution ${executionId}` : `no execution ${executionId}`);
    return e ?? null;
  },
};
