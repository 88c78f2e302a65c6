/** The parts of @helia/bitswap's network this reaches for (not its public API). */
interface BitswapNetwork {
  sendMessage(
    peerId: { toString(): string },
    message: { blocks?: Map<string, unknown> },
    options?: unknown,
  ): Promise<void>;
}

interface HeliaWithBrokers {
  blockBrokers?: { name?: string; bitswap?: { network?: unknown } }[];
}

/**
 * Calls `onSent(peer, keys)` after @helia/bitswap has sent a message with blocks to a peer;
 * the keys are bitswap's own (multibase base64 of each block's multihash).
 *
 * Bitswap counts what it sends but not to whom, and the served-bytes metric has no CIDs;
 * its network's `sendMessage(peerId, message)` has both. It is not public API: when the
 * running version has no such method, nothing is watched, and the wait falls back to
 * the silence rule. Returns `stop`, which puts the original back; `watching`, whether the
 * wrap could be installed; and `seen`, how many messages with blocks went through it (the
 * canaries: false, or 0 after a served DAG, means @helia/bitswap changed its insides).
 */
export function watchSentBlocks(
  helia: unknown,
  onSent: (peer: string, keys: Iterable<string>) => void,
): { stop: () => void; watching: boolean; seen: () => number } {
  const broker = (helia as HeliaWithBrokers).blockBrokers?.find((b) => b.name === 'bitswap');
  const network = broker?.bitswap?.network as Partial<BitswapNetwork> | undefined;
  if (network === undefined || typeof network.sendMessage !== 'function') {
    return { stop: () => {}, watching: false, seen: () => 0 };
  }
  const original = network.sendMessage;
  const send = original.bind(network);
  let seen = 0;
  network.sendMessage = async (peerId, message, options) => {
    await send(peerId, message, options);
    const blocks = message?.blocks;
    if (blocks instanceof Map && blocks.size > 0) {
      seen++;
      onSent(peerId.toString(), blocks.keys());
    }
  };
  return {
    stop: () => {
      network.sendMessage = original;
    },
    watching: true,
    seen: () => seen,
  };
}
