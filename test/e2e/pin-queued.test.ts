// A busy service: IPFS Cluster with one pin slot, held by another pin, so ours waits in the
// queue while our node is connected to the service's kubo; and a kubo that treats the
// runner as a public peer (Internal.Bitswap.BroadcastControl.LocalPeers: kubo >= 0.36 then
// sends its want broadcasts only to peers that sent it a block or a HAVE before). Both
// failed with the Helia-based node (#20): the service listed our root in its wantlist for
// the whole pin and never asked us.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CID } from 'multiformats/cid';
import * as raw from 'multiformats/codecs/raw';
import { sha256 } from 'multiformats/hashes/sha2';
import { describe, expect, it } from 'vitest';
import { startCluster } from '../support/cluster.js';
import { makeTree } from '../support/make-tree.js';
import type { Cluster, ClusterOptions } from '../support/cluster.js';
import { ipfsPin, lastLine, makeSite } from './pin-helpers.js';

// PeeredPeers too: with LocalPeers alone, boxo v0.40.0 (kubo 0.42) leaves the broadcast
// control's host unset (`NeedHost` is false) and then reads it for a peer that is neither a
// broadcast target nor local-exempt: kubo panics (nil pointer in `skipBroadcast`) at the
// first broadcast that finds such a peer connected, as our node is when it dialled early.
// We are in nobody's peering list, so this changes nothing else for us.
const PUBLIC_PEER = { 'Internal.Bitswap.BroadcastControl': { LocalPeers: true, PeeredPeers: true } };
/** How long our pin waits in the queue after our node connected to the service. */
const QUEUED_MS = 8_000;

async function statusOf(cluster: Cluster, cid: string): Promise<string> {
  const { stdout } = await cluster.ctl(['--enc=json', 'status', cid]).catch(() => ({ stdout: '{}' }));
  const peers = Object.values(
    (JSON.parse(stdout) as { peer_map?: Record<string, { status: string }> }).peer_map ?? {},
  );
  return peers[0]?.status ?? 'unknown';
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function pinThrough(
  options: ClusterOptions,
  queued: boolean,
  { connectedFirst = false }: { connectedFirst?: boolean } = {},
): Promise<void> {
  const cluster = await startCluster(options);
  // connectedFirst: a big tree (1,000 files) on a service that holds a pin already, so the
  // early token check lists it and our node dials its delegate before our pin is submitted
  // (test/itg/early-dial.test.ts shows that order; here, that the real kubo still asks us).
  const site = connectedFirst
    ? (await makeTree({ files: 1_000, bytes: 8 * 1_048_576, shape: 'nested', seed: Date.now() % 100_000 }))
        .dir
    : await makeSite(30);
  try {
    if (connectedFirst) {
      // Any pin the service holds: the early check lists it, with the delegates ours gets too.
      const other = await mkdtemp(join(tmpdir(), 'ipfs-pin-other-'));
      await writeFile(join(other, 'a.txt'), randomBytes(64));
      const { stdout } = await cluster.kubo.ipfs(['add', '-Q', '--pin=false', join(other, 'a.txt')]);
      await rm(other, { recursive: true, force: true });
      await cluster.ctl(['pin', 'add', '--no-status', stdout.trim()]);
      await until('the other pin', async () => (await statusOf(cluster, stdout.trim())) === 'pinned');
    }
    // A pin of a block nobody has holds the cluster's only slot.
    const blocker = CID.createV1(raw.code, await sha256.digest(randomBytes(64))).toString();
    if (queued) {
      await cluster.ctl(['pin', 'add', '--no-status', blocker]);
      await until('the blocker pinning', async () => (await statusOf(cluster, blocker)) === 'pinning');
    }
    const cid = lastLine((await ipfsPin(['cid', site])).stdout);
    const run = ipfsPin(['pin', site, '--endpoint', cluster.psaEndpoint, '--timeout', '150s', '--json'], {
      env: { IPFS_PIN_TOKEN: cluster.token },
      timeoutMs: 200_000,
    });
    if (queued) {
      await until('our pin queued', async () => (await statusOf(cluster, cid)) === 'pin_queued');
      // Our node dials the delegate and stays connected while the service is busy.
      await until('our node connected to the service', async () => {
        const { stdout } = await cluster.kubo.ipfs(['swarm', 'peers']);
        return stdout.trim() !== '';
      });
      await new Promise((r) => setTimeout(r, QUEUED_MS));
      expect(await statusOf(cluster, cid)).toBe('pin_queued');
      // The slot frees: the service starts on our pin now, long after it connected.
      await cluster.ctl(['pin', 'rm', '--no-status', blocker]);
    }
    const result = await run;
    expect(
      result.code,
      `${result.stderr}\n${cluster.logs().slice(-3000)}\n${cluster.kubo.logs().slice(-6000)}`,
    ).toBe(0);
    const out = JSON.parse(result.stdout) as {
      cid: string;
      services: { status: string }[];
      served: { blocks: number };
    };
    expect(out.cid).toBe(cid);
    expect(out.services[0]?.status).toBe('pinned');
    expect(out.served.blocks).toBeGreaterThan(30);
    expect(await statusOf(cluster, cid)).toBe('pinned');
    // The whole DAG is on the service's kubo.
    await cluster.kubo.ipfs(['dag', 'stat', '--offline', '--progress=false', cid], { timeoutMs: 60_000 });
  } finally {
    await cluster.stop();
    await rm(site, { recursive: true, force: true });
  }
}

describe('a service that is busy, or treats the runner as a public peer (real IPFS Cluster + kubo)', () => {
  it('pins when the service queues the pin and starts fetching long after our node connected', async () => {
    await pinThrough({ concurrentPins: 1 }, true);
  });

  it('pins when the service only broadcasts wants to peers it heard from (LocalPeers: true)', async () => {
    await pinThrough({ kubo: { config: PUBLIC_PEER } }, false);
  });

  it('pins when such a service also queues the pin: the HAVE our node sent at connect makes it ask', async () => {
    await pinThrough({ concurrentPins: 1, kubo: { config: PUBLIC_PEER } }, true);
  });

  it('pins on such a service when our node was connected before the pin existed (the early dial)', async () => {
    await pinThrough({ kubo: { config: PUBLIC_PEER } }, false, { connectedFirst: true });
  });
});
