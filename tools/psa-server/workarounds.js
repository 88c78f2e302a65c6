// Fixes for @helia/pinning-service-api-server 1.0.4, applied from outside the package.
//
// 1. Its preHandler hook makes a new PinStore for every request, and PinStore#start re-queues
//    every queued or pinning pin, so each poll starts another job for the same pin. Two jobs
//    racing on one CID can write `failed` over a finished `pinned`. We make ONE PinStore and
//    put it on every request in a hook that runs first; theirs only fills a missing store.
// 2. A pin job awaits a dial to every origin, so one unreachable origin fails the pin. Origins
//    are hints (the spec: dials are best effort): we dial them in the background instead.
// 3. After `pinned` the job calls helia.routing.provide, which throws with no routers (we have
//    none on loopback) and turns the pin into `failed`. On loopback there is no one to tell.
// 4. Delegates are whatever libp2p.getMultiaddrs() says; we hand out our own loopback listen
//    addresses, each ending in /p2p/<id>, so a client can dial them.
import { URL } from 'node:url';

/* global AbortSignal */

const ORIGIN_DIAL_TIMEOUT_MS = 10_000;

/** PinStore is not in the package's exports map, so import its file by URL. */
export async function loadPinStoreClass() {
  const entry = import.meta.resolve('@helia/pinning-service-api-server');
  const { PinStore } = await import(new URL('./pin-store.js', entry).href);
  if (typeof PinStore !== 'function') {
    throw new Error(
      '@helia/pinning-service-api-server has no dist/src/pin-store.js PinStore: check its version',
    );
  }
  return PinStore;
}

/**
 * The Helia the package sees: the real node with best-effort origin dials, a no-op provide and
 * our delegates.
 *
 * @param {import('@helia/utils').Helia} helia
 * @param {{ delegates: import('@multiformats/multiaddr').Multiaddr[], log: (line: string) => void }} init
 */
export function heliaForPinningService(helia, { delegates, log }) {
  const libp2p = overlay(helia.libp2p, {
    dial: async (addrs) => {
      helia.libp2p.dial(addrs, { signal: AbortSignal.timeout(ORIGIN_DIAL_TIMEOUT_MS) }).then(
        (connection) => log(`origin dialled: ${connection.remoteAddr.toString()}`),
        (err) => log(`origin dial failed (ignored): ${[addrs].flat().join(' ')}: ${err.message}`),
      );
      return undefined;
    },
    getMultiaddrs: () => delegates,
  });
  const routing = overlay(helia.routing, { provide: async () => {} });
  // Not a fix: one log line per pin with how long fetching its DAG took, from the first
  // block asked for to the last one held (benchmarks compare serving nodes by it).
  const pins = overlay(helia.pins, {
    add: async function* (cid, options) {
      const started = Date.now();
      let blocks = 0;
      for await (const block of helia.pins.add(cid, options)) {
        blocks++;
        yield block;
      }
      log(`pin ${cid} fetched: ${blocks} blocks in ${Date.now() - started} ms`);
    },
  });
  return overlay(helia, { libp2p, routing, pins });
}

/** Put the one shared PinStore on every request before the package's own hook looks. */
export function useOnePinStore(server, pinStore) {
  server.addHook('preHandler', async (request) => {
    request.pinStore = pinStore;
  });
}

function overlay(target, overrides) {
  return new Proxy(target, {
    get(object, property) {
      if (Object.hasOwn(overrides, property)) {
        return overrides[property];
      }
      const value = Reflect.get(object, property, object);
      // Methods run against the real object: libp2p keeps #private fields.
      return typeof value === 'function' ? value.bind(object) : value;
    },
  });
}
