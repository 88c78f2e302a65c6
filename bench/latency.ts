/**
 * node bench/latency.ts [-- --runs N] [--files N] [--mib N] [--no-kubo]
 *
 * Per-want latency of a node's bitswap serving side, the number that sets the pace when a
 * pinning service walks a DAG one block at a time (as @helia/pinning-service-api-server
 * does). A bare libp2p client (our own wire codec: no want debounce, no sessions) that the server
 * dials, as a service's delegate is dialled from a CI runner, sends one want-block at a
 * time, each on a new stream as Helia sends every message (`--one-stream`: all on one
 * long-lived stream, as kubo does), and times from opening that stream to holding the block. Servers: our embedded
 * node (its own process, loading build/, driven through bench/serve.ts --child) and kubo
 * serving the same tree. Prints the median, p90 and mean ms per want, best of N runs.
 */
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { noise } from '@libp2p/noise';
import { yamux } from '@libp2p/yamux';
import { identify } from '@libp2p/identify';
import type { PeerId, Stream } from '@libp2p/interface';
import { tcp } from '@libp2p/tcp';
import { createLibp2p } from 'libp2p';
import { CID } from 'multiformats/cid';
import { sha256 } from 'multiformats/hashes/sha2';
import { equals } from 'uint8arrays/equals';

// Before any source is loaded: see ts-resolve.ts.
await import(new URL('./ts-resolve.ts', import.meta.url).href);

const MiB = 1024 * 1024;
const BITSWAP = '/ipfs/bitswap/1.2.0';
const serveTs = fileURLToPath(new URL('serve.ts', import.meta.url));

const wire = await import('../src/lib/node/bitswap/wire.js');

type FromChild = { type: string; [k: string]: unknown };

function ask(proc: ChildProcess, m: unknown, want: string): Promise<FromChild> {
  return new Promise((resolve, reject) => {
    const onMessage = (r: FromChild): void => {
      if (r.type !== want) return;
      proc.off('message', onMessage);
      proc.off('exit', onExit);
      resolve(r);
    };
    const onExit = (code: number | null): void =>
      reject(new Error(`bench node exited (${code}) while waiting for ${want}`));
    proc.on('message', onMessage);
    proc.once('exit', onExit);
    proc.send(m as never);
  });
}

/** A bare bitswap requester: one want at a time, timed. */
async function startClient() {
  const node = await createLibp2p({
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: { identify: identify() },
    connectionGater: { denyDialMultiaddr: () => true },
  });
  let waiter: { digest: Uint8Array; resolve: () => void } | undefined;
  await node.handle(
    BITSWAP,
    (stream: Stream) => {
      void (async () => {
        try {
          const frames = wire.createFrameReader(4 * MiB);
          for await (const chunk of stream) {
            for (const buf of frames.push(chunk)) {
              const msg = wire.decodeMessage(buf);
              for (const { data: b } of msg.blocks) {
                const d = await sha256.digest(b);
                if (waiter !== undefined && equals(d.digest, waiter.digest)) {
                  const w = waiter;
                  waiter = undefined;
                  w.resolve();
                }
              }
            }
          }
        } catch {
          // a reset stream: the next block comes on another
        }
      })();
    },
    { maxInboundStreams: 1024 },
  );
  let out: Stream | undefined;
  return {
    multiaddrs: node.getMultiaddrs().map((m) => m.toString()),
    /** Wants each CID in turn; ms from sending the want to holding the block. */
    async timeWants(server: PeerId, cids: CID[], fresh: boolean): Promise<number[]> {
      const times: number[] = [];
      for (const cid of cids) {
        const t0 = performance.now();
        if (fresh || out === undefined || out.status !== 'open')
          out = await node.dialProtocol(server, BITSWAP);
        const got = new Promise<void>((resolve, reject) => {
          waiter = { digest: cid.multihash.digest, resolve };
          setTimeout(() => reject(new Error(`no block ${cid} in 10 s`)), 10_000).unref();
        });
        const msg = wire.encodeMessage({
          wantlist: {
            entries: [
              { cid: cid.bytes, priority: 1, cancel: false, wantType: wire.WANT_BLOCK, sendDontHave: true },
            ],
            full: false,
          },
          blocks: [],
          presences: [],
        });
        out.send(msg);
        if (fresh) void out.close().catch(() => {});
        await got;
        times.push(performance.now() - t0);
      }
      return times;
    },
    async reset() {
      await out?.close().catch(() => {});
      out = undefined;
    },
    async stop() {
      await node.stop();
    },
  };
}

function summary(xs: number[]): { median: number; p90: number; mean: number } {
  const s = [...xs].sort((a, b) => a - b);
  const at = (q: number): number => s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? NaN;
  return { median: at(0.5), p90: at(0.9), mean: xs.reduce((a, b) => a + b, 0) / xs.length };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      runs: { type: 'string', default: '3' },
      files: { type: 'string', default: '300' },
      mib: { type: 'string', default: '10' },
      'no-kubo': { type: 'boolean', default: false },
      'one-stream': { type: 'boolean', default: false },
    },
  });
  const fresh = !values['one-stream'];
  const runs = Number(values.runs);
  const { makeTree } = await import('../test/support/make-tree.js');
  const { startHeliaFetcher } = await import('../test/support/helia-fetcher.js');
  const { startKubo } = await import('../test/support/kubo.js');
  const { createNode } = await import('../src/lib/node/index.js');
  const { peerIdFromString } = await import('@libp2p/peer-id');

  const work = await mkdtemp(join(tmpdir(), 'ipfs-pin-latency-'));
  const ours: Array<ReturnType<typeof summary>> = [];
  const kubos: Array<ReturnType<typeof summary>> = [];
  let wants = 0;
  try {
    const tree = await makeTree({
      parent: work,
      files: Number(values.files),
      bytes: Number(values.mib) * MiB,
    });
    let cids: CID[] | undefined;
    for (let run = 0; run < runs; run++) {
      const proc = fork(serveTs, ['--child'], {
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
        env: { ...process.env, DEBUG: process.env.CHILD_DEBUG ?? '' },
        execArgv:
          process.env.CHILD_PROF === undefined
            ? []
            : ['--cpu-prof', `--cpu-prof-dir=${process.env.CHILD_PROF}`],
      });
      try {
        const ready = await ask(proc, { type: 'start', dir: tree.dir, tempDir: work }, 'ready');
        if (cids === undefined) {
          // The DAG's block list, walked once by a Helia fetcher (blocks in walk order).
          await using fetcher = await startHeliaFetcher();
          await ask(proc, { type: 'dial', addrs: fetcher.multiaddrs }, 'dialed');
          cids = (await fetcher.fetchDag(String(ready.cid))).cids.map((c) => CID.parse(c));
          wants = cids.length;
        }
        const client = await startClient();
        try {
          const dialed = await ask(proc, { type: 'dial', addrs: client.multiaddrs }, 'dialed');
          if (dialed.ok !== true) throw new Error(`dial failed: ${String(dialed.error)}`);
          const s = summary(await client.timeWants(peerIdFromString(String(ready.peerId)), cids, fresh));
          ours.push(s);
          console.error(
            `ours run ${run}: median ${s.median.toFixed(2)} p90 ${s.p90.toFixed(2)} mean ${s.mean.toFixed(2)} ms/want`,
          );
        } finally {
          await client.stop();
        }
      } finally {
        const exited = new Promise((r) => proc.once('exit', r));
        proc.send({ type: 'stop' });
        await exited;
      }
      if (!values['no-kubo']) {
        await using kubo = await startKubo();
        const viaKubo = await createNode({ kind: 'kubo-api', apiUrl: kubo.apiUrl, tempDir: work });
        const client = await startClient();
        try {
          await viaKubo.import(tree.dir);
          const [d] = await viaKubo.dial(client.multiaddrs);
          if (d?.ok !== true) throw new Error(`kubo could not dial: ${d?.error}`);
          const s = summary(await client.timeWants(peerIdFromString(viaKubo.peerId), cids, fresh));
          kubos.push(s);
          console.error(
            `kubo run ${run}: median ${s.median.toFixed(2)} p90 ${s.p90.toFixed(2)} mean ${s.mean.toFixed(2)} ms/want`,
          );
        } finally {
          await client.stop();
          await viaKubo.stop();
        }
      }
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  const best = (xs: Array<ReturnType<typeof summary>>): ReturnType<typeof summary> =>
    xs.reduce((a, b) => (b.median < a.median ? b : a));
  console.log(
    `| server | median ms/want | p90 | mean | wants (best of ${runs} by median) |\n|---|---:|---:|---:|---:|`,
  );
  const row = (name: string, s: ReturnType<typeof summary>): void =>
    console.log(
      `| ${name} | ${s.median.toFixed(2)} | ${s.p90.toFixed(2)} | ${s.mean.toFixed(2)} | ${wants} |`,
    );
  row('ours (embedded)', best(ours));
  if (kubos.length > 0) row('kubo', best(kubos));
}

await main();
