import { isPeerId } from '@libp2p/interface';
import type { Libp2p, PeerId, Stream } from '@libp2p/interface';

const BITSWAP = '/ipfs/bitswap/1.2.0';
/**
 * A spare stream older than this is closed unused. The receiving Helia aborts an incoming
 * bitswap stream that brings no message within its receive timeout (5 s in Helia 5, 10 s in
 * Helia 7); kubo has none. Well under both.
 */
const SPARE_MAX_AGE_MS = 1_000;
const OPEN_TIMEOUT_MS = 10_000;

interface Spare {
  /** Resolves to the negotiated stream, or undefined when opening it failed. */
  stream: Promise<Stream | undefined>;
  timer?: ReturnType<typeof setTimeout>;
  /** Handed to a sender (possibly before it finished opening). */
  taken?: boolean;
}

/**
 * Keeps one negotiated bitswap stream ready per peer we send blocks to.
 *
 * @helia/bitswap opens a new stream for every message it sends (blocks included), and
 * libp2p negotiates each one with multistream-select before the first byte of the block can
 * go: one round trip through the other side's event loop, plus its stream set-up, on the
 * path of every want. A service that asks for one block at a time (as
 * @helia/pinning-service-api-server walks a DAG) waits for that on every block. Here the
 * next stream to a peer is opened and negotiated while the current message goes out, so the
 * next send finds it ready. Every message still goes on a stream of its own, closed after
 * it (what every bitswap receiver expects); only the time of the negotiation moves.
 * Measured on loopback: tools/psa-server pins a 300-file tree served by our node in 5.4 s
 * instead of 5.95 s (median of 3); with the synchronous disk reads, 5.07 s.
 *
 * Wraps `libp2p.dialProtocol` (the only way @helia/bitswap opens streams) for the bitswap
 * protocol to a peer id; anything else passes through. Returns `stop`, which closes the
 * spares and stops opening new ones, and `taken`, how many sends found a usable spare (the
 * canary: 0 after a served DAG means bitswap no longer opens its streams this way).
 */
export function warmBitswapStreams(libp2p: Libp2p): { stop: () => void; taken: () => number } {
  const dial = libp2p.dialProtocol.bind(libp2p);
  const spares = new Map<string, Spare>();
  let stopped = false;
  let taken = 0;

  const discard = (stream: Stream | undefined): void => {
    stream
      ?.close()
      .catch((err: unknown) => stream.abort(err instanceof Error ? err : new Error(String(err))));
  };
  const usable = (s: Stream | undefined): s is Stream =>
    s !== undefined &&
    s.status === 'open' &&
    s.writeStatus === 'writable' &&
    s.remoteReadStatus === 'readable';

  /** The spare for a peer (still opening or ready), removed from the map. */
  const take = (key: string): Promise<Stream | undefined> | undefined => {
    const spare = spares.get(key);
    if (spare === undefined) return undefined;
    spares.delete(key);
    spare.taken = true;
    clearTimeout(spare.timer);
    return spare.stream;
  };

  const refill = (peer: PeerId): void => {
    const key = peer.toString();
    if (stopped || spares.has(key) || libp2p.getConnections(peer).length === 0) return;
    const spare: Spare = {
      stream: dial(peer, BITSWAP, { signal: AbortSignal.timeout(OPEN_TIMEOUT_MS) }).then(
        (stream) => {
          if (spare.taken === true) return stream;
          if (stopped) {
            discard(stream);
            return undefined;
          }
          spare.timer = setTimeout(() => {
            if (spares.get(key) !== spare) return;
            spares.delete(key);
            discard(stream);
          }, SPARE_MAX_AGE_MS);
          spare.timer.unref?.();
          return stream;
        },
        () => {
          if (spares.get(key) === spare) spares.delete(key);
          return undefined;
        },
      ),
    };
    spares.set(key, spare);
  };

  const onDisconnect = (evt: CustomEvent<PeerId>): void => {
    void take(evt.detail.toString())?.then(discard);
  };
  libp2p.addEventListener('peer:disconnect', onDisconnect);

  libp2p.dialProtocol = async (peer, protocols, options) => {
    const bitswap =
      protocols === BITSWAP ||
      (Array.isArray(protocols) && protocols.length === 1 && protocols[0] === BITSWAP);
    if (stopped || !bitswap || !isPeerId(peer)) return dial(peer, protocols, options);
    // A spare still being negotiated is further along than a new stream would be.
    const spare = await take(peer.toString());
    // Open the next one once this message is on its way (the caller writes it
    // synchronously as soon as it holds the stream).
    setImmediate(() => refill(peer));
    if (usable(spare)) {
      taken++;
      return spare;
    }
    discard(spare);
    return dial(peer, protocols, options);
  };

  return {
    stop: () => {
      stopped = true;
      libp2p.removeEventListener('peer:disconnect', onDisconnect);
      for (const key of [...spares.keys()]) void take(key)?.then(discard);
    },
    taken: () => taken,
  };
}
