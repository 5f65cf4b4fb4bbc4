/**
 * The local certificate authority behind `--https`: made once, kept on disk so that a user's trust in
 * `ca.pem` survives restarts, and used to issue the server certificates for Domo's and loopback names.
 *
 * Files in the CA directory (`<db>/ca/`, or `~/.domo-emulator/ca/` with `--db :memory:`, or `--ca-dir`):
 * - `ca.pem`         the CA certificate: the file to trust (NODE_EXTRA_CA_CERTS, an OS trust store)
 * - `ca-bundle.pem`  that CA plus the public roots Node ships, for variables that *replace* the default
 *                    roots (SSL_CERT_FILE, REQUESTS_CA_BUNDLE, CURL_CA_BUNDLE), so other sites still verify
 * - `ca-key.pem`     the CA private key and certificate (mode 0600)
 * - `leaf.pem`       the default server key and certificate (mode 0600), reissued when it nears expiry
 */
import { createPrivateKey, generateKeyPairSync, X509Certificate, type KeyObject } from 'node:crypto';
import { chmodSync, existsSync, linkSync, mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { homedir, hostname, userInfo } from 'node:os';
import { join } from 'node:path';
import { createSecureContext, rootCertificates, type SecureContext } from 'node:tls';
import type { Logger } from '../logger.js';
import { isEmulatedHost, normalizeHost } from './hosts.js';
import { issueCertificate, keyIdentifier, toPem, type DistinguishedName } from './x509.js';

const DAY = 86_400_000;
/** What the default server certificate names (clients that send no SNI, or connect to an IP). */
export const defaultAltNames = ['*.domo.com', 'domo.com', 'api.domo.com', '*.localhost', 'localhost', '127.0.0.1', '::1'];
const CA_DAYS = 3650;
/** Under the 398 days that Apple's clients accept for a server certificate. */
const LEAF_DAYS = 397;
const RENEW_BEFORE_DAYS = 30;
const MAX_CACHED_CONTEXTS = 1000;

/** Per-user home of the emulator: `DOMO_EMULATOR_HOME`, else `~/.domo-emulator`. */
export function userDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.DOMO_EMULATOR_HOME || join(homedir(), '.domo-emulator');
}

/** Where the CA lives for a `--db` value: `<db>/ca`, or `<user dir>/ca` for an in-memory database. */
export function caDirFor(db: string, caDir?: string, env: NodeJS.ProcessEnv = process.env): string {
  if (caDir) return caDir;
  return db === ':memory:' ? join(userDir(env), 'ca') : join(db, 'ca');
}

interface KeyAndCert {
  key: KeyObject;
  cert: X509Certificate;
  keyPem: string;
  certPem: string;
}

function pemBlocks(text: string): { key?: string; cert?: string } {
  const key = /-----BEGIN PRIVATE KEY-----[\s\S]+?-----END PRIVATE KEY-----\n?/.exec(text)?.[0];
  const cert = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n?/.exec(text)?.[0];
  return { key, cert };
}

/** A key + certificate file, or undefined when it is missing or does not parse. */
function readKeyAndCert(file: string): KeyAndCert | undefined {
  if (!existsSync(file)) return undefined;
  try {
    const { key: keyPem, cert: certPem } = pemBlocks(readFileSync(file, 'utf8'));
    if (!keyPem || !certPem) return undefined;
    const key = createPrivateKey(keyPem);
    const cert = new X509Certificate(certPem);
    return cert.checkPrivateKey(key) ? { key, cert, keyPem, certPem } : undefined;
  } catch {
    return undefined;
  }
}

function writeAtomically(file: string, content: string, mode: number, exclusive: boolean): void {
  const tmp = `${file}.${process.pid}.${Math.floor(performance.now() * 1000)}.tmp`;
  writeFileSync(tmp, content, { mode });
  try {
    if (!exclusive) return renameSync(tmp, file);
    try {
      linkSync(tmp, file); // fails if another process created it first: then theirs is the CA
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'EEXIST') renameSync(tmp, file); // a file system without hard links
    }
  } finally {
    if (existsSync(tmp)) unlinkSync(tmp);
  }
}

function writeIfChanged(file: string, content: string, mode = 0o644): void {
  if (existsSync(file) && readFileSync(file, 'utf8') === content) return;
  writeAtomically(file, content, mode, false);
}

function caSubject(): DistinguishedName {
  let who = 'local';
  try {
    who = `${userInfo().username}@${hostname()}`;
  } catch {
    // no passwd entry (some containers): keep the generic name
  }
  return { commonName: `domo-emulator local CA (${who})`, organization: 'domo-emulator' };
}

const newKeyPair = () => generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const bundle = (x: { key: KeyObject; certDer: Buffer }): KeyAndCert => {
  const certPem = toPem(x.certDer);
  const keyPem = x.key.export({ type: 'pkcs8', format: 'pem' }) as string;
  return { key: x.key, cert: new X509Certificate(certPem), keyPem, certPem };
};

export class LocalCa {
  readonly certFile: string;
  readonly bundleFile: string;
  readonly keyFile: string;
  readonly leafFile: string;
  /** Whether this start made a new CA (its certificate needs trusting again). */
  readonly created: boolean;
  private readonly ca: KeyAndCert;
  private readonly caDn: DistinguishedName;
  private readonly caKeyId: Buffer;
  private leaf: KeyAndCert;
  private readonly defaultContext: SecureContext;
  private readonly contexts = new Map<string, SecureContext>();

  private constructor(
    readonly dir: string,
    private readonly log?: Logger,
  ) {
    this.certFile = join(dir, 'ca.pem');
    this.bundleFile = join(dir, 'ca-bundle.pem');
    this.keyFile = join(dir, 'ca-key.pem');
    this.leafFile = join(dir, 'leaf.pem');
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const { ca, created } = this.loadOrCreateCa();
    this.ca = ca;
    this.created = created;
    this.caKeyId = keyIdentifier(ca.cert.publicKey);
    this.caDn = { commonName: /CN=([^\n]+)/.exec(ca.cert.subject)?.[1] ?? 'domo-emulator local CA', organization: 'domo-emulator' };
    writeIfChanged(this.certFile, ca.certPem);
    writeIfChanged(this.bundleFile, [ca.certPem, ...rootCertificates].join('\n'));
    this.leaf = this.loadOrIssueLeaf();
    this.defaultContext = this.context(this.leaf.certPem);
  }

  /** Opens the CA in `dir`, creating it (and the directory) on first use. */
  static open(dir: string, log?: Logger): LocalCa {
    return new LocalCa(dir, log);
  }

  get certPem(): string {
    return this.ca.certPem;
  }

  private loadOrCreateCa(): { ca: KeyAndCert; created: boolean } {
    const existing = readKeyAndCert(this.keyFile);
    const usable = existing && existing.cert.ca && Date.parse(existing.cert.validTo) > Date.now() + DAY;
    if (existing && usable) return { ca: existing, created: false };
    if (existsSync(this.keyFile)) this.log?.warn(`${this.keyFile} is unreadable or expired: making a new CA (trust the new ${this.certFile})`);
    const pair = newKeyPair();
    const dn = caSubject();
    const now = Date.now();
    const made = bundle({
      key: pair.privateKey,
      certDer: issueCertificate({
        subject: dn,
        publicKey: pair.publicKey,
        issuer: dn,
        issuerKey: pair.privateKey,
        issuerKeyId: keyIdentifier(pair.publicKey),
        notBefore: new Date(now - DAY),
        notAfter: new Date(now + CA_DAYS * DAY),
        ca: {
          permittedDns: ['domo.com', 'localhost'],
          permittedIps: [
            { ip: '127.0.0.0', mask: '255.0.0.0' },
            { ip: '::1', mask: 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff' },
          ],
        },
      }),
    });
    // Exclusive when there was none: two emulators starting at once on one directory agree on one CA.
    writeAtomically(this.keyFile, made.keyPem + made.certPem, 0o600, existing === undefined && !existsSync(this.keyFile));
    const winner = readKeyAndCert(this.keyFile);
    if (!winner) throw new Error(`domo-emulator: cannot read back the CA written to ${this.keyFile}`);
    chmodSync(this.keyFile, 0o600);
    return { ca: winner, created: true };
  }

  private issue(publicKey: KeyObject, altNames: string[]): string {
    const now = Date.now();
    return toPem(
      issueCertificate({
        subject: { commonName: 'domo-emulator', organization: 'domo-emulator' },
        publicKey,
        issuer: this.caDn,
        issuerKey: this.ca.key,
        issuerKeyId: this.caKeyId,
        notBefore: new Date(now - DAY),
        notAfter: new Date(now + LEAF_DAYS * DAY),
        altNames,
      }),
    );
  }

  private loadOrIssueLeaf(): KeyAndCert {
    const cached = readKeyAndCert(this.leafFile);
    // the default names as X509Certificate prints them (from a throwaway certificate), to compare with the cached one's
    const expected = cached && new X509Certificate(this.issue(cached.cert.publicKey, defaultAltNames)).subjectAltName;
    if (
      cached &&
      cached.cert.checkIssued(this.ca.cert) &&
      cached.cert.verify(this.ca.cert.publicKey) &&
      Date.parse(cached.cert.validTo) > Date.now() + RENEW_BEFORE_DAYS * DAY &&
      cached.cert.subjectAltName === expected
    ) {
      return cached;
    }
    const pair = newKeyPair();
    const certPem = this.issue(pair.publicKey, defaultAltNames);
    const keyPem = pair.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    writeAtomically(this.leafFile, keyPem + certPem, 0o600, false);
    return { key: pair.privateKey, cert: new X509Certificate(certPem), keyPem, certPem };
  }

  private context(certPem: string): SecureContext {
    // The chain includes the CA, so a client that trusts it by key id alone still builds the path.
    return createSecureContext({ key: this.leaf.keyPem, cert: certPem + this.ca.certPem, minVersion: 'TLSv1.2' });
  }

  /**
   * The TLS context for an SNI name: a certificate for exactly that name when it is one the emulator
   * answers for (some clients, curl among them, refuse a `*.localhost` wildcard), else the default one.
   * Another site's name gets the default certificate, which a verifying client then rejects, as it should.
   */
  secureContext(servername?: string): SecureContext {
    if (!servername) return this.defaultContext;
    const name = normalizeHost(servername);
    if (!isEmulatedHost(name)) return this.defaultContext;
    let ctx = this.contexts.get(name);
    if (!ctx) {
      ctx = this.context(this.issue(this.leaf.cert.publicKey, [name]));
      if (this.contexts.size >= MAX_CACHED_CONTEXTS) this.contexts.delete(this.contexts.keys().next().value!);
      this.contexts.set(name, ctx);
    }
    return ctx;
  }

  /** Key and chain of the default server certificate, for a TLS server's own options. */
  defaultCredentials(): { key: string; cert: string } {
    return { key: this.leaf.keyPem, cert: this.leaf.certPem + this.ca.certPem };
  }

  /** The default server certificate (PEM), for inspection. */
  get leafCertPem(): string {
    return this.leaf.certPem;
  }
}
