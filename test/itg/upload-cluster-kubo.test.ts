import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUploader, importDirectory, pinDirectory } from '../../src/lib/index.js';
import type { CarSource, PinFlowProgressEvent } from '../../src/lib/index.js';
import { startCluster, type Cluster } from '../support/cluster.js';
import { startKubo, type Kubo } from '../support/kubo.js';
import { makeTree } from '../support/make-tree.js';
import { closedPort } from '../e2e/pin-helpers.js';
import { readdir, stat } from 'node:fs/promises';
import { createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';

// Real peers: an IPFS Cluster (REST API behind its own Basic credentials, pinning API with
// a JWT) and a bare kubo. Missing peers make startCluster/startKubo throw: never a skip.
describe('uploads to IPFS Cluster and Kubo RPC (real peers)', () => {
  let cluster: Cluster;
  let kubo: Kubo;
  let work: string;
  let car: CarSource;
  let site: string;

  beforeAll(async () => {
    [cluster, kubo] = await Promise.all([startCluster({ restApiAuth: true }), startKubo()]);
    work = await mkdtemp(join(tmpdir(), 'ipfs-pin-upload-'));
    site = (await makeTree({ files: 40, bytes: 3 * 1024 * 1024, parent: work })).dir;
    const carPath = join(work, 'site.car');
    const imported = await importDirectory(site, { car: carPath });
    car = { root: imported.cid.toString(), path: carPath, bytes: (await stat(carPath)).size };
  }, 120_000);

  afterAll(async () => {
    await Promise.all([cluster?.stop(), kubo?.stop()]);
    if (work) await rm(work, { recursive: true, force: true });
  });

  const restUrl = (): string => {
    const u = new URL(cluster.restApiUrl);
    u.username = cluster.restApiAuth!.user;
    u.password = cluster.restApiAuth!.password;
    return u.toString();
  };

  it('cluster: POST /add?format=car pins the root on the cluster, with byte progress', async () => {
    const events: PinFlowProgressEvent[] = [];
    const uploader = createUploader({ kind: 'cluster', url: restUrl() });
    const result = await uploader.upload(car, {
      // The action's default name has a '/': as a multipart file name it would be a directory.
      name: 'acme/site@0123456',
      meta: { from: 'itg' },
      service: 'cluster',
      onProgress: (e) => events.push(e),
    });
    expect(result).toEqual({ root: car.root, pinned: true, bytes: car.bytes });
    const sent = events.filter((e) => e.type === 'upload:bytes:sent');
    expect(sent.at(-1)?.detail).toMatchObject({ bytes: car.bytes, total: car.bytes });
    const { stdout } = await cluster.ctl(['--enc=json', 'status', car.root]);
    const status = JSON.parse(stdout) as { name?: string; peer_map: Record<string, { status: string }> };
    expect(Object.values(status.peer_map).map((p) => p.status)).toContain('pinned');
  });

  it('cluster: replication and expiry from the URL query reach the pin the cluster makes', async () => {
    const other = (await makeTree({ files: 3, bytes: 3 * 1024 * 1024, seed: 77, parent: work })).dir;
    const carPath = join(work, 'other.car');
    const imported = await importDirectory(other, { car: carPath });
    const otherCar = { root: imported.cid.toString(), path: carPath, bytes: (await stat(carPath)).size };
    const before = Date.now();
    const uploader = createUploader({
      kind: 'cluster',
      url: `${restUrl().replace(/\/$/, '')}?replication-min=1&replication-max=1&expire-in=2h`,
    });
    await uploader.upload(otherCar, { name: 'replicated', service: 'cluster' });
    const { stdout } = await cluster.ctl(['--enc=json', 'pin', 'ls', otherCar.root]);
    const pin = JSON.parse(stdout) as {
      replication_factor_min: number;
      replication_factor_max: number;
      expire_at: string;
    };
    expect(pin.replication_factor_min).toBe(1);
    expect(pin.replication_factor_max).toBe(1);
    // Two hours from the upload (the cluster's clock is this machine's).
    const expires = Date.parse(pin.expire_at) - before;
    expect(expires).toBeGreaterThan(2 * 3600_000 - 60_000);
    expect(expires).toBeLessThan(2 * 3600_000 + 60_000);
  });

  it('cluster: wrong REST credentials fail with UPLOAD_FAILED and 401, the password nowhere', async () => {
    const u = new URL(restUrl());
    u.password = 'wrong-password-1234';
    const uploader = createUploader({ kind: 'cluster', url: u.toString() });
    const err = await uploader.upload(car, { name: 'x', service: 'c' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'UPLOAD_FAILED', status: 401 });
    expect(JSON.stringify(err) + String(err)).not.toContain('wrong-password-1234');
  });

  it('kubo: dag/import?pin-roots=true pins the root, and pin ls agrees', async () => {
    const uploader = createUploader({ kind: 'kubo', url: kubo.apiUrl });
    expect(await uploader.isPinned!(car.root, {})).toBe(false);
    const result = await uploader.upload(car, { name: 'acme/site#pr-7', service: 'kubo' });
    expect(result.root).toBe(car.root);
    expect(await uploader.isPinned!(car.root, {})).toBe(true);
    const { stdout } = await kubo.ipfs(['pin', 'ls', '--type=recursive', car.root]);
    expect(stdout).toContain(car.root);
  });

  it('the flow: upload to the Cluster, then the pinning API finds the pin and reports pinned, delivered by upload', async () => {
    const tree = await makeTree({ files: 12, bytes: 400_000, seed: 7, parent: work });
    const events: string[] = [];
    const result = await pinDirectory({
      path: tree.dir,
      services: [
        { endpoint: cluster.psaEndpoint, token: cluster.token, upload: { kind: 'cluster', url: restUrl() } },
      ],
      timeoutMs: 90_000,
      onProgress: (e) => events.push(e.type),
    });
    const [service] = result.services;
    expect(service?.error).toBeUndefined();
    expect(service?.status).toBe('pinned');
    expect(service?.upload).toMatchObject({ kind: 'cluster', ok: true, root: result.cid });
    expect(service?.delivery).toBe('upload');
    expect(service?.reused).toBe(true);
    expect(events).toContain('pin:upload:done');
  });

  it('the flow: cancelled during the upload, it ends ABORTED with each service, and leaves no node behind', async () => {
    const sockets = new Set<Socket>();
    // Reads every byte, never answers: the upload is in the service's hands when we cancel.
    const silent = createNetServer((socket) => {
      sockets.add(socket);
      socket.resume();
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    const temp = await mkdtemp(join(work, 'temp-'));
    try {
      const tree = await makeTree({ files: 12, bytes: 400_000, seed: 12, parent: work });
      const cancel = new AbortController();
      const err = await pinDirectory({
        path: tree.dir,
        services: [
          {
            endpoint: cluster.psaEndpoint,
            token: cluster.token,
            upload: { kind: 'cluster', url: `http://127.0.0.1:${port}` },
          },
        ],
        nodeOptions: { tempDir: temp },
        timeoutMs: 90_000,
        signal: cancel.signal,
        onProgress: (e) => {
          if (e.type === 'upload:bytes:sent' && e.detail.bytes === e.detail.total)
            setTimeout(() => cancel.abort(), 200);
        },
      }).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'ABORTED' });
      const services = (err as { data?: { services?: { service: string }[] } }).data?.services;
      expect(services?.map((x) => x.service)).toHaveLength(1);
      expect(await readdir(temp)).toEqual([]);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });

  it('the flow: an upload URL on a closed port warns and the pin completes by bitswap', async () => {
    const tree = await makeTree({ files: 12, bytes: 400_000, seed: 8, parent: work });
    const failed: PinFlowProgressEvent[] = [];
    const result = await pinDirectory({
      path: tree.dir,
      services: [
        {
          endpoint: cluster.psaEndpoint,
          token: cluster.token,
          upload: { kind: 'cluster', url: `http://127.0.0.1:${await closedPort()}` },
        },
      ],
      timeoutMs: 90_000,
      onProgress: (e) => {
        if (e.type === 'pin:upload:failed') failed.push(e);
      },
    });
    const [service] = result.services;
    expect(service?.status).toBe('pinned');
    expect(service?.upload).toMatchObject({ ok: false });
    expect(service?.delivery).toBe('bitswap');
    expect(failed).toHaveLength(1);
    expect(failed[0]?.detail).toMatchObject({ then: 'bitswap', code: 'UPLOAD_FAILED' });
    expect(result.served.blocks).toBeGreaterThan(0);
  });

  it('the flow: an upload endpoint that takes the connection and never answers is given up (stallMs), bitswap delivers', async () => {
    const sockets = new Set<Socket>();
    const hang = createNetServer((socket) => {
      sockets.add(socket);
      socket.pause(); // never reads, never answers
    });
    await new Promise<void>((resolve) => hang.listen(0, '127.0.0.1', resolve));
    const { port } = hang.address() as AddressInfo;
    try {
      const tree = await makeTree({ files: 12, bytes: 400_000, seed: 11, parent: work });
      const failed: PinFlowProgressEvent[] = [];
      const result = await pinDirectory({
        path: tree.dir,
        services: [
          {
            endpoint: cluster.psaEndpoint,
            token: cluster.token,
            upload: { kind: 'cluster', url: `http://127.0.0.1:${port}`, stallMs: 300 },
          },
        ],
        timeoutMs: 90_000,
        onProgress: (e) => {
          if (e.type === 'pin:upload:failed') failed.push(e);
        },
      });
      expect(result.services[0]).toMatchObject({ status: 'pinned', delivery: 'bitswap' });
      expect(failed).toHaveLength(1);
      expect(failed[0]?.detail).toMatchObject({ code: 'UPLOAD_FAILED', then: 'bitswap' });
      expect((failed[0]?.detail as { message: string }).message).toMatch(/stopped reading|no answer within/);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => hang.close(() => resolve()));
    }
  });

  it('the flow: upload required and unreachable fails the service with UPLOAD_FAILED', async () => {
    const tree = await makeTree({ files: 3, bytes: 60_000, seed: 9, parent: work });
    const result = await pinDirectory({
      path: tree.dir,
      services: [
        {
          endpoint: cluster.psaEndpoint,
          token: cluster.token,
          upload: { kind: 'cluster', url: `http://127.0.0.1:${await closedPort()}`, required: true },
        },
      ],
      timeoutMs: 60_000,
    });
    expect(result.ok).toBe(false);
    expect(result.services[0]?.error?.code).toBe('UPLOAD_FAILED');
    expect(result.services[0]?.status).toBe('unsubmitted');
  });

  it('the flow: a bare Kubo RPC (no pinning API) is pinned by the upload, checked with pin ls', async () => {
    const tree = await makeTree({ files: 5, bytes: 200_000, seed: 10, parent: work });
    const result = await pinDirectory({
      path: tree.dir,
      services: [{ upload: { kind: 'kubo', url: kubo.apiUrl } }],
      timeoutMs: 60_000,
    });
    expect(result.ok).toBe(true);
    expect(result.services[0]).toMatchObject({ status: 'pinned', delivery: 'upload' });
    const { stdout } = await kubo.ipfs(['pin', 'ls', '--type=recursive', result.cid]);
    expect(stdout).toContain(result.cid);
  });
});
