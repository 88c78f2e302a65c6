// When every service takes an upload, the embedded node is only prepared (its block store)
// and starts when a service needs bitswap. Real peers: an IPFS Cluster (upload + pinning
// API), a bare kubo (upload) and the Helia-based pinning server (fetches over bitswap).
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pinDirectory } from '../../src/lib/index.js';
import type { PinFlowProgressEvent } from '../../src/lib/index.js';
import { startCluster, type Cluster } from '../support/cluster.js';
import { startKubo, type Kubo } from '../support/kubo.js';
import { startPsaServer, type PsaServer } from '../support/psa-server.js';
import { makeTree } from '../support/make-tree.js';
import { closedPort } from '../e2e/pin-helpers.js';

describe('the embedded node starts only when a service needs bitswap', () => {
  let cluster: Cluster;
  let kubo: Kubo;
  let service: PsaServer;
  let work: string;

  beforeAll(async () => {
    [cluster, kubo, service] = await Promise.all([startCluster(), startKubo(), startPsaServer()]);
    work = await mkdtemp(join(tmpdir(), 'ipfs-pin-deferred-'));
  }, 120_000);

  afterAll(async () => {
    await Promise.all([cluster?.stop(), kubo?.stop(), service?.stop()]);
    if (work) await rm(work, { recursive: true, force: true });
  });

  type Services = Parameters<typeof pinDirectory>[0]['services'];
  type Result = Awaited<ReturnType<typeof pinDirectory>>;

  /** Starts the flow on a fresh tree with a temp dir of its own; the job, its events and that dir. */
  async function start(
    seed: number,
    services: Services,
    extra: { signal?: AbortSignal; onEvent?: (e: PinFlowProgressEvent) => void } = {},
  ): Promise<{ job: Promise<Result>; events: PinFlowProgressEvent[]; temp: string }> {
    const tree = await makeTree({ files: 12, bytes: 600_000, seed, parent: work });
    const temp = await mkdtemp(join(work, 'temp-'));
    const events: PinFlowProgressEvent[] = [];
    const job = pinDirectory({
      path: tree.dir,
      services,
      nodeOptions: { tempDir: temp },
      timeoutMs: 90_000,
      ...(extra.signal === undefined ? {} : { signal: extra.signal }),
      onProgress: (e) => {
        events.push(e);
        extra.onEvent?.(e);
      },
    });
    return { job, events, temp };
  }

  async function run(
    seed: number,
    services: Services,
  ): Promise<{ result: Result; events: PinFlowProgressEvent[]; temp: string }> {
    const { job, events, temp } = await start(seed, services);
    return { result: await job, events, temp };
  }

  const types = (events: PinFlowProgressEvent[]): string[] => events.map((e) => e.type);

  it('an upload the pinning API reports pinned within LATE_START_MS: the node never starts, nothing is left behind', async () => {
    const { result, events, temp } = await run(31, [
      {
        endpoint: cluster.psaEndpoint,
        token: cluster.token,
        upload: { kind: 'cluster', url: cluster.restApiUrl },
      },
    ]);
    const [one] = result.services;
    expect(one?.error).toBeUndefined();
    expect(one?.status).toBe('pinned');
    expect(one?.delivery).toBe('upload');
    expect(types(events)).toContain('pin:upload:done');
    expect(types(events)).not.toContain('node:start:done');
    expect(result.served).toMatchObject({ blocks: 0, bytes: 0 });
    // The prepared store (and our CAR) are gone with the job.
    expect(await readdir(temp)).toEqual([]);
  });

  it('an upload delivered, but the pinning service still fetches: the node starts then and serves it', async () => {
    // The bare kubo takes the CAR; the pinning service is another peer, which has nothing
    // until our node serves it.
    const { result, events, temp } = await run(32, [
      { endpoint: service.endpoint, token: service.token, upload: { kind: 'kubo', url: kubo.apiUrl } },
    ]);
    const [one] = result.services;
    expect(one?.error).toBeUndefined();
    expect(one?.status).toBe('pinned');
    expect(one?.upload).toMatchObject({ kind: 'kubo', ok: true });
    expect(one?.delivery).toBe('both');
    expect(result.served.blocks).toBeGreaterThan(0);
    const order = types(events);
    // Started after the upload and the pin, not before the import.
    expect(order.indexOf('node:start:done')).toBeGreaterThan(order.indexOf('pin:upload:done'));
    expect(order.indexOf('node:start:done')).toBeGreaterThan(order.indexOf('pin:submit:done'));
    // The delegates the service named while our node was down are dialled once it is up.
    expect(one?.dialled.some((d) => d.ok)).toBe(true);
    expect(await service.hasDag(result.cid)).toMatchObject({ complete: true, pinned: true });
    expect(await readdir(temp)).toEqual([]);
  });

  it('a failed upload: the node starts for the fallback, and the pin completes by bitswap', async () => {
    const { result, events } = await run(33, [
      {
        endpoint: cluster.psaEndpoint,
        token: cluster.token,
        upload: { kind: 'cluster', url: `http://127.0.0.1:${await closedPort()}` },
      },
    ]);
    const [one] = result.services;
    expect(one?.status).toBe('pinned');
    expect(one?.upload).toMatchObject({ ok: false });
    expect(one?.delivery).toBe('bitswap');
    const order = types(events);
    expect(order.indexOf('node:start:done')).toBeGreaterThan(order.indexOf('pin:upload:failed'));
    // Up before the pin was asked for: the service may fetch from the moment it has it.
    expect(order.indexOf('node:start:done')).toBeLessThan(order.indexOf('pin:submit:done'));
    expect(result.served.blocks).toBeGreaterThan(0);
  });

  it('two services whose uploads fail share one start of the node, and both pin by bitswap', async () => {
    const closed = `http://127.0.0.1:${await closedPort()}`;
    const { result, events, temp } = await run(35, [
      { endpoint: cluster.psaEndpoint, token: cluster.token, upload: { kind: 'cluster', url: closed } },
      { endpoint: service.endpoint, token: service.token, upload: { kind: 'kubo', url: closed } },
    ]);
    expect(result.ok).toBe(true);
    expect(result.services.map((s) => s.delivery)).toEqual(['bitswap', 'bitswap']);
    expect(types(events).filter((t) => t === 'node:start:done')).toHaveLength(1);
    expect(await readdir(temp)).toEqual([]);
  });

  it('cancelled as the node starts after a failed upload: ABORTED, and no node or store left', async () => {
    const cancel = new AbortController();
    const { job, temp } = await start(
      36,
      [
        {
          endpoint: cluster.psaEndpoint,
          token: cluster.token,
          upload: { kind: 'cluster', url: `http://127.0.0.1:${await closedPort()}` },
        },
      ],
      {
        signal: cancel.signal,
        onEvent: (e) => {
          if (e.type === 'pin:upload:failed') setTimeout(() => cancel.abort(), 5);
        },
      },
    );
    expect(await job.catch((e: unknown) => e)).toMatchObject({ code: 'ABORTED' });
    expect(await readdir(temp)).toEqual([]);
  });

  it('a service without an upload beside one with: the node starts before the import, as always', async () => {
    const { result, events } = await run(34, [
      {
        endpoint: cluster.psaEndpoint,
        token: cluster.token,
        upload: { kind: 'cluster', url: cluster.restApiUrl },
      },
      { endpoint: service.endpoint, token: service.token },
    ]);
    expect(result.ok).toBe(true);
    const order = types(events);
    expect(order.indexOf('node:start:done')).toBeGreaterThanOrEqual(0);
    expect(order.indexOf('node:start:done')).toBeLessThan(order.indexOf('pin:import:done'));
  });
});
