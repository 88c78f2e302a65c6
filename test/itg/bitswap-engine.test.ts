// The embedded node's bitswap engine against a bare peer that sends exactly the wants a test
// chooses (test/support/bitswap-peer.ts): what it answers, in what order and sizes, what a
// cancel, a reset, a malformed message or an old protocol does, and the HAVE it announces.
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { peerIdFromString } from '@libp2p/peer-id';
import { CID } from 'multiformats/cid';
import * as raw from 'multiformats/codecs/raw';
import { sha256 } from 'multiformats/hashes/sha2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNode } from '../../src/lib/node/index.js';
import type { BitswapEvent, IpfsNode } from '../../src/lib/node/index.js';
import { BITSWAP_100, BITSWAP_110 } from '../../src/lib/node/bitswap/protocol.js';
import { MAX_LANES } from '../../src/lib/node/bitswap/sender.js';
import { PRESENCE_DONT_HAVE, PRESENCE_HAVE, WANT_BLOCK, WANT_HAVE } from '../../src/lib/node/bitswap/wire.js';
import type { WireEntry } from '../../src/lib/node/bitswap/wire.js';
import { startBitswapPeer } from '../support/bitswap-peer.js';
import type { BitswapPeer, ReceivedFrame } from '../support/bitswap-peer.js';

const content = (name: string, n: number): Buffer => {
  const out = Buffer.alloc(n);
  let at = 0;
  for (let i = 0; at < n; i++) {
    const h = createHash('sha256').update(`${name}/${i}`).digest();
    at += h.copy(out, at);
  }
  return out;
};
const rawCid = async (bytes: Uint8Array): Promise<CID> => CID.createV1(raw.code, await sha256.digest(bytes));

let dir: string;
let node: IpfsNode;
let root: CID;
const tiny = content('tiny', 10);
const mids = Array.from({ length: 40 }, (_, i) => content(`mid-${i}`, 600_000));
const smalls = Array.from({ length: 50 }, (_, i) => content(`small-${i}`, 1_000));
let tinyCid: CID;
let midCids: CID[];
let smallCids: CID[];
let missingCid: CID;
const events: BitswapEvent[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ipfs-pin-engine-'));
  const site = join(dir, 'site');
  await mkdir(join(site, 'small'), { recursive: true });
  await writeFile(join(site, 'tiny.txt'), tiny);
  for (const [i, m] of mids.entries())
    await writeFile(join(site, `mid-${String(i).padStart(2, '0')}.bin`), m);
  for (const [i, s] of smalls.entries())
    await writeFile(join(site, 'small', `s-${String(i).padStart(3, '0')}.txt`), s);
  node = await createNode({ tempDir: dir, listen: ['/ip4/127.0.0.1/tcp/0'] });
  node.subscribe?.((e) => events.push(e));
  root = (await node.import(site)).cid;
  tinyCid = await rawCid(tiny);
  midCids = await Promise.all(mids.map(rawCid));
  smallCids = await Promise.all(smalls.map(rawCid));
  missingCid = await rawCid(content('nobody has this', 100));
  expect(await node.has(tinyCid)).toBe(true);
  expect(await node.has(midCids[0]!)).toBe(true);
});

afterAll(async () => {
  await node?.stop();
  await rm(dir, { recursive: true, force: true });
});

const entry = (
  cid: CID,
  priority: number,
  wantType = WANT_BLOCK,
  extra: Partial<WireEntry> = {},
): WireEntry => ({
  cid: cid.bytes,
  priority,
  cancel: false,
  wantType,
  sendDontHave: false,
  ...extra,
});

async function connected(
  options: Parameters<typeof startBitswapPeer>[0] = {},
  beforeDial?: (peer: BitswapPeer) => void,
): Promise<BitswapPeer> {
  const peer = await startBitswapPeer(options);
  beforeDial?.(peer);
  const [d] = await node.dial(peer.multiaddrs);
  expect(d?.ok, d?.error).toBe(true);
  // The peer's side of the connection is ready a moment after ours.
  while (peer.libp2p.getConnections(peerIdFromString(node.peerId)).length === 0)
    await new Promise((r) => setTimeout(r, 10));
  return peer;
}

const fromNode = (f: ReceivedFrame): boolean => f.from === node.peerId;
/** A message that only adds these entries to the node's view of our wantlist. */
const wants = (entries: ReturnType<typeof entry>[]) => ({
  blocks: [],
  presences: [],
  wantlist: { full: false, entries },
});
const blocksIn = (frames: ReceivedFrame[]): Promise<string[]> =>
  Promise.all(frames.flatMap((f) => f.message.blocks.map(async (b) => (await rawCid(b.data)).toString())));

/** The peer stops reading, asks for `cids` (the first first), and gives the node `ms` to start on them. */
async function wantWhilePaused(peer: BitswapPeer, cids: CID[], ms: number): Promise<void> {
  peer.pauseInbound(true);
  await peer.send(node.peerId, wants(cids.map((c, i) => entry(c, 100 - i))));
  await new Promise((r) => setTimeout(r, ms));
}

/** Waits until the peer holds `n` blocks from the node, then a moment more for strays. */
async function collect(peer: BitswapPeer, n: number): Promise<string[]> {
  await peer.waitFor(() => peer.frames.filter(fromNode).flatMap((f) => f.message.blocks).length >= n, 20_000);
  await new Promise((r) => setTimeout(r, 300));
  return blocksIn(peer.frames.filter(fromNode));
}

describe('bitswap engine answers', () => {
  it('a want-block with the block, a small want-have with the block, a big one with HAVE, a missing one with DONT_HAVE if asked', async () => {
    await using peer = await connected();
    await peer.send(node.peerId, {
      blocks: [],
      presences: [],
      wantlist: {
        full: false,
        entries: [
          entry(smallCids[0]!, 10),
          entry(tinyCid, 9, WANT_HAVE),
          entry(midCids[0]!, 8, WANT_HAVE),
          entry(missingCid, 7, WANT_HAVE, { sendDontHave: true }),
          entry(await rawCid(content('also missing', 10)), 6, WANT_BLOCK),
        ],
      },
    });
    await peer.waitFor((f) => fromNode(f) && f.message.presences.some((p) => p.type === PRESENCE_DONT_HAVE));
    await new Promise((r) => setTimeout(r, 300));
    const frames = peer.frames.filter(fromNode);
    expect(new Set(await blocksIn(frames))).toEqual(new Set([smallCids[0]!.toString(), tinyCid.toString()]));
    const presences = frames
      .flatMap((f) => f.message.presences)
      .map((p) => [CID.decode(p.cid).toString(), p.type]);
    expect(presences).toEqual([
      [midCids[0]!.toString(), PRESENCE_HAVE],
      [missingCid.toString(), PRESENCE_DONT_HAVE],
    ]);
    // The block the node lacks, wanted without sendDontHave: no answer at all.
    expect(frames.every((f) => f.protocol === '/ipfs/bitswap/1.2.0')).toBe(true);
  });

  it('in the peer priority order, small blocks packed to about 16 KiB, a big block alone', async () => {
    await using peer = await connected();
    const wanted = [
      ...smallCids.map((c, i) => entry(c, 1000 - i)),
      entry(midCids[1]!, 2000),
      entry(midCids[2]!, 1),
    ];
    await peer.send(node.peerId, wants(wanted));
    const got = await collect(peer, wanted.length);
    // Messages are started in priority order on up to MAX_LANES streams; a big block's
    // message may finish after smaller ones started later, so only the small blocks (one
    // frame each) are sure to land in the order they were sent.
    expect(new Set(got)).toEqual(new Set([midCids[1]!, ...smallCids, midCids[2]!].map(String)));
    const small = new Set(smallCids.map(String));
    expect(got.filter((c) => small.has(c))).toEqual(smallCids.map(String));
    const frames = peer.frames.filter(fromNode);
    for (const f of frames) {
      const sizes = f.message.blocks.map((b) => b.data.byteLength);
      const total = sizes.reduce((a, b) => a + b, 0);
      if (sizes.length > 1) expect(total).toBeLessThanOrEqual(16 * 1024 + 1_000);
      if (sizes.some((s) => s > 16 * 1024)) expect(sizes).toHaveLength(1);
    }
    // 50 blocks of 1 KB went in a few messages, not 50.
    expect(frames.filter((f) => f.message.blocks.length > 1).length).toBeGreaterThan(0);
    expect(frames.length).toBeLessThan(20);
  });

  it('never sends a block whose want was cancelled while it waited behind full windows', async () => {
    await using peer = await connected();
    // The peer stops reading: the node can start one 600 KB block on each of its MAX_LANES
    // streams, and no more (each waits for the receiver's window).
    await wantWhilePaused(peer, midCids.slice(3, 40), 500);
    // Everything but the first three is cancelled, then the peer reads again.
    const cancels = midCids.slice(6, 40).map((c) => entry(c, 0, WANT_BLOCK, { cancel: true }));
    await peer.send(node.peerId, wants(cancels));
    await new Promise((r) => setTimeout(r, 300));
    peer.pauseInbound(false);
    const got = await collect(peer, 3);
    expect(got).toEqual(expect.arrayContaining(midCids.slice(3, 6).map(String)));
    // At most the blocks already being written (one per stream) when the cancels came: the
    // wants still queued behind them were cancelled and never go out.
    expect(got.length).toBeLessThanOrEqual(MAX_LANES);
    expect(new Set(got).size).toBe(got.length);
    const cancelled = new Set(midCids.slice(3 + MAX_LANES, 40).map(String));
    expect(got.filter((c) => cancelled.has(c))).toEqual([]);
  });

  it('writes a round of big blocks on several streams at once, none waiting behind another in one window', async () => {
    await using peer = await connected();
    // The peer reads nothing for a while: on one stream the second block would wait for
    // the first to leave yamux's window (a round trip per window on a real link).
    await wantWhilePaused(peer, midCids.slice(30, 34), 300);
    peer.pauseInbound(false);
    const got = await collect(peer, 4);
    expect(new Set(got)).toEqual(new Set(midCids.slice(30, 34).map(String)));
    const carriers = peer.frames
      .filter((f) => fromNode(f) && f.message.blocks.length > 0)
      .map((f) => f.stream);
    expect(new Set(carriers).size).toBe(4);
  });

  it('sends a block again on a new stream when the receiver resets the stream in the middle of it', async () => {
    // The node's sending stream opens at the dial: the reset is planned before it. The peer
    // resets as the first bytes of the 600 KB block land: most of it is still waiting for
    // the receiver's window (256 KiB at first) on the node's side.
    await using peer = await connected({}, (p) => p.abortInbound(1));
    await peer.send(node.peerId, {
      blocks: [],
      presences: [],
      wantlist: { full: false, entries: [entry(midCids[10]!, 1)] },
    });
    const got = await collect(peer, 1);
    expect(got).toEqual([midCids[10]!.toString()]);
    // It came on the second stream the node opened: the first was reset under it.
    expect(peer.frames.filter(fromNode)).toHaveLength(1);
    expect(peer.resets()).toBe(1);
  });

  it('resets a stream that brings a malformed message, and answers on the next one', async () => {
    await using peer = await connected();
    const bad = await peer.openStream(node.peerId);
    bad.send(Uint8Array.from([4, 0x0b, 0xff, 0xff, 0xff]));
    await new Promise<void>((resolve) => bad.addEventListener('close', () => resolve(), { once: true }));
    expect(bad.status).toBe('reset');
    // A stream that is cut off in the middle of a message: what it carried is dropped.
    const cut = await peer.openStream(node.peerId);
    cut.send(Uint8Array.from([100, 0x0a, 0x05]));
    cut.abort(new Error('test: cut off mid-message'));
    await peer.send(node.peerId, wants([entry(smallCids[5]!, 1)]), { fresh: true });
    expect(await collect(peer, 1)).toEqual([smallCids[5]!.toString()]);
  });

  it('speaks 1.1.0 (blocks with their prefix, no presences) and 1.0.0 (bare blocks) to peers that only have those', async () => {
    for (const protocol of [BITSWAP_110, BITSWAP_100]) {
      await using peer = await connected({ protocols: [protocol] });
      await peer.send(node.peerId, {
        blocks: [],
        presences: [],
        wantlist: {
          full: false,
          entries: [entry(smallCids[7]!, 2), entry(missingCid, 1, WANT_BLOCK, { sendDontHave: true })],
        },
      });
      await peer.waitFor(fromNode);
      await new Promise((r) => setTimeout(r, 300));
      const frames = peer.frames.filter(fromNode);
      expect(frames.every((f) => f.protocol === protocol)).toBe(true);
      expect(frames.flatMap((f) => f.message.presences)).toEqual([]);
      const blocks = frames.flatMap((f) => f.message.blocks);
      expect(blocks).toHaveLength(1);
      expect(blocks[0]!.prefix.byteLength).toBe(protocol === BITSWAP_100 ? 0 : 4);
      expect(Buffer.from(blocks[0]!.data)).toEqual(smalls[7]);
    }
  });

  it('tells a kept peer it has the root, unasked, and again after the peer hung up and was re-dialled', async () => {
    await using peer = await startBitswapPeer();
    const addr = peer.multiaddrs[0]!;
    await node.dial([addr]);
    node.keep([addr], { announce: [root] });
    const isHave = (f: ReceivedFrame): boolean =>
      fromNode(f) &&
      f.message.presences.some((p) => p.type === PRESENCE_HAVE && CID.decode(p.cid).equals(root));
    const first = await peer.waitFor(isHave);
    await Promise.all(peer.libp2p.getConnections().map((c) => c.close()));
    // libp2p re-dials the kept peer; the engine says it again on the new connection.
    await peer.waitFor((f) => isHave(f) && f !== first && f.at > first.at, 20_000);
    expect(peer.frames.filter(isHave).length).toBeGreaterThanOrEqual(2);
    // Presences only: no block goes to a peer that asked for none.
    expect(peer.frames.filter(fromNode).flatMap((f) => f.message.blocks)).toEqual([]);
  });

  it('reports what it did as events: wants received, blocks and presences sent, the wantlist emptied, a peer gone', () => {
    const types = new Set(events.map((e) => e.type));
    // bitswap:peer:gone: the peer of the test above hung up (its state was dropped).
    expect(types).toEqual(
      new Set([
        'bitswap:message:received',
        'bitswap:want:received',
        'bitswap:block:sent',
        'bitswap:presence:sent',
        'bitswap:wantlist:empty',
        'bitswap:peer:gone',
      ]),
    );
    const announced = events.filter((e) => e.type === 'bitswap:presence:sent' && !e.detail.asked);
    expect(announced.length).toBeGreaterThanOrEqual(2);
  });
});
