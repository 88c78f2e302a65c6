import { lookup, resolveTxt } from 'node:dns/promises';
import { abortError, errorMessage } from '../errors.js';
import { isPrivateIpAddress } from '../util/private-address.js';
import { CustomProgressEvent } from '../progress.js';
import { dialable, isPrivateHost } from './multiaddrs.js';
import type { Multiaddr } from '@multiformats/multiaddr';
import type { DialResult, NodeCallOptions, NodeProgressEvent } from './types.js';
import { aborted, raceAbort } from './util.js';

export const DEFAULT_DIAL_TIMEOUT_MS = 15_000;

/**
 * Connects to one address and resolves with the peer id it reached (or undefined when the
 * transport does not say). `multiaddr` is the parsed address when the node checked it.
 */
export type Connect = (
  address: string,
  multiaddr: Multiaddr | undefined,
  signal: AbortSignal,
) => Promise<string | undefined>;

/** The name lookups publicOnly makes (the system's resolver; tests pass their own answers). */
export interface NameLookups {
  /** Every address of a host name, of the family (0: both). */
  lookup(name: string, family: 0 | 4 | 6): Promise<string[]>;
  /** The TXT records of a name, each as its strings. */
  resolveTxt(name: string): Promise<string[][]>;
}

const systemLookups: NameLookups = {
  lookup: async (name, family) => (await lookup(name, { all: true, family })).map((a) => a.address),
  resolveTxt: (name) => resolveTxt(name),
};

/**
 * How far a `/dnsaddr` is followed before kubo gets it: nested names and records in all.
 * Past either, the address is refused rather than passed on unchecked.
 */
export const DNSADDR_MAX_DEPTH = 4;
export const DNSADDR_MAX_RECORDS = 32;

/** Why a dial to a private address was refused: kubo's check here, the embedded node's gater. */
export const PRIVATE_TARGET =
  'resolves to a private or loopback address, not dialled (set privateDelegates to allow)';
const NO_HOST =
  'names no host to check (a bare peer id is found through routing, which may lead anywhere), not dialled (set privateDelegates to allow)';

/**
 * For a dial that must not reach private networks through a node we cannot gate (kubo):
 * a `/dns*` name is looked up first, and a `/dnsaddr` name followed through its
 * `_dnsaddr` TXT records (as kubo would, every record whatever its peer id), and the
 * address is refused when anything it leads to is private, or names no host at all (kubo
 * would find such a peer through routing). The lookups end with the dial's own signal
 * (its timeout). kubo looks the names up again when it dials, so this narrows the hole
 * rather than closing it; the embedded node's gater (host.ts) closes it.
 */
export function publicOnly(connect: Connect, dns: NameLookups = systemLookups): Connect {
  return async (address, parsed, signal) => {
    const refused = await raceAbort(refusal(address, dns, 0, { records: 0 }), signal);
    if (refused !== undefined) throw new Error(refused);
    return connect(address, parsed, signal);
  };
}

/** Why kubo must not be handed this address, or undefined when nothing it leads to is private. */
async function refusal(
  address: string,
  dns: NameLookups,
  depth: number,
  seen: { records: number },
): Promise<string | undefined> {
  const host = /^\/(ip4|ip6|ip6zone|dns|dns4|dns6|dnsaddr)\/([^/]+)/.exec(address);
  const [, kind, name] = host ?? [];
  if (kind === undefined || name === undefined) return NO_HOST;
  switch (kind) {
    case 'ip4':
    case 'ip6':
      return isPrivateIpAddress(name) ? PRIVATE_TARGET : undefined;
    case 'ip6zone':
      return PRIVATE_TARGET;
    case 'dnsaddr': {
      if (depth >= DNSADDR_MAX_DEPTH || isPrivateHost(name)) return PRIVATE_TARGET;
      // No records: kubo finds nothing to dial either.
      const texts = (await dns.resolveTxt(`_dnsaddr.${name}`).catch(() => []))
        .map((record) => record.join(''))
        .filter((text) => text.startsWith('dnsaddr='));
      seen.records += texts.length;
      if (seen.records > DNSADDR_MAX_RECORDS) return PRIVATE_TARGET;
      const found = await Promise.all(
        texts.map((text) => refusal(text.slice('dnsaddr='.length).trim(), dns, depth + 1, seen)),
      );
      return found.find((why) => why !== undefined);
    }
    default: {
      if (isPrivateHost(name)) return PRIVATE_TARGET;
      const family = kind === 'dns4' ? 4 : kind === 'dns6' ? 6 : 0;
      // A record's name that does not resolve is one kubo cannot dial either; the address
      // asked for itself failing to resolve fails its dial, as before.
      const found =
        depth === 0 ? await dns.lookup(name, family) : await dns.lookup(name, family).catch(() => []);
      return found.some((a) => isPrivateIpAddress(a)) ? PRIVATE_TARGET : undefined;
    }
  }
}

export interface DialAllOptions extends NodeCallOptions {
  timeoutMs: number;
  /**
   * Refuse what this node cannot dial (anything but TCP, see `dialable`) without trying.
   * The embedded node does; kubo dials every transport it has.
   */
  tcpOnly: boolean;
  /** The node's own progress listener, used when the call passes none. */
  fallbackProgress?: (event: NodeProgressEvent) => void;
}

/**
 * Dials every address at once, each with its own timeout, and reports each outcome as a
 * DialResult and a `node:dial:done` event. A failed dial is a result, never a throw; only
 * the caller's signal aborting throws (ABORTED). The embedded and kubo nodes share it and
 * differ only in `connect`.
 */
export async function dialAll(
  addresses: string[],
  connect: Connect,
  options: DialAllOptions,
): Promise<DialResult[]> {
  const onProgress = options.onProgress ?? options.fallbackProgress;
  const results = await Promise.all(addresses.map((a) => dialOne(a)));
  if (aborted(options.signal)) throw abortError(options.signal, 'Dialling');
  return results;

  async function dialOne(address: string): Promise<DialResult> {
    const t0 = performance.now();
    const named = /\/p2p\/([^/]+)$/.exec(address)?.[1];
    const ms = (): number => Math.round(performance.now() - t0);
    let result: DialResult;
    const checked = options.tcpOnly ? dialable(address) : undefined;
    if (checked !== undefined && !checked.ok) {
      result = { multiaddr: address, ok: false, error: checked.error, ms: 0, ...withPeer(checked.peerId) };
    } else {
      const timeout = AbortSignal.timeout(options.timeoutMs);
      const signal = options.signal === undefined ? timeout : AbortSignal.any([options.signal, timeout]);
      try {
        const peerId = (await connect(address, checked?.multiaddr, signal)) ?? named;
        result = { multiaddr: address, ok: true, ms: ms(), ...withPeer(peerId) };
      } catch (err) {
        const error = timeout.aborted ? `timed out after ${options.timeoutMs} ms` : errorMessage(err);
        result = { multiaddr: address, ok: false, error, ms: ms(), ...withPeer(checked?.peerId ?? named) };
      }
    }
    onProgress?.(new CustomProgressEvent('node:dial:done', result));
    return result;
  }
}

function withPeer(peerId: string | undefined): { peerId?: string } {
  return peerId === undefined ? {} : { peerId };
}
