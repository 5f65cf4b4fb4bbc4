import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, sourceBundle, testHome } from '../helpers/cli.js';

// `domo-emulator app` as the README runs it: one command serves the example app with its sample data.
const root = join(import.meta.dirname, '..', '..');
const db = mkdtempSync(join(tmpdir(), 'domo-e2e-app-'));
afterAll(() => rmSync(db, { recursive: true, force: true }));

async function startApp(args: string[]) {
  const proc = spawn(process.execPath, [await sourceBundle(), 'app', ...args], {
    cwd: root,
    env: { ...process.env, DOMO_EMULATOR_HOME: testHome },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  proc.stderr.on('data', (d) => (err += d));
  const ready = new Promise<{ url: string; session: string; stdout: string }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`app did not start; stderr: ${err}`)), 20_000);
    proc.stdout.on('data', (d) => {
      out += d;
      const url = /^domo-emulator app: \S+ on (\S+)$/m.exec(out)?.[1];
      const session = /^app session for .*: (\S+)$/m.exec(out)?.[1];
      if (url && session && /developer token: /.test(out)) {
        clearTimeout(timer);
        resolve({ url, session, stdout: out });
      }
    });
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`app exited with ${code}; stderr: ${err}`));
    });
  });
  const stop = () =>
    new Promise<number | null>((res) => {
      if (proc.exitCode !== null) return res(proc.exitCode);
      proc.once('exit', (code) => res(code));
      proc.kill('SIGTERM');
    });
  return { ready, stop };
}

describe('domo-emulator app (the CLI)', () => {
  it('serves the example with its sample data in one command, and keeps the data in --db', async () => {
    const args = ['examples/sales-dashboard', '--data', 'sales=examples/sales-dashboard/sales.csv', '--port', '0', '--db', db, '--log-level', 'warn'];
    const first = await startApp(args);
    const { url, session, stdout } = await first.ready;
    expect(stdout).toMatch(/^dataset 5168da8d-1c72-4e31-ba74-f609f73071dd \(sales\) created from .*sales\.csv: 55 rows, 5 columns$/m);
    expect(url).toMatch(/\/\?userId=587894148&customer=default/);
    const page = await fetch(url);
    expect(await page.text()).toContain(`window.__RYUU_SID__ = "${session}"`);
    const origin = new URL(url).origin;
    const data = await fetch(`${origin}/data/v1/sales?fields=region,amount&groupby=region`, { headers: { 'X-DOMO-Ryuu-Session': session } });
    const rows = (await data.json()) as Array<{ region: string; amount: number }>;
    expect(rows.map((r) => r.region).sort()).toEqual(['Central', 'East', 'South', 'West']);
    expect(await first.stop()).toBe(0);

    // a second start on the same --db finds the dataset (and the registered app) already there
    const second = await startApp(args);
    const again = await second.ready;
    expect(again.stdout).toContain('dataset 5168da8d-1c72-4e31-ba74-f609f73071dd (sales) exists: kept as it is');
    const apps = await fetch(`${new URL(again.url).origin}/_emulator/apps`);
    expect(((await apps.json()) as Array<{ id: string }>).map((a) => a.id)).toEqual(['local-sales-dashboard']);
    expect(await second.stop()).toBe(0);
  });

  it('explains its flags and refuses bad ones', async () => {
    const help = await runCli(['app', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: domo-emulator app <dir> [options]');
    const none = await runCli(['app']);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/app takes one directory/);
    const bad = await runCli(['app', 'examples/sales-dashboard', '--data', 'sales']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--data must be alias=file.csv/);
    const who = await runCli(['app', 'examples/sales-dashboard', '--as', '42', '--port', '0']);
    expect(who.code).toBe(2);
    expect(who.stderr).toMatch(/--as 42: no such user/);
  });
});
