import { isIP } from 'node:net';

/**
 * The names the emulator answers for, and the only ones its CA issues certificates for: Domo's
 * (`domo.com` and every name under it) and loopback ones (`localhost`, `*.localhost`, 127.0.0.0/8, ::1).
 * Everything else is someone else's site: the proxy refuses it and no certificate is made for it.
 */
const label = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';
const domoName = new RegExp(`^(?:${label}\\.)*domo\\.com$`);
const localName = new RegExp(`^(?:${label}\\.)*localhost$`);

/** A host name (no port, no brackets) in lower case, or undefined when it is not a valid one. */
export function normalizeHost(host: string): string {
  const h = host.trim().toLowerCase().replace(/\.$/, '');
  return h.startsWith('[') && h.endsWith(']') ? h.slice(1, -1) : h;
}

export function isLoopbackHost(host: string): boolean {
  const h = normalizeHost(host);
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) return h === '::1' || h === '0:0:0:0:0:0:0:1';
  return h.length <= 253 && localName.test(h);
}

export function isDomoHost(host: string): boolean {
  const h = normalizeHost(host);
  return h.length <= 253 && domoName.test(h);
}

export const isEmulatedHost = (host: string) => isDomoHost(host) || isLoopbackHost(host);

/**
 * Whether a proxy client's target (`CONNECT host:port`, or an absolute-form `http://host[:port]/...`)
 * is the emulator itself. Domo names on their standard port; loopback names on 443 or the emulator's own
 * port (a loopback name on another port is another local server, which the emulator must not pretend to be).
 */
export function isEmulatedTarget(host: string, port: number, ownPort: number, standardPort: 443 | 80): boolean {
  if (isDomoHost(host)) return port === standardPort;
  if (isLoopbackHost(host)) return port === ownPort || port === standardPort;
  return false;
}

/** `host:port` of a CONNECT request (`[::1]:443` for IPv6), or undefined when malformed. */
export function parseAuthority(authority: string): { host: string; port: number } | undefined {
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:[\]/\s]+):(\d{1,5})$/.exec(authority.trim());
  if (!m) return undefined;
  const port = Number(m[2]);
  return port > 0 && port < 65536 ? { host: normalizeHost(m[1]), port } : undefined;
}
