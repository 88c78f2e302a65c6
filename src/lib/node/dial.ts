import { lookup } from 'node:dns/promises';
import { abortError, errorMessage } from '../errors.js';
import { isPrivateIpAddress } from '../util/private-address.js';
import { CustomProgressEvent } from '../progress.js';
import { dialable } from './multiaddrs.js';
import type { Multiaddr } from '@multiformats/multiaddr';
import type { DialResult, NodeCallOptions, NodeProgressEvent } from './types.js';
import { aborted } from './util.js';

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

/**
 * For a dial that must not reach private networks through a node we cannot gate (kubo):
 * a `/dns*` name is looked up first and refused when any address it has is private. kubo
 * looks it up again when it dials, so this narrows the hole rather than closing it; the
 * embedded node's gater (host.ts) closes it.
 */
export function publicOnly(connect: Connect): Connect {
  return async (address, parsed, signal) => {
    const host = /^\/(dns|dns4|dns6)\/([^/]+)/.exec(address);
    if (host?.[2] !== undefined) {
      const family = host[1] === 'dns4' ? 4 : host[1] === 'dns6' ? 6 : 0;
      const found = await lookup(host[2], { all: true, family });
      if (found.some((a) => isPrivateIpAddress(a.address)))
        throw new Error(
          'resolves to a private or loopback address, not dialled (set privateDelegates to allow)',
        );
    }
    return connect(address, parsed, signal);
  };
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
