import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { defaultShell, envVars, formatEnv, shells } from '../../src/net/env.js';

const tricky = `it's a "path" with \\ and $HOME`;
const has = (cmd: string) => spawnSync(cmd, ['-c', 'exit 0']).status === 0;

describe('domo-emulator env formatting', () => {
  const https = { proxyUrl: 'http://127.0.0.1:8080', caFile: '/d/ca/ca.pem', caBundleFile: '/d/ca/ca-bundle.pem' };

  it('lists the URL, instance and token, and with HTTPS the proxy and CA variables', () => {
    expect(envVars({ url: 'http://127.0.0.1:8080', instance: 'acme', token: 't' }).map(([n]) => n)).toEqual([
      'DOMO_EMULATOR_URL',
      'DOMO_INSTANCE',
      'DOMO_DEVELOPER_TOKEN',
    ]);
    expect(Object.fromEntries(envVars({ url: 'http://127.0.0.1:8080', instance: 'acme', token: 't', https }))).toEqual({
      DOMO_EMULATOR_URL: 'http://127.0.0.1:8080',
      DOMO_INSTANCE: 'acme',
      DOMO_DEVELOPER_TOKEN: 't',
      HTTPS_PROXY: 'http://127.0.0.1:8080',
      NO_PROXY: 'localhost,127.0.0.1,::1,.localhost',
      NODE_EXTRA_CA_CERTS: '/d/ca/ca.pem',
      SSL_CERT_FILE: '/d/ca/ca-bundle.pem',
      REQUESTS_CA_BUNDLE: '/d/ca/ca-bundle.pem',
      CURL_CA_BUNDLE: '/d/ca/ca-bundle.pem',
    });
  });

  it('prints each shell its own syntax', () => {
    const vars: Array<[string, string]> = [['DOMO_INSTANCE', 'acme']];
    expect(formatEnv(vars, 'bash', 'note')).toBe("# note\nexport DOMO_INSTANCE='acme'\n");
    expect(formatEnv(vars, 'fish')).toBe("set -gx DOMO_INSTANCE 'acme'\n");
    expect(formatEnv(vars, 'powershell')).toBe("$env:DOMO_INSTANCE = 'acme'\n");
    expect(formatEnv([['X', tricky]], 'powershell')).toBe(`$env:X = 'it''s a "path" with \\ and $HOME'\n`);
  });

  it.skipIf(!has('bash'))('quotes values so that bash reads them back exactly', () => {
    const r = spawnSync('bash', ['-c', `${formatEnv([['X', tricky]], 'bash')}printf %s "$X"`], { encoding: 'utf8' });
    expect(r.stdout).toBe(tricky);
  });

  it.skipIf(!has('fish'))('quotes values so that fish reads them back exactly', () => {
    const r = spawnSync('fish', ['-c', `${formatEnv([['X', tricky]], 'fish')}printf %s "$X"`], { encoding: 'utf8' });
    expect(r.stdout).toBe(tricky);
  });
  if (!has('fish')) it('fish round trip (skipped: fish is not installed on this machine)', () => {});

  it('picks the shell from $SHELL, PowerShell on Windows, else bash', () => {
    expect(defaultShell({ SHELL: '/usr/bin/fish' })).toBe('fish');
    expect(defaultShell({ SHELL: '/bin/zsh' })).toBe('bash');
    expect(defaultShell({ SHELL: '/usr/local/bin/pwsh' })).toBe('powershell');
    expect(defaultShell({}, 'win32')).toBe('powershell');
    expect(defaultShell({}, 'linux')).toBe('bash');
    expect(shells).toEqual(['bash', 'fish', 'powershell']);
  });
});
