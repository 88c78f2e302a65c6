import { CustomProgressEvent } from '../progress.js';
import { emit } from './emit.js';
import type { DialResult, IpfsNode } from '../node/types.js';
import type { PinFlowProgressEvent } from './types.js';

/**
 * Dials the delegates of every status a service sends (kubo dials only the first
 * response's), each address once, and keeps the ones that answered connected so
 * bitswap can run over them. Dials are best effort and run beside the polling: a slow
 * or failed dial never holds up or fails the pin.
 */
export interface DelegateDialer {
  /** Every delegate seen so far, in the order the service named them. */
  readonly delegates: string[];
  readonly dialled: DialResult[];
  offer(delegates: unknown): void;
  /** Stops dials still running and waits for them to report. */
  settle(): Promise<void>;
}

export function createDelegateDialer(
  node: IpfsNode | undefined,
  service: string,
  onProgress: ((event: PinFlowProgressEvent) => void) | undefined,
): DelegateDialer {
  const delegates: string[] = [];
  const dialled: DialResult[] = [];
  const seen = new Set<string>();
  const pending = new Set<Promise<void>>();
  const controller = new AbortController();

  const offer = (list: unknown): void => {
    if (!Array.isArray(list)) return;
    const fresh: string[] = [];
    for (const addr of list) {
      if (typeof addr !== 'string' || addr.trim() === '' || seen.has(addr)) continue;
      seen.add(addr);
      delegates.push(addr);
      fresh.push(addr);
    }
    if (node === undefined || fresh.length === 0 || controller.signal.aborted) return;
    const job = node
      .dial(fresh, { signal: controller.signal, ...(onProgress === undefined ? {} : { onProgress }) })
      .then((results) => {
        const ok: string[] = [];
        for (const result of results) {
          // Dials we stopped because the pin was done are not failures worth reporting.
          if (!result.ok && controller.signal.aborted) continue;
          dialled.push(result);
          if (result.ok) ok.push(result.multiaddr);
          emit(onProgress, new CustomProgressEvent('pin:delegate:dialled', { service, ...result }));
        }
        if (ok.length > 0) node.keep(ok);
      })
      .catch((err: unknown) => {
        if (controller.signal.aborted) return;
        // A dial that threw (rather than reporting failure) still must not fail the pin.
        for (const multiaddr of fresh) {
          const result: DialResult = {
            multiaddr,
            ok: false,
            error: err instanceof Error ? err.message : String(err),
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
    async settle() {
      controller.abort();
      await Promise.allSettled([...pending]);
    },
  };
}
