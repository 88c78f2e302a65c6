import { multiaddr } from '@multiformats/multiaddr';
import type { Multiaddr } from '@multiformats/multiaddr';
import { isPrivateHostName, isPrivateIpAddress } from '../util/private-address.js';
import { errorMessage } from '../errors.js';

/** The answer for a transport this node cannot use (QUIC, WebTransport, WebSockets, relays...). */
export const UNSUPPORTED_TRANSPORT = 'unsupported transport';

export type Dialable =
  { ok: true; multiaddr: Multiaddr; peerId?: string } | { ok: false; error: string; peerId?: string };

const HOSTS = new Set(['ip4', 'ip6', 'dns', 'dns4', 'dns6']);

/**
 * Whether a delegate can be dialled over plain TCP (what every kubo listens on): a host
 * (`/ip4`, `/ip6`, `/dns`, `/dns4`, `/dns6`) then `/tcp` then at most `/p2p/<id>`, or a
 * `/dnsaddr` (resolved at dial time). Anything else is reported, never thrown.
 */
export function dialable(address: string): Dialable {
  let ma: Multiaddr;
  try {
    ma = multiaddr(address);
  } catch (err) {
    return { ok: false, error: `invalid multiaddr: ${errorMessage(err)}` };
  }
  const parts = ma.getComponents();
  const peerId = parts.find((p) => p.name === 'p2p')?.value;
  const withPeer = <T extends object>(r: T): T & { peerId?: string } =>
    peerId === undefined ? r : { ...r, peerId };
  const [host, transport, ...rest] = parts;
  if (host === undefined || host.name === 'p2p')
    return withPeer({ ok: false as const, error: 'no address to dial (a bare peer id needs routing)' });
  if (host.name === 'dnsaddr') {
    return rest.length === 0 && (transport === undefined || transport.name === 'p2p')
      ? withPeer({ ok: true as const, multiaddr: ma })
      : withPeer({ ok: false as const, error: UNSUPPORTED_TRANSPORT });
  }
  const tcp = HOSTS.has(host.name) && transport?.name === 'tcp';
  const tail = rest.every((p) => p.name === 'p2p') && rest.length <= 1;
  return tcp && tail
    ? withPeer({ ok: true as const, multiaddr: ma })
    : withPeer({ ok: false as const, error: UNSUPPORTED_TRANSPORT });
}

/** The first component of an address when it names a host (an IP or a DNS name), else undefined. */
function hostOf(address: string): { name: string; value: string } | undefined {
  let host;
  try {
    host = multiaddr(address).getComponents()[0];
  } catch {
    return undefined;
  }
  if (host?.value === undefined || !HOST_NAMES.has(host.name)) return undefined;
  return { name: host.name, value: host.value };
}

const HOST_NAMES = new Set([...HOSTS, 'dnsaddr']);

/** A public IP address (not loopback, private, link-local, CGNAT, multicast or unspecified). */
export function isPublicAddress(address: string): boolean {
  const host = hostOf(address);
  return (
    host !== undefined && (host.name === 'ip4' || host.name === 'ip6') && !isPrivateIpAddress(host.value)
  );
}

/**
 * Whether an address names a loopback, private, link-local or otherwise non-public host
 * by itself: an IP in any spelling (`/ip6/::ffff:127.0.0.1` included, see
 * util/private-address.ts), or a `/dns*` name that never leaves the machine (`localhost`,
 * `*.localhost`). Other names are not resolved here: the embedded node's connection gater
 * judges what they resolve to (host.ts).
 */
export function isPrivateMultiaddr(address: string): boolean {
  // An IPv6 zone only scopes link-local addresses: never a public host.
  if (address.startsWith('/ip6zone/')) return true;
  const host = hostOf(address);
  return host !== undefined && isPrivateHostName(host.value);
}

/** Whether a URL's host is a loopback or private IP literal (any spelling), or localhost. */
export function isPrivateHost(hostname: string): boolean {
  return isPrivateHostName(hostname);
}

/**
 * What to send a service as `origins`: public TCP addresses ending in `/p2p/<peerId>`, at
 * most 20 (the spec's limit). Empty behind NAT or on loopback, which is normal: the
 * service cannot dial us there, so we dial it.
 */
export function publicOrigins(addresses: string[], peerId: string, max = 20): string[] {
  const out: string[] = [];
  for (const a of addresses) {
    const withId = a.includes('/p2p/') ? a : `${a}/p2p/${peerId}`;
    if (!withId.endsWith(`/p2p/${peerId}`)) continue;
    const d = dialable(withId);
    if (!d.ok || !isPublicAddress(withId) || out.includes(withId)) continue;
    out.push(withId);
    if (out.length === max) break;
  }
  return out;
}
