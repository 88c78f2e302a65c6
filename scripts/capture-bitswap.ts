// node scripts/capture-bitswap.ts  (after `npm run peers`)
//
// Captures real kubo bitswap messages for the codec's unit tests
// (test/fixtures/bitswap/kubo.json): a bare peer of ours (test/support/bitswap-peer.ts)
// connects to kubo 0.42 and
//   1. plays the server while kubo fetches a block: kubo's want-have (a broadcast, with
//      sendDontHave), its want-block after our HAVE, and its cancel once the block landed;
//   2. plays the client: it asks kubo for a small block by want-block, a small one by
//      want-have, a bigger one by want-have and a missing one by want-have with
//      sendDontHave, and keeps kubo's answers (blocks, HAVE, DONT_HAVE).
// Every run makes the same blocks, so the fixture changes only when kubo's bytes do.
import { writeFile, mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { CID } from 'multiformats/cid';
import * as raw from 'multiformats/codecs/raw';
import { sha256 } from 'multiformats/hashes/sha2';

await import(new URL('../bench/ts-resolve.ts', import.meta.url).href);
const { startKubo } = await import('../test/support/kubo.js');
const { startBitswapPeer } = await import('../test/support/bitswap-peer.js');
const wire = await import('../src/lib/node/bitswap/wire.js');
const { prefixOf } = await import('../src/lib/node/bitswap/engine.js');

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const block = async (bytes: Uint8Array): Promise<{ cid: CID; bytes: Uint8Array }> => ({
  cid: CID.createV1(raw.code, await sha256.digest(bytes)),
  bytes,
});
const pattern = (n: number, seed: number): Uint8Array =>
  Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);

const small = await block(new TextEncoder().encode('hello bitswap\n'));
const big = await block(pattern(4096, 7));
const missing = await block(pattern(100, 9));
const served = await block(pattern(600, 3));

const kubo = await startKubo();
const peer = await startBitswapPeer();
const frames: { name: string; from: 'kubo'; hex: string }[] = [];
try {
  const version = (await kubo.ipfs(['version', '--number'])).stdout.trim();
  for (const b of [small, big])
    await kubo.ipfs(['block', 'put', '--cid-codec=raw', '--mhtype=sha2-256', '-'], {
      input: Buffer.from(b.bytes),
    });
  await peer.dial(kubo.swarmAddrs);

  // 1. kubo fetches `served` from us.
  const fetching = kubo.ipfs(['block', 'get', served.cid.toString()], { timeoutMs: 30_000 });
  const wantHave = await peer.waitFor((f) => f.message.wantlist?.entries.some((e) => !e.cancel) === true);
  frames.push({ name: 'kubo-want-have', from: 'kubo', hex: hex(wantHave.bytes) });
  await peer.send(kubo.peerId, {
    blocks: [],
    presences: [{ cid: served.cid.bytes, type: wire.PRESENCE_HAVE }],
  });
  const wantBlock = await peer.waitFor(
    (f) => f.message.wantlist?.entries.some((e) => !e.cancel && e.wantType === wire.WANT_BLOCK) === true,
  );
  frames.push({ name: 'kubo-want-block', from: 'kubo', hex: hex(wantBlock.bytes) });
  await peer.send(kubo.peerId, {
    blocks: [{ prefix: prefixOf(served.cid), data: served.bytes }],
    presences: [],
  });
  await fetching;
  const cancel = await peer.waitFor((f) => f.message.wantlist?.entries.some((e) => e.cancel) === true);
  frames.push({ name: 'kubo-cancel', from: 'kubo', hex: hex(cancel.bytes) });

  // 2. We ask kubo.
  const before = peer.frames.length;
  await peer.send(kubo.peerId, {
    blocks: [],
    presences: [],
    wantlist: {
      full: false,
      entries: [
        { cid: small.cid.bytes, priority: 10, cancel: false, wantType: wire.WANT_BLOCK, sendDontHave: true },
        { cid: big.cid.bytes, priority: 9, cancel: false, wantType: wire.WANT_HAVE, sendDontHave: true },
        { cid: missing.cid.bytes, priority: 8, cancel: false, wantType: wire.WANT_HAVE, sendDontHave: true },
      ],
    },
  });
  const answers = async (): Promise<void> => {
    for (;;) {
      const got = peer.frames.slice(before);
      const blocks = got.flatMap((f) => f.message.blocks).length;
      const presences = got.flatMap((f) => f.message.presences).length;
      if (blocks >= 1 && presences >= 2) return;
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  await Promise.race([
    answers(),
    new Promise((_, reject) => setTimeout(() => reject(new Error('kubo did not answer')), 15_000)),
  ]);
  peer.frames
    .slice(before)
    .forEach((f, i) => frames.push({ name: `kubo-answer-${i}`, from: 'kubo', hex: hex(f.bytes) }));

  const out = {
    description:
      'Bitswap 1.2.0 messages sent by kubo, captured by scripts/capture-bitswap.ts (a bare peer of ours on loopback). Each hex string is one message without its length prefix.',
    kubo: version,
    blocks: {
      small: { cid: small.cid.toString(), hex: hex(small.bytes) },
      big: { cid: big.cid.toString(), bytes: big.bytes.byteLength },
      missing: { cid: missing.cid.toString() },
      served: { cid: served.cid.toString(), hex: hex(served.bytes) },
    },
    frames,
  };
  const dir = fileURLToPath(new URL('../test/fixtures/bitswap/', import.meta.url));
  await mkdir(dir, { recursive: true });
  await writeFile(`${dir}kubo.json`, `${JSON.stringify(out, null, 2)}\n`);
  console.log(`captured ${frames.length} messages from kubo ${version} into test/fixtures/bitswap/kubo.json`);
} finally {
  await peer.stop();
  await kubo.stop();
}
