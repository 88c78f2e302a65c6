/** The parts of @helia/bitswap's network this reaches for (not its public API). */
interface BitswapNetwork {
  sendMessage(peerId: { toString(): string }, message: unknown, options?: unknown): Promise<void>;
  addEventListener(type: string, listener: (evt: Event) => void): void;
  removeEventListener(type: string, listener: (evt: Event) => void): void;
}

interface HeliaWithBrokers {
  blockBrokers?: { name?: string; bitswap?: { network?: unknown } }[];
}

/**
 * The shape of @helia/bitswap's QueuedBitswapMessage that its network reads (maps keyed by
 * multibase base64 of the multihash).
 */
export interface QueuedMessage {
  full: boolean;
  pendingBytes: number;
  wantlist: Map<string, unknown>;
  blockPresences: Map<string, unknown>;
  blocks: Map<string, { data: Uint8Array }>;
}

/**
 * Blocks go out in messages of about this many bytes, a block bigger than it alone: the
 * target boxo's engine uses (`targetMessageSize`), so kubo sends a block per message too.
 */
export const BLOCK_MESSAGE_TARGET = 16 * 1024;

/**
 * Splits a message's blocks into messages of about `target` bytes, in their order; block
 * presences and wantlist entries go with the first. A message with one block or none is
 * returned as it is.
 *
 * Why: a receiver hands a message's blocks to its DAG walk only once the whole message has
 * arrived, and kubo's walk has 32 blocks in flight. @helia/bitswap answered all of them in
 * one message (up to 4 MiB), so the walk waited for the last block of the batch, then asked
 * for the next batch, and the link stood idle for a round trip each time: on a 50 ms,
 * 100 Mbit/s link that used half of it. One block per message keeps wants and blocks
 * flowing as kubo's own server does (bench:wan: 17.4 s to 11.8 s there, 8.2 to 7.0 s at
 * 50 ms without the cap).
 */
export function splitBlocks(message: QueuedMessage, target = BLOCK_MESSAGE_TARGET): QueuedMessage[] {
  if (message.blocks.size <= 1) return [message];
  const parts: QueuedMessage[] = [];
  let part: QueuedMessage | undefined;
  let size = 0;
  for (const [key, block] of message.blocks) {
    if (part === undefined || (part.blocks.size > 0 && size + block.data.byteLength > target)) {
      part = {
        full: false,
        pendingBytes: 0,
        wantlist: parts.length === 0 ? message.wantlist : new Map(),
        blockPresences: parts.length === 0 ? message.blockPresences : new Map(),
        blocks: new Map(),
      };
      parts.push(part);
      size = 0;
    }
    part.blocks.set(key, block);
    size += block.data.byteLength;
  }
  if (parts.length === 1) return [message];
  return parts;
}

/**
 * Wraps @helia/bitswap's network `sendMessage(peerId, message)`, the one place where both
 * the blocks and their peer are in hand:
 * - a message with several blocks goes out as several small ones ({@link splitBlocks}),
 *   one after the other;
 * - `onSent(peer, keys)` is called after each has been sent, with bitswap's own keys
 *   (multibase base64 of each block's multihash). Bitswap counts what it sends but not to
 *   whom, and the served-bytes metric has no CIDs.
 *
 * It also listens for the messages the network receives (its `bitswap:message` event):
 * `lastHeardAt` is when a peer last sent us one. A fetching kubo cancels each want as its
 * block lands, so after our last block has gone out, its cancels keep coming until the last
 * one arrived: on a slow link that is seconds after we handed it off.
 *
 * It is not public API: when the running version has no such method, nothing is wrapped,
 * blocks go in bitswap's own messages and the wait falls back to the silence rule. Returns
 * `stop`, which puts the original back; `watching`, whether the wrap could be installed;
 * `seen`, how many messages with blocks went through it; `split`, how many were sent as
 * several; and `heard`, how many incoming messages it saw (the canaries: false, or 0 after
 * a served DAG, means @helia/bitswap changed its insides).
 */
export function watchSentBlocks(
  helia: unknown,
  onSent: (peer: string, keys: Iterable<string>) => void,
  options: { target?: number; now?: () => number } = {},
): SentBlocksWatch {
  const broker = (helia as HeliaWithBrokers).blockBrokers?.find((b) => b.name === 'bitswap');
  const network = broker?.bitswap?.network as Partial<BitswapNetwork> | undefined;
  if (network === undefined || typeof network.sendMessage !== 'function') {
    return {
      stop: () => {},
      watching: false,
      seen: () => 0,
      split: () => 0,
      heard: () => 0,
      lastHeardAt: () => undefined,
    };
  }
  const original = network.sendMessage;
  const send = original.bind(network);
  let seen = 0;
  let split = 0;
  let heard = 0;
  let lastHeardAt: number | undefined;
  const onMessage = (): void => {
    heard++;
    lastHeardAt = (options.now ?? Date.now)();
  };
  const listening = typeof network.addEventListener === 'function';
  if (listening) network.addEventListener?.('bitswap:message', onMessage);
  network.sendMessage = async (peerId, message, sendOptions) => {
    const m = message as Partial<QueuedMessage> | undefined;
    if (!(m?.blocks instanceof Map) || !(m.wantlist instanceof Map) || !(m.blockPresences instanceof Map)) {
      await send(peerId, message, sendOptions);
      return;
    }
    const parts = splitBlocks(m as QueuedMessage, options.target);
    if (parts.length > 1) split++;
    for (const part of parts) {
      await send(peerId, part, sendOptions);
      if (part.blocks.size > 0) {
        seen++;
        onSent(peerId.toString(), part.blocks.keys());
      }
    }
  };
  return {
    stop: () => {
      network.sendMessage = original;
      if (listening) network.removeEventListener?.('bitswap:message', onMessage);
    },
    watching: true,
    seen: () => seen,
    split: () => split,
    heard: () => heard,
    lastHeardAt: () => lastHeardAt,
  };
}

export interface SentBlocksWatch {
  stop: () => void;
  watching: boolean;
  seen: () => number;
  split: () => number;
  heard: () => number;
  lastHeardAt: () => number | undefined;
}
