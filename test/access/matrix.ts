/**
 * The access matrix: table-driven rows, one per (route, persona), run in order against one in-process
 * emulator. Each family has a setup that builds its small world (objects owned by a non-admin, grants
 * given to another user), named values (`{ds}`) that rows use in paths and bodies, and `probes`: the
 * admin reads whose answers a refused call must leave unchanged.
 *
 * A row's `as` is a persona of the family (admin, owner, granted, none, norole, ...) mapped to a user by
 * the family's `who`; the label says both, so a failure names who was refused what.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_ID, ADMIN_TOKEN, EDITOR_ID, EDITOR_TOKEN, PARTICIPANT_ID, PARTICIPANT_TOKEN, expectErrorShape, testApp } from '../helpers/app.js';

/** Fixture users by nickname (fixtures/users.json; roles in fixtures/roles.json). */
export const USERS = {
  admin: ADMIN_ID, // Jae Wilson, Admin (1)
  scott: 27, // Scott Thompson, Admin (1)
  priv: 1249569521, // Dana Ortiz, Privileged (2)
  editor: EDITOR_ID, // Bryan Van Kampen, Editor (3)
  editor2: 1345408759, // Alexis Lorenz, Editor (3)
  part: PARTICIPANT_ID, // John Doe, Participant (4)
  sam: 112321221, // Sam Rivera, Participant (4)
  social: 901234, // Priya Shah, Social (5)
} as const;
export type Nick = keyof typeof USERS;

const fixtureTokens: Partial<Record<Nick, string>> = { admin: ADMIN_TOKEN, editor: EDITOR_TOKEN, part: PARTICIPANT_TOKEN };
export const tokenOf = (n: Nick): string => fixtureTokens[n] ?? `matrix-token-${USERS[n]}`;

export type World = Record<string, string | number>;
/** A read of state without a route (families whose reads the reference does not document). */
export type Reader = (t: Api, w: World) => unknown;
export type Api = ReturnType<typeof testApp>;
export type Res = Awaited<ReturnType<Api['call']>>;

export interface Case {
  /** The policy action the route asks for (docs/access.md), for the label and the coverage count. */
  action: string;
  /** A persona of the family (`who`), or a user nickname. */
  as: string;
  method: string;
  /** `{name}` is replaced by the world's value. */
  path: string;
  /** Strings `{name}` inside are replaced (a whole-string placeholder keeps the value's type). */
  body?: unknown;
  /** A raw body (CSV, bytes) with its content type. */
  raw?: string;
  type?: string;
  status: number;
  /** For 403s: what the message must name after "Missing " (`authority user.manage`, `grant CAN_EDIT`). */
  missing?: string;
  /** For 400s: the fields the error's details must name (`body.userIds[0]`). */
  fields?: string[];
  /** For 403s that are not a missing right (identity rules): a pattern the message must match. */
  deny?: RegExp;
  /** After an allowed call: an admin read (or a read of the store, where the family has no read route) and what it must show. */
  readback?: [read: string | Reader, check: (json: any, w: World, res: Res) => void];
  /** A check of the answer itself (what the caller was shown). */
  answer?: (json: any, w: World) => void;
  /** Store values of the answer in the world for later rows (`{ key: json => value }`). */
  keep?: Record<string, (json: any) => string | number>;
}

export interface Family {
  name: string;
  /** persona -> user nickname */
  who: Record<string, Nick>;
  /** Builds the family's objects (as their owners, through the API); returns the named values. */
  setup?: (api: Helpers) => Promise<World>;
  /** Admin reads (or store reads, where the family has no read route) a refused call must leave unchanged. */
  probes: Array<string | Reader>;
  rows: Case[];
  /** Reset the instance before this family (default true). */
  reset?: boolean;
}

export interface Helpers {
  t: Api;
  /** A call as a user; throws unless it answers 2xx (setup must not fail silently). */
  as(n: Nick, method: string, path: string, body?: unknown, opts?: { raw?: string; type?: string }): Promise<any>;
}

export function fill(v: unknown, w: World): unknown {
  if (typeof v === 'string') {
    const whole = /^\{(\w+)\}$/.exec(v);
    if (whole && whole[1] in w) return w[whole[1]];
    return v.replace(/\{(\w+)\}/g, (m, k: string) => (k in w ? String(w[k]) : m));
  }
  if (Array.isArray(v)) return v.map((x) => fill(x, w));
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fill(x, w)]));
  return v;
}

/** Cases run, by family and persona (for the report printed at the end of each file). */
export const coverage: Array<{ family: string; as: string; action: string; status: number }> = [];

/** Mints the fixed tokens of every fixture user that has none (after each reset). */
async function mintTokens(t: Api): Promise<void> {
  for (const n of Object.keys(USERS) as Nick[]) {
    if (fixtureTokens[n]) continue;
    const res = await t.call('POST', '/_emulator/tokens', { body: { userId: USERS[n], token: tokenOf(n) }, token: null });
    if (res.status !== 200) throw new Error(`token for ${n}: ${res.status} ${res.text}`);
  }
}

export function helpers(t: Api): Helpers {
  return {
    t,
    async as(n, method, path, body, opts = {}) {
      const headers: Record<string, string> = { 'X-DOMO-Developer-Token': tokenOf(n) };
      if (opts.type) headers['Content-Type'] = opts.type;
      const res = await t.call(method, path, { body, raw: opts.raw, headers });
      if (res.status >= 300) throw new Error(`setup ${method} ${path} as ${n}: ${res.status} ${res.text}`);
      return res.json;
    },
  };
}

async function read(t: Api, w: World, r: string | Reader): Promise<{ status: number; json: any; text: string }> {
  if (typeof r === 'string') return t.call('GET', fill(r, w) as string);
  const json = JSON.parse(JSON.stringify(r(t, w) ?? null));
  return { status: 200, json, text: '' };
}

async function snapshot(t: Api, w: World, probes: Array<string | Reader>): Promise<unknown[]> {
  const out: unknown[] = [];
  for (const p of probes) {
    const r = await read(t, w, p);
    // an error's toe is per request; everything else must be the same
    const body = r.json && typeof r.json === 'object' && 'toe' in r.json ? { ...r.json, toe: undefined } : (r.json ?? r.text);
    out.push({ probe: typeof p === 'string' ? p : p.toString(), status: r.status, body });
  }
  return out;
}

export const label = (f: Family, c: Case): string => {
  const nick = (f.who[c.as] ?? c.as) as Nick;
  const persona = nick === c.as ? c.as : `${c.as}=${nick}`;
  return `${c.action}: ${c.method} ${c.path} as ${persona} -> ${c.status}`;
};

/** Runs one family: reset, tokens, setup, then every row in order, each as its own test. */
export function runFamily(t: Api, f: Family): void {
  describe(f.name, () => {
    const w: World = {};
    beforeAll(async () => {
      if (f.reset !== false) t.registry.reset('default');
      await mintTokens(t);
      for (const k of Object.keys(w)) delete w[k];
      Object.assign(w, { ...Object.fromEntries(Object.entries(USERS)), ...(f.setup ? await f.setup(helpers(t)) : {}) });
    });
    for (const c of f.rows) {
      it(label(f, c), async () => {
        const nick = (f.who[c.as] ?? c.as) as Nick;
        if (!(nick in USERS)) throw new Error(`unknown persona ${c.as} in ${f.name}`);
        coverage.push({ family: f.name, as: c.as, action: c.action, status: c.status });
        const path = fill(c.path, w) as string;
        const refused = c.status >= 400;
        const before = refused ? await snapshot(t, w, f.probes) : [];
        const headers: Record<string, string> = { 'X-DOMO-Developer-Token': tokenOf(nick) };
        if (c.type) headers['Content-Type'] = c.type;
        const res = await t.call(c.method, path, { body: c.body === undefined ? undefined : fill(c.body, w), raw: c.raw, headers });
        if (res.status !== c.status) throw new Error(`${c.method} ${path} as ${nick}: expected ${c.status}, got ${res.status}: ${res.text.slice(0, 400)}`);
        if (refused) {
          const err = expectErrorShape(res, c.status);
          if (c.status === 403) {
            if (c.deny) expect(err.message).toMatch(c.deny);
            else {
              expect(err.message).toMatch(/^Missing (authority|grant) /);
              if (c.missing) expect(err.message).toContain(`Missing ${fill(c.missing, w)}`);
            }
          }
          if (c.fields) expect((err.details ?? []).map((d) => d.path)).toEqual(c.fields);
          // a refused call changes nothing
          expect(await snapshot(t, w, f.probes)).toEqual(before);
        } else {
          if (c.answer) c.answer(res.json, w);
          for (const [k, get] of Object.entries(c.keep ?? {})) w[k] = get(res.json);
          if (c.readback) {
            const rb = await read(t, w, c.readback[0]);
            c.readback[1](rb.json, w, res);
          }
        }
      });
    }
  });
}

/** One emulator per matrix file; families reset it. */
export function matrix(families: Family[]): Api {
  const t = testApp();
  for (const f of families) runFamily(t, f);
  return t;
}
