import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, startCli, testHome } from '../helpers/cli.js';

const TOKEN = 'domo-emulator-admin-token';
const root = join(import.meta.dirname, '..', '..');
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'domo-e2e-https-'));
  dirs.push(d);
  return d;
};

/** The variables `env --shell bash` printed, as bash itself reads them. */
function bashVars(script: string): Record<string, string> {
  const r = spawnSync('bash', ['-c', `${script}\nenv -0`], { encoding: 'utf8', env: { PATH: process.env.PATH } });
  return Object.fromEntries(r.stdout.split('\0').filter(Boolean).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
}

/** Runs a program with exactly the variables a user's shell would have after `eval "$(domo-emulator env)"`. */
function runWith(vars: Record<string, string>, cmd: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const proc = spawn(cmd, args, { cwd: root, env: { PATH: process.env.PATH, HOME: process.env.HOME, ...vars }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  proc.stdout.on('data', (d) => (stdout += d));
  proc.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve) => proc.once('exit', (code) => resolve({ code, stdout, stderr })));
}

const has = (cmd: string, args: string[]) => spawnSync(cmd, args).status === 0;
const curl = has('curl', ['--version']);
const pythonRequests = has('python3', ['-c', 'import requests']);

describe('the CLI with --https, and domo-emulator env', () => {
  const db = tempDir();
  const started = startCli(['--https', '--port', '0', '--db', db, '--log-level', 'warn']);
  let vars: Record<string, string>;
  afterAll(async () => (await started).stop());

  it('prints the HTTPS URL and the CA file, made on first start under the data directory', async () => {
    const cli = await started;
    const port = new URL(cli.url).port;
    expect(cli.stdout).toContain(`HTTPS on the same port: https://127.0.0.1:${port}; HTTPS proxy for *.domo.com: HTTPS_PROXY=http://127.0.0.1:${port}`);
    expect(cli.stdout).toContain(`CA certificate: ${join(db, 'ca', 'ca.pem')} (new: trust this file)`);
    expect(readFileSync(join(db, 'ca', 'ca.pem'), 'utf8')).toMatch(/^-----BEGIN CERTIFICATE-----/);
    const state = JSON.parse(readFileSync(join(db, 'server.json'), 'utf8'));
    expect(state).toMatchObject({ pid: cli.proc.pid, port: Number(port), https: true, caFile: join(db, 'ca', 'ca.pem'), token: TOKEN });
  });

  it('env finds the running server by its data directory and prints bash lines that bash reads back', async () => {
    const cli = await started;
    const r = await runCli(['env', '--db', db, '--shell', 'bash', '--instance', 'acme']);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[0]).toMatch(new RegExp(`^# domo-emulator running on ${cli.url} \\(pid ${cli.proc.pid}`));
    vars = bashVars(r.stdout);
    expect(vars).toMatchObject({
      DOMO_EMULATOR_URL: cli.url,
      DOMO_INSTANCE: 'acme',
      DOMO_DEVELOPER_TOKEN: TOKEN,
      HTTPS_PROXY: cli.url,
      NO_PROXY: 'localhost,127.0.0.1,::1,.localhost',
      NODE_EXTRA_CA_CERTS: join(db, 'ca', 'ca.pem'),
      SSL_CERT_FILE: join(db, 'ca', 'ca-bundle.pem'),
      REQUESTS_CA_BUNDLE: join(db, 'ca', 'ca-bundle.pem'),
      CURL_CA_BUNDLE: join(db, 'ca', 'ca-bundle.pem'),
    });
  });

  it('prints fish and PowerShell lines too', async () => {
    const cli = await started;
    const fish = await runCli(['env', '--db', db, '--shell', 'fish']);
    expect(fish.stdout).toContain(`set -gx HTTPS_PROXY '${cli.url}'`);
    expect(fish.stdout).toContain(`set -gx NODE_EXTRA_CA_CERTS '${join(db, 'ca', 'ca.pem')}'`);
    const ps = await runCli(['env', '--db', db, '--shell', 'powershell']);
    expect(ps.stdout).toContain(`$env:HTTPS_PROXY = '${cli.url}'`);
    expect(ps.stdout).toContain(`$env:DOMO_DEVELOPER_TOKEN = '${TOKEN}'`);
    expect(ps.stdout.trim().split('\n')).toHaveLength(10); // the comment and nine variables
    // the default shell comes from $SHELL
    const fromShell = await runCli(['env', '--db', db], { SHELL: '/usr/bin/fish' });
    expect(fromShell.stdout).toContain('set -gx DOMO_INSTANCE ');
    expect((await runCli(['env', '--shell', 'tcsh'])).code).toBe(2);
  });

  it.skipIf(!curl)('curl with nothing but those variables reaches https://acme.domo.com as instance acme', async () => {
    const r = await runWith(vars, 'curl', ['-sS', '--max-time', '10', '-H', `X-DOMO-Developer-Token: ${TOKEN}`, 'https://acme.domo.com/_emulator/health']);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout).instance).toBe('acme');
  });

  it("Node's global fetch with those variables and undici's EnvHttpProxyAgent (the README recipe) reaches acme", async () => {
    const script = [
      "import { EnvHttpProxyAgent, setGlobalDispatcher } from 'undici';",
      'setGlobalDispatcher(new EnvHttpProxyAgent());',
      "const res = await fetch('https://acme.domo.com/api/identity/v1/users', { headers: { 'X-DOMO-Developer-Token': process.env.DOMO_DEVELOPER_TOKEN } });",
      "const health = await fetch('https://acme.domo.com/_emulator/health');",
      'console.log(JSON.stringify({ status: res.status, instance: (await health.json()).instance }));',
    ].join('\n');
    const r = await runWith(vars, process.execPath, ['--input-type=module', '-e', script]);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual({ status: 200, instance: 'acme' });
  });

  it.skipIf(!pythonRequests)('Python requests with those variables reaches https://acme.domo.com as instance acme', async () => {
    const script = [
      'import os, requests',
      "r = requests.get('https://acme.domo.com/api/identity/v1/users', headers={'X-DOMO-Developer-Token': os.environ['DOMO_DEVELOPER_TOKEN']})",
      "h = requests.get('https://acme.domo.com/_emulator/health')",
      "print(r.status_code, h.json()['instance'])",
    ].join('\n');
    const r = await runWith(vars, 'python3', ['-c', script]);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('200 acme');
  });
  if (!pythonRequests) it('Python requests recipe (skipped: python3 with requests is not installed here)', () => {});

  it('removes its state file at exit; env then says so, and a restart keeps the same CA', async () => {
    const cli = await started;
    expect(await cli.stop('SIGTERM')).toBe(0);
    expect(existsSync(join(db, 'server.json'))).toBe(false);
    const r = await runCli(['env', '--db', db, '--shell', 'bash']);
    expect(r.stdout.split('\n')[0]).toBe(`# no running domo-emulator found in ${db}: values from flags and defaults`);
    expect(r.stdout).toContain("export DOMO_EMULATOR_URL='http://127.0.0.1:8080'");
    expect(r.stdout).not.toContain('HTTPS_PROXY');
    expect((await runCli(['env', '--db', db, '--https', '--port', '9000'])).stdout).toContain(`export NODE_EXTRA_CA_CERTS='${join(db, 'ca', 'ca.pem')}'`);
    const again = await startCli(['--https', '--port', '0', '--db', db, '--log-level', 'warn']);
    expect(again.stdout).toContain(`CA certificate: ${join(db, 'ca', 'ca.pem')}`);
    expect(again.stdout.join('\n')).not.toContain('(new: trust this file)');
    await again.stop();
  });

  it('keeps the CA in the per-user directory with --db :memory:, and takes DOMO_EMULATOR_HTTPS', async () => {
    const cli = await startCli(['--port', '0', '--db', ':memory:', '--log-level', 'warn'], { DOMO_EMULATOR_HTTPS: '1' });
    expect(cli.stdout.join('\n')).toContain(`CA certificate: ${join(testHome, 'ca', 'ca.pem')}`);
    const r = await runCli(['env', '--db', ':memory:', '--shell', 'bash']);
    expect(r.stdout).toContain(`export HTTPS_PROXY='${cli.url}'`);
    await cli.stop();
  });
});
