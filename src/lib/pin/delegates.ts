import { CustomProgressEvent } from '../progress.js';
import { emit } from './types.js';
import { isPrivateMultiaddr } from '../node/multiaddrs.js';
import type { DialResult, IpfsNode } from '../node/types.js';
import type { PinFlowProgressEvent } from './types.js';
import type { CID } from 'multiformats/cid';
import { errorMessage } from '../errors.js';

/**
 * Dials the delegates of every status a service sends (kubo dials only the first
 * response's), each address once, and keeps the ones that answered connected so
 * bitswap can run over them. Dials are best effort and run beside the polling: a slow
 * or failed dial never holds up or fails the pin.
 *
 * What a service names is bounded: the first {@link MAX_DELEGATES_PER_ANSWER} delegates of
 * an answer (the spec's limit), dialled in order, and {@link MAX_DELEGATES_TOTAL} distinct
 * ones over the whole pin; the rest are ignored. Loopback, private and link-local IPs (in
 * any spelling) and `localhost` names are not dialled unless `allowPrivate` (the endpoint
 * itself is on such an address, or the caller opted in): from a runner, dialling them
 * would be blind port probing of the runner's own network on a service's word. What a
 * name resolves to is checked by the embedded node's connection gater, told by
 * `allowPrivate` on each dial.
 */
export interface DelegateDialer {
  /** Every delegate seen so far, in the order the service named them. */
  readonly delegates: string[];
  readonly dialled: DialResult[];
  offer(delegates: unknown): void;
  /**
   * The node for a dialer made without one (the flow starts it late): the delegates
   * offered so far are dialled now, later ones as they come.
   */
  attach(node: IpfsNode): void;
  /** Stops dials still running and waits for them to report. */
  settle(): Promise<void>;
}

export const MAX_DELEGATES_PER_ANSWER = 20;
export const MAX_DELEGATES_TOTAL = 100;
/** The longest multiaddr taken from a service (a real one is under 200 characters). */
export const MAX_DELEGATE_LENGTH = 1024;
export const PRIVATE_SKIPPED = 'private or loopback address, not dialled (set privateDelegates to allow)';

export interface DelegateDialerOptions {
  /** Dial loopback, private and link-local IPs too. Default false. */
  allowPrivate?: boolean;
  /** What each connected delegate is told we hold (the pin's root): see IpfsNode.keep. */
  announce?: CID[];
}

export function createDelegateDialer(
  given: IpfsNode | undefined,
  service: string,
  onProgress: ((event: PinFlowProgressEvent) => void) | undefined,
  options: DelegateDialerOptions = {},
): DelegateDialer {
  const delegates: string[] = [];
  const dialled: DialResult[] = [];
  const seen = new Set<string>();
  const pending = new Set<Promise<void>>();
  const controller = new AbortController();
  let node = given;
  // Offered while there was no node: dialled if one is attached.
  const waiting: string[] = [];

  const offer = (list: unknown): void => {
    if (!Array.isArray(list)) return;
    const fresh: string[] = [];
    for (const addr of list.slice(0, MAX_DELEGATES_PER_ANSWER)) {
      if (seen.size >= MAX_DELEGATES_TOTAL) break;
      if (!wellFormed(addr) || seen.has(addr)) continue;
      seen.add(addr);
      delegates.push(addr);
      if (options.allowPrivate !== true && isPrivateMultiaddr(addr)) {
        const result: DialResult = { multiaddr: addr, ok: false, error: PRIVATE_SKIPPED, ms: 0 };
        dialled.push(result);
        emit(onProgress, new CustomProgressEvent('pin:delegate:dialled', { service, ...result }));
        continue;
      }
      fresh.push(addr);
    }
    if (node === undefined) waiting.push(...fresh);
    else dial(node, fresh);
  };

  const dial = (node: IpfsNode, fresh: string[]): void => {
    if (fresh.length === 0 || controller.signal.aborted) return;
    const job = node
      .dial(fresh, {
        signal: controller.signal,
        allowPrivate: options.allowPrivate === true,
        ...(onProgress === undefined ? {} : { onProgress }),
      })
      .then((results) => {
        const ok: string[] = [];
        for (const result of results) {
          // Dials we stopped because the pin was done are not failures worth reporting.
          if (!result.ok && controller.signal.aborted) continue;
          dialled.push(result);
          if (result.ok) ok.push(result.multiaddr);
          emit(onProgress, new CustomProgressEvent('pin:delegate:dialled', { service, ...result }));
        }
        if (ok.length > 0) node.keep(ok, { announce: options.announce ?? [] });
      })
      .catch((err: unknown) => {
        if (controller.signal.aborted) return;
        // A dial that threw (rather than reporting failure) still must not fail the pin.
        for (const multiaddr of fresh) {
          const result: DialResult = {
            multiaddr,
            ok: false,
            error: errorMessage(err),
            ms: 0,
          };
          dialled.push(result);
          emit(onProgress, new CustomProgressEvent('pin:delegate:dialled', { service, ...result }));
        }
      })
      .finally(() => pending.delete(job));
    pending.add(job);
  };

  return {
    delegates,
    dialled,
    offer,
    attach(late) {
      if (node !== undefined) return;
      node = late;
      dial(late, waiting.splice(0));
    },
    async settle() {
      controller.abort();
      await Promise.allSettled([...pending]);
    },
  };
}

function wellFormed(addr: unknown): addr is string {
  return typeof addr === 'string' && addr.trim() !== '' && addr.length <= MAX_DELEGATE_LENGTH;
}

/**
 * Dials delegates a service named before our pin exists (those of a pin it already holds,
 * which the early token check sees) so that the connection is up when the pin is
 * submitted: the service can ask us for the root as soon as it starts, instead of after
 * the POST's answer and a dial (TCP, Noise, yamux: three round trips or more). Best effort
 * and unreported to the pin (the node's own `node:dial:done` events still say what
 * happened); the same bounds and private-address rule as the pin's dialer. The pin's own
 * dialer then finds the peer connected, keeps it and tells it what we hold. Resolves (never
 * rejects) when the dials are over: the caller awaits it before stopping the node.
 */
export function warmUpDelegates(
  node: IpfsNode,
  list: unknown,
  options: { allowPrivate: boolean; signal: AbortSignal },
): Promise<void> {
  if (!Array.isArray(list) || options.signal.aborted) return Promise.resolve();
  const addrs = [
    ...new Set(
      list
        .slice(0, MAX_DELEGATES_PER_ANSWER)
        .filter(wellFormed)
        .filter((addr) => options.allowPrivate || !isPrivateMultiaddr(addr)),
    ),
  ];
  if (addrs.length === 0) return Promise.resolve();
  return node
    .dial(addrs, { signal: options.signal, allowPrivate: options.allowPrivate })
    .then(() => undefined)
    .catch(() => undefined);
}
