// The library in a long-running process (a release script, a bot): many pinDirectory calls in
// one process must leave nothing behind, against a real pinning service that fetches each
// pin over bitswap from the node of that call.
import { mkdtemp, readdir, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pinDirectory } from '../../src/lib/index.js';
import { processResources } from '../support/process-resources.js';
import type { ProcessResources } from '../support/process-resources.js';
import { startPsaServer } from '../support/psa-server.js';
import type { PsaServer } from '../support/psa-server.js';

const CALLS = 50;
const WARM_UP = 5;

describe(`${CALLS} pinDirectory calls in one process`, () => {
  let service: PsaServer;
  let work: string;
  let temps: string;

  beforeAll(async () => {
    service = await startPsaServer();
    work = await mkdtemp(join(tmpdir(), 'ipfs-pin-long-'));
    temps = join(work, 'node-temp');
    await mkdir(temps);
  });
  afterAll(async () => {
    await service?.stop();
    if (work !== undefined) await rm(work, { recursive: true, force: true });
  });

  it('leaks no file descriptors, listeners, handles, temp dirs or child processes', async () => {
    const before = processResources(); // the test's own psa-server child is already there
    const samples: ProcessResources[] = [];
    const ms: number[] = [];
    for (let i = 0; i < CALLS; i++) {
      // A new site each call, so every pin is new and really served.
      const site = join(work, `site-${i}`);
      await mkdir(site);
      await writeFile(join(site, 'index.html'), `<h1>call ${i}</h1>\n`);
      await writeFile(join(site, 'data.bin'), Buffer.alloc(64 * 1024, i));
      const t0 = performance.now();
      const result = await pinDirectory({
        path: site,
        services: [{ endpoint: service.endpoint, token: service.token }],
        nodeOptions: { tempDir: temps },
        timeoutMs: 60_000,
      });
      ms.push(Math.round(performance.now() - t0));
      expect(result.ok, JSON.stringify(result.services[0]?.error)).toBe(true);
      expect(result.services[0]?.status).toBe('pinned');
      await rm(site, { recursive: true, force: true });
      // Sampled once the event loop has had a turn to close what the call closed.
      await new Promise((r) => setImmediate(r));
      samples.push(processResources());
      expect(await readdir(temps)).toEqual([]);
    }
    console.log(
      `rss MiB after each call: ${samples.map((s) => s.rssMiB).join(' ')}\n` +
        `heap MiB after GC: ${samples.map((s) => s.heapAfterGcMiB).join(' ')}\n` +
        `fds: ${samples.map((s) => s.fds).join(' ')}\nms per call: ${ms.join(' ')}`,
    );
    const base = samples[WARM_UP - 1] as ProcessResources;
    const last = samples.at(-1) as ProcessResources;
    // Sockets to the service may be in keep-alive pools: a few fds either way, not one per call.
    expect(last.fds - base.fds).toBeLessThanOrEqual(4);
    expect(Math.max(...samples.slice(WARM_UP).map((s) => s.fds)) - base.fds).toBeLessThanOrEqual(8);
    expect(last.processListeners).toBe(base.processListeners);
    expect(last.children).toBe(before.children);
    // The heap after a full GC levels off (libp2p and Helia keep bounded caches, full after
    // some 30 calls here): the last 20 calls may not add 2 MiB between them.
    const tail = samples.slice(-20).map((s) => s.heapAfterGcMiB);
    expect(Math.max(...tail) - Math.min(...tail)).toBeLessThanOrEqual(2);
    // Timers and sockets: no kind of handle grows with the number of calls.
    for (const [kind, n] of Object.entries(last.handles)) {
      expect(n, `${kind} handles after ${CALLS} calls`).toBeLessThanOrEqual((base.handles[kind] ?? 0) + 4);
    }
  }, 600_000);
});
