/**
 * Just enough X.509 to issue the local CA and its server certificates: a DER encoder for the handful of
 * ASN.1 types a certificate uses, and `issueCertificate()`.
 *
 * Why not a library: Node already generates the keys (EC P-256), exports the SubjectPublicKeyInfo in DER and
 * signs ECDSA-with-SHA256 with a DER signature (`crypto.sign`), and parses/verifies certificates
 * (`X509Certificate`). The one missing piece is encoding the TBSCertificate, about a hundred lines; a
 * library for that (node-forge, @peculiar/x509 and its asn1 + reflect-metadata stack) would be a larger,
 * slower dependency than the code it replaces. Issuing a certificate takes well under a millisecond.
 */
import { createHash, randomBytes, sign, type KeyObject } from 'node:crypto';
import { isIPv4, isIPv6 } from 'node:net';

// --- DER primitives -------------------------------------------------------------------------------

function length(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function tlv(tag: number, ...content: Buffer[]): Buffer {
  const body = Buffer.concat(content);
  return Buffer.concat([Buffer.from([tag]), length(body.length), body]);
}

const sequence = (...items: Buffer[]) => tlv(0x30, ...items);
const set = (...items: Buffer[]) => tlv(0x31, ...items);
const octetString = (b: Buffer) => tlv(0x04, b);
const bitString = (b: Buffer, unusedBits = 0) => tlv(0x03, Buffer.from([unusedBits]), b);
const booleanTrue = () => tlv(0x01, Buffer.from([0xff]));
const utf8String = (s: string) => tlv(0x0c, Buffer.from(s, 'utf8'));
/** [n] EXPLICIT, constructed. */
const explicit = (n: number, inner: Buffer) => tlv(0xa0 | n, inner);

/** A non-negative INTEGER from big-endian bytes (a leading 0x00 keeps the high bit from reading as a sign). */
function unsignedInteger(bytes: Buffer): Buffer {
  let i = 0;
  while (i < bytes.length - 1 && bytes[i] === 0) i++;
  const trimmed = bytes.subarray(i);
  return tlv(0x02, trimmed[0] & 0x80 ? Buffer.concat([Buffer.from([0]), trimmed]) : trimmed);
}

function oid(dotted: string): Buffer {
  const parts = dotted.split('.').map(Number);
  const bytes = [40 * parts[0] + parts[1]];
  for (const p of parts.slice(2)) {
    const chunk = [p & 0x7f];
    for (let v = Math.floor(p / 128); v > 0; v = Math.floor(v / 128)) chunk.unshift(0x80 | (v & 0x7f));
    bytes.push(...chunk);
  }
  return tlv(0x06, Buffer.from(bytes));
}

/** RFC 5280 4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050, always in UTC with seconds. */
function time(d: Date): Buffer {
  const iso = d.toISOString().replace(/[-:T]/g, '').slice(0, 14) + 'Z'; // YYYYMMDDHHMMSSZ
  return d.getUTCFullYear() < 2050 ? tlv(0x17, Buffer.from(iso.slice(2))) : tlv(0x18, Buffer.from(iso));
}

// --- Certificate parts ---------------------------------------------------------------------------

const OID = {
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  commonName: '2.5.4.3',
  organization: '2.5.4.10',
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  nameConstraints: '2.5.29.30',
  authorityKeyIdentifier: '2.5.29.35',
  extKeyUsage: '2.5.29.37',
  serverAuth: '1.3.6.1.5.5.7.3.1',
};

export interface DistinguishedName {
  commonName: string;
  organization?: string;
}

function name(dn: DistinguishedName): Buffer {
  const rdn = (type: string, value: string) => set(sequence(oid(type), utf8String(value)));
  return sequence(...(dn.organization ? [rdn(OID.organization, dn.organization)] : []), rdn(OID.commonName, dn.commonName));
}

function extension(id: string, critical: boolean, value: Buffer): Buffer {
  return sequence(oid(id), ...(critical ? [booleanTrue()] : []), octetString(value));
}

/** IPv4 or IPv6 text as its 4 or 16 bytes. */
export function ipBytes(ip: string): Buffer {
  if (isIPv4(ip)) return Buffer.from(ip.split('.').map(Number));
  if (!isIPv6(ip)) throw new Error(`not an IP address: ${ip}`);
  const [head, tail = ''] = ip.split('::');
  const groups = (s: string) => (s ? s.split(':') : []);
  const h = groups(head);
  const t = ip.includes('::') ? groups(tail) : [];
  const all = [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  return Buffer.from(all.flatMap((g) => [(parseInt(g, 16) >> 8) & 0xff, parseInt(g, 16) & 0xff]));
}

/** GeneralName: dNSName [2] IA5String, iPAddress [7] OCTET STRING (both IMPLICIT, primitive). */
const dnsName = (host: string) => tlv(0x82, Buffer.from(host, 'ascii'));
const ipAddress = (bytes: Buffer) => tlv(0x87, bytes);

/** The key identifier of a public key: SHA-1 of its SubjectPublicKeyInfo (RFC 5280 4.2.1.2 allows any method). */
export function keyIdentifier(publicKey: KeyObject): Buffer {
  return createHash('sha1').update(publicKey.export({ type: 'spki', format: 'der' })).digest();
}

export interface CertificateRequest {
  subject: DistinguishedName;
  /** The key the certificate is for. */
  publicKey: KeyObject;
  /** Who signs: the issuer's name and private key (the subject's own for a self-signed CA). */
  issuer: DistinguishedName;
  issuerKey: KeyObject;
  issuerKeyId: Buffer;
  notBefore: Date;
  notAfter: Date;
  /** A CA certificate: may sign server certificates, only for names under `permitted`. */
  ca?: { permittedDns: string[]; permittedIps: Array<{ ip: string; mask: string }> };
  /** A server certificate's names (DNS names and IP addresses). */
  altNames?: string[];
}

/** Issues one X.509 v3 certificate signed with ECDSA-SHA256 by `issuerKey`, as DER. */
export function issueCertificate(req: CertificateRequest): Buffer {
  const algorithm = sequence(oid(OID.ecdsaWithSha256));
  const serial = randomBytes(16);
  serial[0] = (serial[0] & 0x7f) | 0x01; // positive and never zero, 16 bytes (RFC 5280: at most 20)
  const spki = req.publicKey.export({ type: 'spki', format: 'der' });
  const extensions: Buffer[] = [];
  if (req.ca) {
    extensions.push(extension(OID.basicConstraints, true, sequence(booleanTrue(), unsignedInteger(Buffer.from([0])))));
    // keyCertSign (bit 5) + cRLSign (bit 6) + digitalSignature (bit 0): 1000 0110, one unused bit
    extensions.push(extension(OID.keyUsage, true, bitString(Buffer.from([0x86]), 1)));
    // Name constraints: even if someone got the key, this CA cannot vouch for any other site.
    const subtrees = [
      ...req.ca.permittedDns.map((d) => sequence(dnsName(d))),
      ...req.ca.permittedIps.map(({ ip, mask }) => sequence(ipAddress(Buffer.concat([ipBytes(ip), ipBytes(mask)])))),
    ];
    extensions.push(extension(OID.nameConstraints, true, sequence(tlv(0xa0, ...subtrees))));
  } else {
    extensions.push(extension(OID.basicConstraints, true, sequence()));
    extensions.push(extension(OID.keyUsage, true, bitString(Buffer.from([0x80]), 7))); // digitalSignature (ECDSA)
    extensions.push(extension(OID.extKeyUsage, false, sequence(oid(OID.serverAuth))));
    const names = (req.altNames ?? []).map((n) => (isIPv4(n) || isIPv6(n) ? ipAddress(ipBytes(n)) : dnsName(n)));
    extensions.push(extension(OID.subjectAltName, false, sequence(...names)));
  }
  extensions.push(extension(OID.subjectKeyIdentifier, false, octetString(keyIdentifier(req.publicKey))));
  extensions.push(extension(OID.authorityKeyIdentifier, false, sequence(tlv(0x80, req.issuerKeyId))));

  const tbs = sequence(
    explicit(0, unsignedInteger(Buffer.from([2]))), // v3
    unsignedInteger(serial),
    algorithm,
    name(req.issuer),
    sequence(time(req.notBefore), time(req.notAfter)),
    name(req.subject),
    spki,
    explicit(3, sequence(...extensions)),
  );
  const signature = sign('sha256', tbs, { key: req.issuerKey, dsaEncoding: 'der' });
  return sequence(tbs, algorithm, bitString(signature));
}

export function toPem(der: Buffer, label = 'CERTIFICATE'): string {
  const b64 = der.toString('base64').replace(/.{64}/g, '$&\n').replace(/\n$/, '');
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
}
