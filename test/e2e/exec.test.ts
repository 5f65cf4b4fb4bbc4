import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { sourceBundle, testHome } from '../helpers/cli.js';

function exec(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return sourceBundle().then(
    (bundle) =>
      new Promise((resolve) => {
        const proc = spawn(process.execPath, [bundle, 'exec', ...args], { env: { ...process.env, DOMO_EMULATOR_HOME: testHome, PORT: '', DOMO_EMULATOR_DB: '' } });
        let stdout = '';
        let stderr = '';
        proc.stdout.on('data', (d) => (stdout += d));
        proc.stderr.on('data', (d) => (stderr += d));
        proc.once('exit', (code) => resolve({ code, stdout, stderr }));
      }),
  );
}

// the command run under exec: calls the emulator with the exported variables, prints what it got, exits 3
const script = `
const res = await fetch(process.env.DOMO_EMULATOR_URL + '/api/identity/v1/users/587894148', {
  headers: { 'X-DOMO-Developer-Token': process.env.DOMO_DEVELOPER_TOKEN, 'X-Domo-Instance': process.env.DOMO_INSTANCE },
});
console.log(JSON.stringify({ url: process.env.DOMO_EMULATOR_URL, instance: process.env.DOMO_INSTANCE, status: res.status, body: (await res.text()).length }));
process.exit(Number(process.argv[1] ?? 0));
`;

describe('domo-emulator exec -- <command>', () => {
  it('runs the command against a started emulator with the variables set, and exits with its code', async () => {
    const r = await exec(['--', process.execPath, '--input-type=module', '-e', script, '3']);
    expect(r.code, r.stderr).toBe(3);
    const out = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
    expect(out.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(out.url).not.toBe('http://127.0.0.1:8080');
    expect(out).toMatchObject({ instance: 'default', status: 200 });
    expect(out.body).toBeGreaterThan(10);
    const ok = await exec(['--', process.execPath, '-e', 'process.exit(0)']);
    expect(ok.code).toBe(0);
  });

  it('answers 127 for a command that cannot start and 2 with no command', async () => {
    expect((await exec(['--', '/nonexistent/command-xyz'])).code).toBe(127);
    const none = await exec([]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('exec needs a command');
  });
});
