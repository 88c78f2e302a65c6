// `npm run bench:repeat [-- --calls N --files F]`: the library in a long-running process.
// N pinDirectory calls in a row in one process (default 50), each a fresh small site,
// against tools/psa-server (a Helia node that fetches each pin over bitswap). Prints the
// time, RSS and heap after a full GC after each call, and writes bench/results/repeat.json.
// Baseline in the same run: the process before the first call.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

await import(new URL('./ts-resolve.ts', import.meta.url).href);

const root = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({
  options: { calls: { type: 'string', default: '50' }, files: { type: 'string', default: '20' } },
});
const calls = Number(values.calls);
const files = Number(values.files);

const { pinDirectory } = await import('../src/lib/index.js');
const { startPsaServer } = await import('../test/support/psa-server.js');
const { processResources } = await import('../test/support/process-resources.js');

const service = await startPsaServer({ token: `bench-${Date.now()}` });
const work = await mkdtemp(join(tmpdir(), 'ipfs-pin-bench-repeat-'));
const start = processResources();
const rows: { call: number; ms: number; rssMiB: number; heapAfterGcMiB: number; fds: number }[] = [];
try {
  console.log(
    `before the first call: RSS ${start.rssMiB} MiB, heap after GC ${start.heapAfterGcMiB} MiB, ${start.fds} fds`,
  );
  console.log('| call | ms | RSS MiB | heap after GC MiB | fds |');
  console.log('| ---: | ---: | ---: | ---: | ---: |');
  for (let i = 1; i <= calls; i++) {
    const site = join(work, `site-${i}`);
    await mkdir(site);
    for (let f = 0; f < files; f++)
      await writeFile(join(site, `f${f}.html`), `<p>call ${i} file ${f}</p>\n`.repeat(200));
    const t0 = performance.now();
    const result = await pinDirectory({
      path: site,
      services: [{ endpoint: service.endpoint, token: service.token }],
    });
    const ms = Math.round(performance.now() - t0);
    if (!result.ok) throw new Error(`call ${i} failed: ${JSON.stringify(result.services[0]?.error)}`);
    await rm(site, { recursive: true, force: true });
    const r = processResources();
    rows.push({ call: i, ms, rssMiB: r.rssMiB, heapAfterGcMiB: r.heapAfterGcMiB, fds: r.fds });
    console.log(`| ${i} | ${ms} | ${r.rssMiB} | ${r.heapAfterGcMiB} | ${r.fds} |`);
  }
} finally {
  await service.stop();
  await rm(work, { recursive: true, force: true });
}
const sorted = rows.map((r) => r.ms).sort((a, b) => a - b);
const median = sorted[Math.floor(sorted.length / 2)];
console.log(
  `median ${median} ms per call (${sorted[0]}-${sorted.at(-1)}); RSS ${start.rssMiB} -> ${rows.at(-1)?.rssMiB} MiB; heap after GC ${start.heapAfterGcMiB} -> ${rows.at(-1)?.heapAfterGcMiB} MiB`,
);
await mkdir(join(root, 'bench', 'results'), { recursive: true });
await writeFile(
  join(root, 'bench', 'results', 'repeat.json'),
  `${JSON.stringify({ date: new Date().toISOString(), cpus: cpus().length, node: process.version, calls, files, start, rows }, null, 2)}\n`,
);
