/**
 * The committed action bundle with `upload`: the CAR goes to a real IPFS Cluster's REST API
 * (behind its own Basic credentials), the pin is found through its pinning API, and the
 * summary and the `pins` output say the data came by upload. Missing peers throw, never skip.
 */
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type Cluster } from '../support/cluster.js';
import { runAction } from '../support/run-action.js';
import { closedPort } from './pin-helpers.js';

describe('the action bundle with upload: cluster:URL', () => {
  let cluster: Cluster;
  let work: string;
  let site: string;

  beforeAll(async () => {
    cluster = await startCluster({ restApiAuth: true });
    work = await mkdtemp(join(tmpdir(), 'ipfs-pin-action-upload-'));
    site = join(work, 'site');
    await mkdir(site, { recursive: true });
    await writeFile(join(site, 'index.html'), `<h1>upload ${work}</h1>\n`);
    await writeFile(join(site, 'app.js'), `console.log(${JSON.stringify('y'.repeat(400_000))});\n`);
  }, 120_000);
  afterAll(async () => {
    await cluster?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  const restUrl = (): string => {
    const u = new URL(cluster.restApiUrl);
    u.username = cluster.restApiAuth!.user;
    u.password = cluster.restApiAuth!.password;
    return u.toString().replace(/\/$/, '');
  };

  it('pins by upload; pins and the summary say so; the REST password is masked; no CAR left behind', async () => {
    const run = await runAction(work, {
      inputs: {
        path: site,
        endpoint: cluster.psaEndpoint,
        token: cluster.token,
        upload: `cluster:${restUrl()}`,
        timeout: '90s',
      },
    });
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
    const pins = JSON.parse(run.outputs['pins'] ?? '[]') as {
      status: string;
      delivery?: string;
      upload?: { ok: boolean; kind: string };
    }[];
    expect(pins[0], run.outputs['pins']).toMatchObject({
      status: 'pinned',
      delivery: 'upload',
      upload: { ok: true, kind: 'cluster' },
    });
    expect(run.summary).toMatch(/by upload/);
    expect(run.stdout).toMatch(/upload done/);
    const password = cluster.restApiAuth!.password;
    expect(run.lines).toContain(`::add-mask::${password}`);
    const shown = [
      ...run.lines.filter((l) => !l.startsWith('::add-mask::')),
      run.stderr,
      run.summary,
      JSON.stringify(run.outputs),
    ].join('\n');
    expect(shown).not.toContain(password);
    expect((await readdir(run.runnerTemp)).filter((f) => f.startsWith('ipfs-pin-car-'))).toEqual([]);
  }, 150_000);

  it('an unreachable upload warns and the pin completes by bitswap', async () => {
    await writeFile(join(site, 'second.html'), `<p>${Date.now()}</p>\n`);
    const run = await runAction(work, {
      inputs: {
        path: site,
        endpoint: cluster.psaEndpoint,
        token: cluster.token,
        upload: `cluster:http://127.0.0.1:${await closedPort()}`,
        timeout: '90s',
      },
    });
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
    expect(run.stdout).toMatch(/::warning::.*upload failed \(UPLOAD_FAILED\).*going on by bitswap/);
    const pins = JSON.parse(run.outputs['pins'] ?? '[]') as { status: string; delivery?: string }[];
    expect(pins[0]).toMatchObject({ status: 'pinned', delivery: 'bitswap' });
    expect(run.summary).toMatch(/by bitswap/);
  }, 150_000);
});
