import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type Cluster } from '../support/cluster.js';
import { startKubo, type Kubo } from '../support/kubo.js';
import { closedPort, ipfsPin, makeSite } from './pin-helpers.js';

interface ServiceJson {
  status: string;
  requestid: string | null;
  delivery?: string;
  upload?: { kind: string; ok: boolean; root?: string; error: { code: string } | null };
  error: { code: string } | null;
}
interface ResultJson {
  cid: string;
  ok: boolean;
  services: ServiceJson[];
  served: { blocks: number };
  import: { car?: string };
}

// The CLI bundle against real peers: an IPFS Cluster (REST API behind its own Basic
// credentials, pinning API with a JWT) and a bare kubo. Missing peers throw, never skip.
describe('ipfs-pin pin --upload (real Cluster and Kubo RPC)', () => {
  let cluster: Cluster;
  let kubo: Kubo;
  beforeAll(async () => {
    [cluster, kubo] = await Promise.all([startCluster({ restApiAuth: true }), startKubo()]);
  }, 120_000);
  afterAll(async () => {
    await Promise.all([cluster?.stop(), kubo?.stop()]);
  });

  const restUrl = (): string => {
    const u = new URL(cluster.restApiUrl);
    u.username = cluster.restApiAuth!.user;
    u.password = cluster.restApiAuth!.password;
    return u.toString().replace(/\/$/, '');
  };

  /** The pins of this CID the cluster's pinning API lists, in every status. */
  const clusterPins = async (cid: string): Promise<unknown[]> => {
    const res = await fetch(`${cluster.psaEndpoint}/pins?cid=${cid}&status=queued,pinning,pinned,failed`, {
      headers: { authorization: `Bearer ${cluster.token}` },
    });
    expect(res.status).toBe(200);
    return ((await res.json()) as { results: unknown[] }).results;
  };

  it('uploads the CAR to the Cluster REST API, then the pinning API reports pinned: delivered by upload', async () => {
    const site = await makeSite(8);
    const run = await ipfsPin(
      [
        'pin',
        site,
        '--endpoint',
        cluster.psaEndpoint,
        '--upload',
        `cluster:${restUrl()}`,
        '--timeout',
        '90s',
        '--json',
      ],
      { env: { IPFS_PIN_TOKEN: cluster.token }, timeoutMs: 150_000 },
    );
    expect(run.code, `${run.stderr}\n${cluster.logs().slice(-3000)}`).toBe(0);
    const result = JSON.parse(run.stdout) as ResultJson;
    const [service] = result.services;
    expect(service?.status).toBe('pinned');
    expect(service?.upload).toMatchObject({ kind: 'cluster', ok: true, root: result.cid });
    expect(service?.delivery).toBe('upload');
    expect(result.served.blocks).toBe(0);
    // The temp CAR of the upload is ours, not the user's: not reported.
    expect(result.import.car).toBeUndefined();
    expect(run.stderr).toMatch(/upload done/);
    expect(run.stderr).toMatch(/delivered by upload/);
    // The REST API's password is never printed.
    expect(run.stderr + run.stdout).not.toContain(cluster.restApiAuth!.password);
    expect(await clusterPins(result.cid)).toHaveLength(1);
  });

  it('a Bearer token from IPFS_PIN_UPLOAD_TOKEN works for the Cluster REST API', async () => {
    const basic = Buffer.from(`${cluster.restApiAuth!.user}:${cluster.restApiAuth!.password}`).toString(
      'base64',
    );
    const res = await fetch(`${cluster.restApiUrl.replace(/\/$/, '')}/token`, {
      method: 'POST',
      headers: { authorization: `Basic ${basic}` },
    });
    expect(res.status).toBe(200);
    const { token } = (await res.json()) as { token: string };
    const site = await makeSite(3);
    const run = await ipfsPin(
      ['pin', site, '--endpoint', cluster.psaEndpoint, '--upload', `cluster:${cluster.restApiUrl}`, '--json'],
      { env: { IPFS_PIN_TOKEN: cluster.token, IPFS_PIN_UPLOAD_TOKEN: token }, timeoutMs: 150_000 },
    );
    expect(run.code, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout) as ResultJson;
    expect(result.services[0]).toMatchObject({ status: 'pinned', delivery: 'upload' });
    expect(run.stderr + run.stdout).not.toContain(token);
  });

  it('with the upload endpoint unreachable the pin still completes by bitswap, once, and the log says so', async () => {
    const site = await makeSite(6);
    const port = await closedPort();
    const run = await ipfsPin(
      [
        'pin',
        site,
        '--endpoint',
        cluster.psaEndpoint,
        '--upload',
        `cluster:http://127.0.0.1:${port}`,
        '--timeout',
        '90s',
        '--json',
      ],
      { env: { IPFS_PIN_TOKEN: cluster.token }, timeoutMs: 150_000 },
    );
    expect(run.code, `${run.stderr}\n${cluster.logs().slice(-3000)}`).toBe(0);
    const result = JSON.parse(run.stdout) as ResultJson;
    const [service] = result.services;
    expect(service?.status).toBe('pinned');
    expect(service?.upload).toMatchObject({ kind: 'cluster', ok: false, error: { code: 'UPLOAD_FAILED' } });
    expect(service?.delivery).toBe('bitswap');
    expect(result.served.blocks).toBeGreaterThan(0);
    expect(run.stderr).toMatch(/upload failed \(UPLOAD_FAILED\).*going on by bitswap/);
    expect(run.stderr).toMatch(/delivered by bitswap/);
    expect(run.stderr.match(/submitted pin/g)).toHaveLength(1);
    expect(await clusterPins(result.cid)).toHaveLength(1);
  });

  it('with --upload-required an unreachable upload fails with UPLOAD_FAILED (exit 1)', async () => {
    const site = await makeSite(2);
    const run = await ipfsPin(
      [
        'pin',
        site,
        '--endpoint',
        cluster.psaEndpoint,
        '--upload',
        `cluster:http://127.0.0.1:${await closedPort()}`,
        '--upload-required',
      ],
      { env: { IPFS_PIN_TOKEN: cluster.token }, timeoutMs: 150_000 },
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/UPLOAD_FAILED/);
    expect(run.stderr).not.toMatch(/submitted pin/);
  });

  it('a bare Kubo RPC gets the CAR and pins it (no pinning API)', async () => {
    const site = await makeSite(5);
    const run = await ipfsPin(['pin', site, '--upload', `kubo:${kubo.apiUrl}`, '--json'], {
      timeoutMs: 150_000,
    });
    expect(run.code, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout) as ResultJson;
    expect(result.services[0]).toMatchObject({
      status: 'pinned',
      delivery: 'upload',
      upload: { kind: 'kubo', ok: true },
    });
    const { stdout } = await kubo.ipfs(['pin', 'ls', '--type=recursive', result.cid]);
    expect(stdout).toContain(result.cid);
  });
});
