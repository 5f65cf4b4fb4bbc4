import { createPrivateKey, generateKeyPairSync, X509Certificate } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect, createServer as createTlsServer, rootCertificates } from 'node:tls';
import { afterAll, describe, expect, it } from 'vitest';
import { caDirFor, defaultAltNames, LocalCa, userDir } from '../../src/net/ca.js';
import { isEmulatedTarget, parseAuthority } from '../../src/net/hosts.js';
import { issueCertificate, keyIdentifier, toPem } from '../../src/net/x509.js';
import { createLogger } from '../../src/logger.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'domo-ca-'));
  dirs.push(d);
  return join(d, 'ca');
};

describe('the local CA', () => {
  it('is created on first open with its files, the key readable by the owner only', () => {
    const dir = tempDir();
    const ca = LocalCa.open(dir);
    expect(ca.created).toBe(true);
    expect(ca.certFile).toBe(join(dir, 'ca.pem'));
    const cert = new X509Certificate(readFileSync(ca.certFile));
    expect(cert.ca).toBe(true);
    expect(cert.subject).toMatch(/CN=domo-emulator local CA/);
    expect(cert.verify(cert.publicKey)).toBe(true); // self-signed
    expect(readFileSync(ca.certFile, 'utf8')).not.toMatch(/PRIVATE KEY/);
    if (process.platform !== 'win32') {
      expect(statSync(ca.keyFile).mode & 0o777).toBe(0o600);
      expect(statSync(ca.leafFile).mode & 0o777).toBe(0o600);
      expect(statSync(dir).mode & 0o777).toBe(0o700);
    }
    // the bundle is this CA first, then the public roots Node ships
    const bundle = readFileSync(ca.bundleFile, 'utf8');
    expect(bundle.startsWith(ca.certPem)).toBe(true);
    expect(bundle).toContain(rootCertificates[0]);
  });

  it('is the same CA (and the same default certificate) when opened again, so trusting it once lasts', () => {
    const dir = tempDir();
    const first = LocalCa.open(dir);
    const again = LocalCa.open(dir);
    expect(again.created).toBe(false);
    expect(again.certPem).toBe(first.certPem);
    expect(again.leafCertPem).toBe(first.leafCertPem);
  });

  it('issues a default server certificate for Domo and loopback names, signed by the CA', () => {
    const ca = LocalCa.open(tempDir());
    const caCert = new X509Certificate(ca.certPem);
    const leaf = new X509Certificate(ca.leafCertPem);
    expect(leaf.ca).toBe(false);
    expect(leaf.checkIssued(caCert)).toBe(true);
    expect(leaf.verify(caCert.publicKey)).toBe(true);
    for (const host of ['acme.domo.com', 'api.domo.com', 'domo.com', 'localhost']) expect(leaf.checkHost(host), host).toBeTruthy();
    // OpenSSL (like curl) does not match `*.localhost` (a wildcard over a one-label suffix): names like
    // acme.localhost get a certificate of their own by SNI (test/net/https.test.ts)
    expect(leaf.checkHost('acme.localhost')).toBeUndefined();
    expect(leaf.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(leaf.checkIP('::1')).toBe('::1');
    expect(leaf.checkHost('example.com')).toBeUndefined();
    expect(leaf.subjectAltName?.split(', ')).toHaveLength(defaultAltNames.length);
    // well under the 398 days Apple's clients accept
    expect(Date.parse(leaf.validTo) - Date.now()).toBeLessThan(398 * 86_400_000);
  });

  it('cannot vouch for any other site: a certificate it signs for example.com is rejected by clients', async () => {
    // Name constraints in the CA (domo.com, localhost, loopback IPs): even with the CA key in hand, a
    // certificate for another name fails verification in any client that trusts this CA.
    const ca = LocalCa.open(tempDir());
    const caKey = createPrivateKey(readFileSync(ca.keyFile, 'utf8'));
    const caCert = new X509Certificate(ca.certPem);
    const leafKeys = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const forged = toPem(
      issueCertificate({
        subject: { commonName: 'example.com' },
        publicKey: leafKeys.publicKey,
        issuer: { commonName: /CN=([^\n]+)/.exec(caCert.subject)![1], organization: 'domo-emulator' },
        issuerKey: caKey,
        issuerKeyId: keyIdentifier(caCert.publicKey),
        notBefore: new Date(Date.now() - 60_000),
        notAfter: new Date(Date.now() + 86_400_000),
        altNames: ['example.com'],
      }),
    );
    expect(new X509Certificate(forged).verify(caCert.publicKey)).toBe(true); // the signature itself is fine
    const server = createTlsServer({ key: leafKeys.privateKey.export({ type: 'pkcs8', format: 'pem' }), cert: forged + ca.certPem });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as AddressInfo).port;
    const error = await new Promise<NodeJS.ErrnoException>((resolve, reject) => {
      const s = tlsConnect({ host: '127.0.0.1', port, servername: 'example.com', ca: ca.certPem }, () => reject(new Error('handshake succeeded')));
      s.once('error', resolve);
    });
    server.close();
    expect(error.message).toMatch(/permitted subtree violation/);
  });

  it('makes a new CA, with a warning, when the stored one is unreadable', () => {
    const dir = tempDir();
    const first = LocalCa.open(dir);
    writeFileSync(first.keyFile, 'not a key');
    const lines: string[] = [];
    const again = LocalCa.open(dir, createLogger('warn', (l) => lines.push(l)));
    expect(again.created).toBe(true);
    expect(again.certPem).not.toBe(first.certPem);
    expect(readFileSync(again.certFile, 'utf8')).toBe(again.certPem);
    expect(lines.join('\n')).toMatch(/unreadable or expired: making a new CA/);
    // the default certificate signed by the old CA is replaced too
    expect(new X509Certificate(again.leafCertPem).checkIssued(new X509Certificate(again.certPem))).toBe(true);
  });

  it('lives under the data directory, or the per-user directory for an in-memory database', () => {
    expect(caDirFor('/data/emu')).toBe(join('/data/emu', 'ca'));
    expect(caDirFor(':memory:', undefined, { DOMO_EMULATOR_HOME: '/home/u/.emu' })).toBe(join('/home/u/.emu', 'ca'));
    expect(caDirFor(':memory:', '/elsewhere')).toBe('/elsewhere');
    expect(userDir({})).toMatch(/\.domo-emulator$/);
  });
});

describe('which proxy targets are the emulator', () => {
  it('answers for Domo names on their standard port and loopback names on 443 or its own port', () => {
    expect(isEmulatedTarget('acme.domo.com', 443, 8080, 443)).toBe(true);
    expect(isEmulatedTarget('api.domo.com', 443, 8080, 443)).toBe(true);
    expect(isEmulatedTarget('domo.com', 443, 8080, 443)).toBe(true);
    expect(isEmulatedTarget('ACME.Domo.com.', 443, 8080, 443)).toBe(true);
    expect(isEmulatedTarget('acme.localhost', 8080, 8080, 443)).toBe(true);
    expect(isEmulatedTarget('127.0.0.1', 8080, 8080, 443)).toBe(true);
    expect(isEmulatedTarget('acme.domo.com', 80, 8080, 80)).toBe(true);
  });

  it('refuses every other host, and Domo names on other ports', () => {
    for (const [host, port] of [
      ['example.com', 443],
      ['domo.com.evil.example', 443],
      ['evildomo.com', 443],
      ['acme.domo.com', 8443],
      ['localhost', 5432],
      ['10.0.0.1', 443],
      ['169.254.169.254', 80],
      ['acme_x.domo.com', 443],
    ] as const) {
      expect(isEmulatedTarget(host, port, 8080, 443), `${host}:${port}`).toBe(false);
    }
  });

  it('parses CONNECT authorities, IPv6 included', () => {
    expect(parseAuthority('acme.domo.com:443')).toEqual({ host: 'acme.domo.com', port: 443 });
    expect(parseAuthority('[::1]:8080')).toEqual({ host: '::1', port: 8080 });
    expect(parseAuthority('acme.domo.com')).toBeUndefined();
    expect(parseAuthority('acme.domo.com:99999')).toBeUndefined();
    expect(parseAuthority('http://x:1')).toBeUndefined();
  });
});
