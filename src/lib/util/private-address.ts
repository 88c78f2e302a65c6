import { isIPv4, isIPv6 } from 'node:net';
import { isPrivateIp } from '@libp2p/utils';

/**
 * One answer to "may a service make us connect here?", from the address's bytes, not its
 * spelling: `::ffff:127.0.0.1`, `::ffff:7f00:1` and `0:0:0:0:0:ffff:7f00:1` are one address.
 *
 * libp2p's `isPrivateIp` (maintained with libp2p's own dialler) decides the plain IPv4 and
 * IPv6 ranges: loopback, RFC 1918, CGNAT 100.64/10, 0/8, link-local, unique-local, the
 * documentation and benchmarking ranges, 240/4 and more. What it reads by regex and so
 * misses in some spellings is handled here first, on bytes: IPv6 forms that carry an IPv4
 * address (mapped `::ffff:0:0/96`, translated `::ffff:0:0:0/96`, NAT64 `64:ff9b::/96` and
 * the local-use `64:ff9b:1::/48`, compatible `::/96`, 6to4 `2002::/16`) are judged by
 * the IPv4 address inside; multicast (224/4, ff00::/8), site-local fec0::/10 and the
 * unspecified addresses are private too.
 */
export function isPrivateIpAddress(ip: string): boolean {
  const bytes = parseIp(ip);
  if (bytes === undefined) return false;
  return bytes.length === 4 ? privateV4(bytes) : privateV6(bytes);
}

/**
 * A host name or IP literal (as in a URL or a `/dns*` multiaddr) that names this machine or
 * a private network without any lookup: an IP literal judged as above (brackets allowed),
 * `localhost` and every `*.localhost` name (RFC 6761: they never leave the machine).
 */
export function isPrivateHostName(host: string): boolean {
  const h = host
    .trim()
    .replace(/^\[|\]$/g, '')
    .replace(/\.$/, '')
    .toLowerCase();
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  return isPrivateIpAddress(h);
}

/** The 4 or 16 bytes of an IP literal, or undefined when it is not one. A zone (`%eth0`) is dropped. */
export function parseIp(text: string): Uint8Array | undefined {
  const ip = text.replace(/%.*$/, '');
  if (isIPv4(ip)) return Uint8Array.from(ip.split('.').map(Number));
  if (!isIPv6(ip)) return undefined;
  let head = ip;
  let tail: number[] = [];
  const dotted = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(ip);
  if (dotted !== null) {
    head = `${dotted[1]}`;
    const v4 = (dotted[2] ?? '').split('.').map(Number);
    tail = [((v4[0] ?? 0) << 8) | (v4[1] ?? 0), ((v4[2] ?? 0) << 8) | (v4[3] ?? 0)];
    // `::1.2.3.4` leaves `::` and `a::1.2.3.4` leaves `a::`: both still mean "fill here".
    if (head.endsWith(':') && !head.endsWith('::')) head = head.slice(0, -1);
  }
  const groupsOf = (s: string): number[] => (s === '' ? [] : s.split(':').map((g) => parseInt(g, 16)));
  const [left = '', right] = head.split('::');
  const before = groupsOf(left);
  const after = [...(right === undefined ? [] : groupsOf(right)), ...tail];
  const fill = right === undefined ? 0 : 8 - before.length - after.length;
  const groups =
    right === undefined ? [...before, ...after] : [...before, ...Array<number>(fill).fill(0), ...after];
  if (groups.length !== 8 || groups.some((g) => !Number.isInteger(g) || g < 0 || g > 0xffff))
    return undefined;
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    out[i * 2] = g >> 8;
    out[i * 2 + 1] = g & 0xff;
  });
  return out;
}

function privateV4(b: Uint8Array): boolean {
  const [a = 0] = b;
  if (a >= 224) return true; // multicast 224/4, reserved 240/4, broadcast
  return isPrivateIp(Array.from(b).join('.')) === true;
}

const zeros = (b: Uint8Array, from: number, to: number): boolean =>
  b.subarray(from, to).every((x) => x === 0);

function privateV6(b: Uint8Array): boolean {
  const v4 = embeddedV4(b);
  if (v4 !== undefined) return privateV4(v4);
  if (zeros(b, 0, 16)) return true; // ::
  if (zeros(b, 0, 15) && b[15] === 1) return true; // ::1
  const [b0 = 0, b1 = 0] = b;
  if (b0 === 0xff) return true; // multicast
  if (b0 === 0xfe && (b1 & 0xc0) === 0x80) return true; // link-local fe80::/10
  if (b0 === 0xfe && (b1 & 0xc0) === 0xc0) return true; // site-local fec0::/10 (deprecated, still routed inside)
  if ((b0 & 0xfe) === 0xfc) return true; // unique-local fc00::/7
  // 64:ff9b:1::/48, local-use NAT64: whatever it maps to is the operator's own network.
  if (b0 === 0 && b1 === 0x64 && b[2] === 0xff && b[3] === 0x9b && b[4] === 0 && b[5] === 1) return true;
  if (b0 === 0x20 && b1 === 0x01 && b[2] === 0 && b[3] === 0) return true; // Teredo 2001::/32
  if (b0 === 0x20 && b1 === 0x01 && b[2] === 0x0d && b[3] === 0xb8) return true; // documentation
  if (b0 === 0x01 && b1 === 0 && zeros(b, 2, 8)) return true; // discard-only 100::/64
  return isPrivateIp(v6Text(b)) === true;
}

/** The IPv4 address an IPv6 address stands for, where it stands for one. */
function embeddedV4(b: Uint8Array): Uint8Array | undefined {
  const last4 = b.subarray(12, 16);
  // ::ffff:a.b.c.d (mapped) and ::ffff:0:a.b.c.d (translated, RFC 2765)
  if (zeros(b, 0, 10) && b[10] === 0xff && b[11] === 0xff) return last4;
  if (zeros(b, 0, 8) && b[8] === 0xff && b[9] === 0xff && b[10] === 0 && b[11] === 0) return last4;
  // 64:ff9b::a.b.c.d (NAT64 well-known prefix)
  if (b[0] === 0 && b[1] === 0x64 && b[2] === 0xff && b[3] === 0x9b && zeros(b, 4, 12)) return last4;
  // ::a.b.c.d (IPv4-compatible, deprecated); :: and ::1 are not IPv4 addresses
  if (zeros(b, 0, 12) && !zeros(b, 12, 15)) return last4;
  // 2002:aabb:ccdd::/48 (6to4): the relay forwards to the IPv4 address inside
  if (b[0] === 0x20 && b[1] === 0x02) return b.subarray(2, 6);
  return undefined;
}

/** The canonical text of 16 bytes (RFC 5952: lower case, longest zero run compressed). */
function v6Text(b: Uint8Array): string {
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((((b[i] ?? 0) << 8) | (b[i + 1] ?? 0)).toString(16));
  return new URL(`http://[${groups.join(':')}]/`).hostname.slice(1, -1);
}
