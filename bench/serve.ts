/**
 * npm run bench:serve [-- --runs N] [--big]
 *
 * How fast our ephemeral node serves a 100 MiB / 2,000-file tree over bitswap, on loopback,
 * over a connection it opened itself (as on a CI runner): to a Helia fetcher that never
 * dials, to kubo, and kubo serving the same tree to the same fetcher as the baseline. Our
 * node runs in its own process so its RSS is its own. `--big` adds the peak RSS for a
 * 1 GiB tree. `--module <file>` loads our node from another build, e.g. an ncc bundle of
 * build/lib/node/index.js, to see the RSS of the bundled action. Prints a table, writes
 * bench/results/serve.json.
 *
 * Runs with Node 24's type stripping: a resolve hook maps the `.js` specifiers of the
 * TypeScript sources to their `.ts` files, so everything below is imported dynamically.
 */
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type * as NodeApi from '../src/lib/node/index.js';

// Before any source is loaded: see ts-resolve.ts.
await import(new URL('./ts-resolve.ts', import.meta.url).href);

type NodeModule = typeof NodeApi;

const MiB = 1024 * 1024;
const here = fileURLToPath(new URL('.', import.meta.url));

type ToChild =
  | { type: 'start'; dir: string; tempDir: string }
  | { type: 'dial'; addrs: string[] }
  | { type: 'stats' }
  | { type: 'stop' };
type FromChild =
  | {
      type: 'ready';
      peerId: string;
      cid: string;
      loadMs: number;
      readyMs: number;
      importMs: number;
      rssMiB: number;
    }
  | { type: 'dialed'; ok: boolean; error?: string }
  | { type: 'stats'; blocksServed: number; bytesServed: number; maxRssMiB: number };

const rssMiB = (): number => Math.round(process.memoryUsage.rss() / MiB);
const maxRssMiB = (): number => Math.round(process.resourceUsage().maxRSS / 1024);

/**
 * The child: one embedded node, driven over IPC. It loads the compiled library (build/, as
 * a user of the package would), not the TypeScript sources: type stripping alone costs
 * about 100 MiB of RSS.
 */
async function child(): Promise<void> {
  const t0 = performance.now();
  const given = process.argv[process.argv.indexOf('--child') + 1];
  const compiled =
    given === undefined
      ? new URL('../build/lib/node/index.js', import.meta.url).href
      : pathToFileURL(given).href;
  const { createNode } = (await import(compiled)) as NodeModule;
  const loadMs = performance.now() - t0;
  const send = (m: FromChild): void => void process.send?.(m);
  let node: Awaited<ReturnType<typeof createNode>> | undefined;
  process.on('message', (m: ToChild) => {
    void (async () => {
      if (m.type === 'start') {
        const t1 = performance.now();
        node = await createNode({ tempDir: m.tempDir, listen: ['/ip4/127.0.0.1/tcp/0'] });
        const readyMs = performance.now() - t1;
        const rss = rssMiB();
        const t2 = performance.now();
        const imported = await node.import(m.dir);
        send({
          type: 'ready',
          peerId: node.peerId,
          cid: imported.cid.toString(),
          loadMs,
          readyMs,
          importMs: performance.now() - t2,
          rssMiB: rss,
        });
      } else if (m.type === 'dial' && node !== undefined) {
        const [r] = await node.dial(m.addrs);
        node.keep(m.addrs);
        send({ type: 'dialed', ok: r?.ok === true, ...(r?.error === undefined ? {} : { error: r.error }) });
      } else if (m.type === 'stats' && node !== undefined) {
        send({ type: 'stats', ...node.stats(), maxRssMiB: maxRssMiB() });
      } else if (m.type === 'stop') {
        await node?.stop();
        process.exit(0);
      }
    })();
  });
}

function ask<T extends FromChild['type']>(
  proc: ChildProcess,
  m: ToChild,
  want: T,
): Promise<Extract<FromChild, { type: T }>> {
  return new Promise((resolve, reject) => {
    const onMessage = (r: FromChild): void => {
      if (r.type !== want) return;
      proc.off('message', onMessage);
      proc.off('exit', onExit);
      resolve(r as Extract<FromChild, { type: T }>);
    };
    const onExit = (code: number | null): void =>
      reject(new Error(`bench node exited (${code}) while waiting for ${want}`));
    proc.on('message', onMessage);
    proc.once('exit', onExit);
    proc.send(m);
  });
}

interface OurNode {
  proc: ChildProcess;
  ready: Extract<FromChild, { type: 'ready' }>;
  stop(): Promise<void>;
}

let ourModule: string | undefined;

async function startOurs(dir: string, tempDir: string): Promise<OurNode> {
  const proc = fork(
    fileURLToPath(import.meta.url),
    ['--child', ...(ourModule === undefined ? [] : [ourModule])],
    { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] },
  );
  const ready = await ask(proc, { type: 'start', dir, tempDir }, 'ready');
  return {
    proc,
    ready,
    stop: async () => {
      const exited = new Promise((r) => proc.once('exit', r));
      proc.send({ type: 'stop' });
      await exited;
    },
  };
}

interface Row {
  case: string;
  mibPerS?: number;
  seconds?: number;
  note?: string;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const runs = Number(args[args.indexOf('--runs') + 1]) || 1;
  const big = args.includes('--big');
  if (args.includes('--module')) ourModule = args[args.indexOf('--module') + 1];
  const { makeTree } = await import('../test/support/make-tree.js');
  const { startHeliaFetcher } = await import('../test/support/helia-fetcher.js');
  const { peerBinary } = await import('../test/support/peers.js');
  const { startKubo } = await import('../test/support/kubo.js');
  const { createNode } = await import('../src/lib/node/index.js');

  const work = await mkdtemp(join(tmpdir(), 'ipfs-pin-bench-'));
  const rows: Row[] = [];
  const result: Record<string, unknown> = {
    date: new Date().toISOString(),
    node: process.version,
    cpus: cpus().length,
    memGiB: Math.round(totalmem() / 1024 / MiB),
    runs,
    module: ourModule ?? 'build/lib/node/index.js',
  };
  let hasKubo = true;
  try {
    peerBinary('ipfs');
  } catch {
    hasKubo = false;
  }
  try {
    const tree = await makeTree({ parent: work });
    const mib = tree.bytes / MiB;
    result.tree = { files: tree.files, MiB: mib };

    const best = (xs: number[]): number => Math.max(...xs);
    const toHelia: number[] = [];
    const toKubo: number[] = [];
    const kuboToHelia: number[] = [];
    let ready: OurNode['ready'] | undefined;
    let peakRss = 0;

    for (let run = 0; run < runs; run++) {
      // ours -> Helia fetcher
      const ours = await startOurs(tree.dir, work);
      ready = ours.ready;
      {
        await using fetcher = await startHeliaFetcher();
        const dialed = await ask(ours.proc, { type: 'dial', addrs: fetcher.multiaddrs }, 'dialed');
        if (!dialed.ok) throw new Error(`our node could not dial the fetcher: ${dialed.error}`);
        const got = await fetcher.fetchDag(ours.ready.cid);
        toHelia.push(got.bytes / MiB / (got.ms / 1000));
      }
      // ours -> kubo
      if (hasKubo) {
        await using kubo = await startKubo();
        const dialed = await ask(ours.proc, { type: 'dial', addrs: kubo.swarmAddrs }, 'dialed');
        if (!dialed.ok) throw new Error(`our node could not dial kubo: ${dialed.error}`);
        const t = performance.now();
        await kubo.ipfs(['pin', 'add', '--progress=false', ours.ready.cid], { timeoutMs: 300_000 });
        toKubo.push(mib / ((performance.now() - t) / 1000));
      }
      const stats = await ask(ours.proc, { type: 'stats' }, 'stats');
      peakRss = Math.max(peakRss, stats.maxRssMiB);
      await ours.stop();

      // baseline: kubo -> the same Helia fetcher, kubo dialling it
      if (hasKubo) {
        await using kubo = await startKubo();
        const viaKubo = await createNode({ kind: 'kubo-api', apiUrl: kubo.apiUrl, tempDir: work });
        try {
          await viaKubo.import(tree.dir);
          await using fetcher = await startHeliaFetcher();
          const [dialed] = await viaKubo.dial(fetcher.multiaddrs);
          if (dialed?.ok !== true) throw new Error(`kubo could not dial the fetcher: ${dialed?.error}`);
          const got = await fetcher.fetchDag(ours.ready.cid);
          kuboToHelia.push(got.bytes / MiB / (got.ms / 1000));
        } finally {
          await viaKubo.stop();
        }
      }
    }

    rows.push({ case: `ours -> Helia fetcher (${tree.files} files, ${mib} MiB)`, mibPerS: best(toHelia) });
    if (hasKubo) {
      rows.push({ case: 'ours -> kubo (pin add)', mibPerS: best(toKubo) });
      rows.push({ case: 'baseline: kubo -> Helia fetcher', mibPerS: best(kuboToHelia) });
    } else {
      rows.push({ case: 'kubo cases', note: 'skipped: kubo not installed (npm run peers)' });
    }
    rows.push({ case: 'ours: module load', seconds: (ready?.loadMs ?? 0) / 1000 });
    rows.push({
      case: 'ours: createNode -> ready',
      seconds: (ready?.readyMs ?? 0) / 1000,
      note: `RSS ${ready?.rssMiB} MiB when ready`,
    });
    rows.push({
      case: 'ours: import 100 MiB into the node (first 128 MiB kept in memory)',
      seconds: (ready?.importMs ?? 0) / 1000,
    });
    rows.push({ case: 'ours: peak RSS, 100 MiB tree', note: `${peakRss} MiB` });
    Object.assign(result, {
      oursToHeliaMiBps: toHelia,
      oursToKuboMiBps: toKubo,
      kuboToHeliaMiBps: kuboToHelia,
      loadMs: ready?.loadMs,
      readyMs: ready?.readyMs,
      readyRssMiB: ready?.rssMiB,
      import100MiBMs: ready?.importMs,
      peakRss100MiB: peakRss,
    });
    await rm(tree.dir, { recursive: true, force: true });

    if (big) {
      const large = await makeTree({ parent: work, files: 4_000, bytes: 1024 * MiB, seed: 2 });
      const ours = await startOurs(large.dir, work);
      {
        await using fetcher = await startHeliaFetcher();
        await ask(ours.proc, { type: 'dial', addrs: fetcher.multiaddrs }, 'dialed');
        const got = await fetcher.fetchDag(ours.ready.cid);
        const stats = await ask(ours.proc, { type: 'stats' }, 'stats');
        const rate = got.bytes / MiB / (got.ms / 1000);
        rows.push({
          case: 'ours -> Helia fetcher, 1 GiB / 4,000 files',
          mibPerS: rate,
          note: `peak RSS ${stats.maxRssMiB} MiB`,
        });
        Object.assign(result, {
          big: { oursToHeliaMiBps: rate, peakRssMiB: stats.maxRssMiB, importMs: ours.ready.importMs },
        });
      }
      await ours.stop();
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }

  console.log('| case | MiB/s | s | note |\n|---|---:|---:|---|');
  for (const r of rows)
    console.log(
      `| ${r.case} | ${r.mibPerS?.toFixed(1) ?? ''} | ${r.seconds?.toFixed(2) ?? ''} | ${r.note ?? ''} |`,
    );
  await mkdir(join(here, 'results'), { recursive: true });
  await writeFile(join(here, 'results', 'serve.json'), JSON.stringify({ ...result, rows }, null, 2) + '\n');
}

if (process.argv.includes('--child')) await child();
else await main();
