import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { bundlePath, startCli } from '../helpers/cli.js';

const headers = { 'X-DOMO-Developer-Token': 'domo-emulator-admin-token', 'Content-Type': 'application/json' };
const post = async (url: string, body: unknown) => {
  const res = await fetch(url, { method: 'POST', headers, body: JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as any };
};

describe('Code Engine through the built CLI (the bundle finds its sandbox worker)', () => {
  it('runs fixture and user code; a runaway loop is cut at --code-engine-timeout while health answers', async () => {
    expect(existsSync(bundlePath), 'dist/domo-emulator.mjs is missing: run npm run build (npm install does)').toBe(true);
    const cli = await startCli(['--port', '0', '--db', ':memory:', '--log-level', 'warn', '--code-engine-timeout', '1000'], {}, { bundle: true });
    try {
      const base = `${cli.url}/api/codeengine/v2/packages`;
      const fixture = await post(`${base}/756f0b19-5125-44f6-b541-058980ff6a94/versions/1.0.1/functions/sumList`, { inputVariables: { values: [1, 2, 3] }, settings: { getLogs: true } });
      expect(fixture.json).toMatchObject({ status: 'SUCCESS', result: 6, stdout: { log: ['summing 3 values'] } });

      const created = await post(base, {
        name: 'e2e',
        language: 'JAVASCRIPT',
        environment: 'LAMBDA',
        version: '1.0.0',
        code: 'function spin() { while (true) {} }',
        manifest: { functions: [{ name: 'spin', inputs: [], output: null }], configuration: { accountsMapping: [] } },
      });
      expect(created.status).toBe(200);
      let done = false;
      const spinning = post(`${base}/${created.json.id}/versions/1.0.0/functions/spin`, { inputVariables: {} }).then((r) => {
        done = true;
        return r;
      });
      await new Promise((r) => setTimeout(r, 200));
      const health = await fetch(`${cli.url}/_emulator/health`);
      expect(health.status).toBe(200);
      expect(done).toBe(false); // answered while the loop still spins
      const spun = await spinning;
      expect(spun.json.status).toBe('FAILED');
      expect(spun.json.errorInformation.errorMessages[0]).toMatch(/time limit of 1000 ms/);
      expect((await fetch(`${cli.url}/_emulator/health`)).status).toBe(200);
    } finally {
      await cli.stop();
    }
  });
});
