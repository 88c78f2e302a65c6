// `npm run bench:wan [-- --runs 3 --rtt 0,10,50,100 --cap 50 --queued 50 --trees big,nested,small --tools all]`
// (as root): seconds from start to `pinned` from a runner behind NAT, through the WAN lab
// (test/support/wan-lab.ts: a network namespace that takes no inbound connections, IPFS
// Cluster 1.1.5 and its kubo behind toxiproxy, latency each way, an optional bandwidth cap).
// Every row in the same run, each on a fresh tree (new content per tool and run, so nothing
// is cached anywhere):
//   - ipfs-pin pin (embedded node), default profile and kubo-cidv1; --node kubo-binary;
//   - ipfs-pin + upload to the Cluster: `--upload cluster:<REST API through the link>`
//     (the CAR pushed to the REST API, then the pin found through the pinning API), and
//     the same with the REST API's proxy down (the upload fails, bitswap delivers: the
//     fallback's cost);
//   - kubo's own path: `ipfs add -r` + `ipfs pin remote add` from a kubo in the namespace;
//   - the CAR upload ipfs-deploy-action uses: kubo `add` (1 MiB chunks, raw leaves) +
//     `dag export` + `ipfs-cluster-ctl add --format car --local` through the link; "returns"
//     is when that command exits, "pinned" when the cluster's status says so, "confirmed"
//     when a runner asking the pinning API through the link from then on first hears it
//     (ipfs-pin reports only once it has: the like-for-like figure);
//   - the same upload alone: the CAR made before the clock, only `ipfs-cluster-ctl add`
//     on it (what any upload of these bytes costs: the upload rows' floor);
//   - the service's fetch floor: a kubo in the namespace that already holds the tree (its
//     `add` defaults; on the nested tree every profile makes the same blocks) and is
//     already connected to the service's kubo; the clock runs from the cluster's `pin add`
//     (made on the host, no link in between) to its status `pinned`. No runner that serves
//     by bitswap gets the data there sooner: the service's fetcher sets the pace.
// At the end of each row the cluster's status is checked `pinned` and its kubo holds the
// whole DAG (offline `dag stat`). Prints a table (median and range per cell), the rate
// ipfs-pin's node served at (bytes over the time from its first block to its last), and
// writes bench/results/wan.json.
//
// Trees: `big` (a third of the bytes in big files), `nested` (small files only, three
// folders deep: no file over one chunk, so every profile makes the same number of blocks)
// and `small` (a small site). The `queued` row holds the cluster's only pin slot with a
// pin nobody can serve, starts the tool, and frees the slot 6 s later:
// the service starts fetching long after the runner connected. Its cells are seconds from
// the moment the slot was freed.

import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

await import(new URL('./ts-resolve.ts', import.meta.url).href);

const MiB = 1024 * 1024;
const root = fileURLToPath(new URL('..', import.meta.url));
const cli = join(root, 'dist', 'cli', 'index.js');

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    rtt: { type: 'string', default: '0,10,50,100' },
    // Round trip (ms) of the extra row with a 100 Mbit/s cap each way; empty: none.
    cap: { type: 'string', default: '50' },
    // Round trip (ms) of the extra row where the service queues the pin; empty: none.
    queued: { type: 'string', default: '50' },
    trees: { type: 'string', default: 'big,nested,small' },
    tools: { type: 'string', default: 'all' },
    // Keep each ipfs-pin run's stderr here (with DEBUG passed through), to see what it waited on.
    log: { type: 'string', default: '' },
  },
});

const TREES = {
  big: { label: '100 MiB / 2,000 files', files: 2000, bytes: 100 * MiB, shape: 'site' },
  nested: { label: '60 MiB / 2,500 small files, nested', files: 2500, bytes: 60 * MiB, shape: 'nested' },
  small: { label: '200 files / 10 MiB', files: 200, bytes: 10 * MiB, shape: 'site' },
} as const;
/** A run still going after this long is ended and counted as failed. */
const RUN_TIMEOUT_MS = 180_000;
/** How long the queued row keeps the service busy after the tool started. */
const QUEUE_HOLD_MS = 6_000;
type TreeName = keyof typeof TREES;
const TOOLS = [
  'ipfs-pin',
  'ipfs-pin kubo-cidv1',
  'ipfs-pin --node kubo-binary',
  'ipfs-pin + upload to the Cluster',
  'ipfs-pin + upload, REST API down',
  'kubo add + pin remote add',
  'CAR upload',
  'CAR upload alone',
  'service fetch floor',
] as const;
type Tool = (typeof TOOLS)[number];

/** One run of a tool, with where it ran and what the cluster held after it. */
interface Sample extends Measured {
  tree: TreeName;
  link: string;
  tool: Tool;
  run: number;
  pinned: boolean;
  complete: boolean;
}

const { startWanLab } = await import('../test/support/wan-lab.js');
const { makeTree } = await import('../test/support/make-tree.js');
const { peerBinary } = await import('../test/support/peers.js');
const { createKuboRepo } = await import('../test/support/kubo.js');

// One pin slot: the queued row holds it; every other row pins one thing at a time anyway.
const lab = await startWanLab({ concurrentPins: 1 });
const ipfs = peerBinary('ipfs');
const ctlBin = peerBinary('ipfs-cluster-ctl');
const work = await mkdtemp(join(tmpdir(), 'ipfs-pin-bench-wan-'));
const samples: Sample[] = [];
let seed = Date.now() % 100_000;

/** Runs a program in the runner's namespace; resolves with its output, rejects on failure. */
function inside(
  file: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = lab.spawnInside(file, args, { PATH: process.env['PATH'] ?? '', HOME: work, ...env });
    let stdout = '';
    let stderr = '';
    const t0 = performance.now();
    child.stdout?.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    // With --log, each piece of stderr carries the ms since the spawn, to read a timeline.
    child.stderr
      ?.setEncoding('utf8')
      .on(
        'data',
        (c: string) => (stderr += values.log === '' ? c : `[+${Math.round(performance.now() - t0)} ms] ${c}`),
      );
    // A run that hangs (kubo's own fetch can stall on its last block) is ended, so the rest
    // of the bench still runs; the row says it failed.
    const timer = setTimeout(() => child.kill('SIGKILL'), RUN_TIMEOUT_MS);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve({ stdout, stderr });
      else reject(new Error(`${file} ${args.join(' ')} exited ${code}: ${stderr.slice(-2000)}`));
    });
  });
}

/**
 * After a failed run, unpins whatever the cluster has not finished: with one pin slot, a
 * pin stuck in `pinning` would hold the queue for every later row until its pin_timeout.
 */
async function releaseStuckPins(): Promise<void> {
  // The REST API's GET /pins streams one status per line (ndjson).
  const text = await (await fetch(`${lab.cluster.restApiUrl}/pins`)).text();
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const s = JSON.parse(line) as { cid: string; peer_map?: Record<string, { status: string }> };
    if (Object.values(s.peer_map ?? {}).some((p) => p.status !== 'pinned'))
      await lab.cluster.ctl(['pin', 'rm', '--no-status', s.cid]).catch(() => {});
  }
}

async function clusterState(cid: string): Promise<{ pinned: boolean; complete: boolean }> {
  // The cluster's own status can lag what its pinning API said by a moment.
  for (let i = 0; ; i++) {
    const state = await clusterStateOnce(cid);
    if ((state.pinned && state.complete) || i >= 30) return state;
    await new Promise((r) => setTimeout(r, 1_000));
  }
}

async function clusterStateOnce(cid: string): Promise<{ pinned: boolean; complete: boolean }> {
  const { stdout } = await lab.cluster.ctl(['--enc=json', 'status', cid]);
  const status = JSON.parse(stdout) as { peer_map: Record<string, { status: string }> };
  const pinned = Object.values(status.peer_map).every((p) => p.status === 'pinned');
  const complete = await lab.cluster.kubo
    .ipfs(['dag', 'stat', '--offline', '--progress=false', cid], { timeoutMs: 120_000 })
    .then(() => true)
    .catch(() => false);
  return { pinned, complete };
}

async function waitPinned(cid: string, t0: number, everyMs = 100): Promise<number> {
  for (;;) {
    const { stdout } = await lab.cluster.ctl(['--enc=json', 'status', cid]).catch(() => ({ stdout: '{}' }));
    const peers = Object.values(
      (JSON.parse(stdout) as { peer_map?: Record<string, { status: string }> }).peer_map ?? {},
    );
    if (peers.length > 0 && peers.every((p) => p.status === 'pinned')) return (performance.now() - t0) / 1000;
    if (performance.now() - t0 > 15 * 60_000) throw new Error(`${cid} not pinned by the cluster in 15 min`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/**
 * From the runner's namespace, asks the pinning API for a pinned pin of `cid` (one curl per
 * round trip, no pause) until it lists one: when a runner could first know. Seconds since t0.
 */
async function confirmInside(cid: string, t0: number): Promise<number> {
  const url = `${lab.psaEndpoint}/pins?cid=${cid}&status=pinned`;
  const script = `until curl -sf -H "authorization: Bearer $TOKEN" "$URL" | grep -q '"count":[1-9]'; do :; done`;
  // Ended (and the run failed) after RUN_TIMEOUT_MS like any command inside.
  await inside('sh', ['-c', script], { TOKEN: lab.cluster.token, URL: url });
  return (performance.now() - t0) / 1000;
}

/** A kubo daemon in the runner's namespace, started before any clock. */
async function kuboInside(): Promise<{ env: Record<string, string>; stop: () => Promise<void> }> {
  const repo = await createKuboRepo();
  const env = { IPFS_PATH: repo.repoPath };
  const daemon = lab.spawnInside(ipfs, ['daemon', '--enable-gc=false'], {
    PATH: process.env['PATH'] ?? '',
    ...env,
  });
  let out = '';
  daemon.stdout?.setEncoding('utf8').on('data', (c: string) => (out += c));
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`kubo in the namespace did not start: ${out}`)), 60_000);
    daemon.stdout?.on('data', () => {
      if (out.includes('Daemon is ready')) {
        clearTimeout(t);
        resolve();
      }
    });
  });
  return {
    env,
    stop: async () => {
      daemon.kill('SIGTERM');
      await new Promise((r) => daemon.once('close', r));
      await repo.remove();
    },
  };
}

/**
 * Holds the cluster's only pin slot with a pin of a block nobody has, and frees it
 * QUEUE_HOLD_MS after `start()`; `freed()` resolves with when (performance.now()).
 */
async function holdQueue(): Promise<{ start: () => void; freed: () => Promise<number> }> {
  const { CID } = await import('multiformats/cid');
  const raw = await import('multiformats/codecs/raw');
  const { sha256 } = await import('multiformats/hashes/sha2');
  const cid = CID.createV1(
    raw.code,
    await sha256.digest(new TextEncoder().encode(`blocker ${seed}`)),
  ).toString();
  await lab.cluster.ctl(['pin', 'add', '--no-status', cid]);
  for (;;) {
    const { stdout } = await lab.cluster.ctl(['--enc=json', 'status', cid]);
    const peers = Object.values(
      (JSON.parse(stdout) as { peer_map?: Record<string, { status: string }> }).peer_map ?? {},
    );
    if (peers[0]?.status === 'pinning') break;
    await new Promise((r) => setTimeout(r, 100));
  }
  let freed: Promise<number> | undefined;
  return {
    start: () => {
      freed = new Promise<number>((resolve, reject) =>
        setTimeout(() => {
          lab.cluster.ctl(['pin', 'rm', '--no-status', cid]).then(() => resolve(performance.now()), reject);
        }, QUEUE_HOLD_MS),
      );
    },
    freed: async () => {
      if (freed === undefined) throw new Error('holdQueue: start() was not called');
      return freed;
    },
  };
}

/** With --log: keeps an ipfs-pin run's stderr (its timeline) there. */
async function keepLog(tool: Tool, stderr: string): Promise<void> {
  if (values.log === '') return;
  await mkdir(values.log, { recursive: true });
  await writeFile(join(values.log, `${tool.replace(/[^a-z0-9]+/gi, '-')}-${seed}.log`), stderr);
}

/** One run of a tool: seconds to pinned, and what else the tool said. */
interface Measured {
  cid: string;
  seconds: number;
  /** CAR upload: when the cluster's status said pinned. */
  pinnedSeconds?: number;
  /**
   * CAR upload: when a runner asking the pinning API through the link, from the moment the
   * command returned, first heard `pinned` (what ipfs-pin waits for before it reports).
   */
  confirmedSeconds?: number;
  /** ipfs-pin with an upload: how the cluster got the data (upload, bitswap, both). */
  delivery?: string;
  /** ipfs-pin: MB/s our node served, from its first block to its last (bitswap only). */
  transferMBps?: number;
  /** ipfs-pin: seconds from its first block served to its last (bitswap only). */
  servedSeconds?: number;
}

async function measure(
  tool: Tool,
  dir: string,
  queue?: { start: () => void; freed: () => Promise<number> },
): Promise<Measured> {
  const { t0, ...m } = await measureOnce(tool, dir, queue?.start);
  if (queue === undefined) return m;
  // Seconds from the moment the service could start on the pin.
  const freedAfter = (await queue.freed()) / 1000 - t0 / 1000;
  return {
    ...m,
    seconds: m.seconds - freedAfter,
    ...(m.pinnedSeconds === undefined ? {} : { pinnedSeconds: m.pinnedSeconds - freedAfter }),
  };
}

async function measureOnce(
  tool: Tool,
  dir: string,
  onStart: (() => void) | undefined,
): Promise<Measured & { t0: number }> {
  const cliEnv: Record<string, string> = { IPFS_PIN_TOKEN: lab.cluster.token };
  if (values.log !== '' && process.env['DEBUG'] !== undefined) cliEnv['DEBUG'] = process.env['DEBUG'];
  const pinArgs = ['pin', dir, '--endpoint', lab.psaEndpoint, '--timeout', '15m', '--json'];
  switch (tool) {
    case 'ipfs-pin':
    case 'ipfs-pin kubo-cidv1':
    case 'ipfs-pin --node kubo-binary': {
      const extra =
        tool === 'ipfs-pin'
          ? []
          : tool === 'ipfs-pin kubo-cidv1'
            ? ['--profile', 'kubo-cidv1']
            : ['--profile', 'kubo-cidv1', '--node', `kubo-binary=${ipfs}`];
      const t0 = performance.now();
      onStart?.();
      const { stdout, stderr } = await inside(process.execPath, [cli, ...pinArgs, ...extra], cliEnv);
      await keepLog(tool, stderr);
      const result = JSON.parse(stdout) as { cid: string; served?: { bytes: number; ms?: number } };
      const { bytes, ms } = result.served ?? { bytes: 0 };
      return {
        cid: result.cid,
        seconds: (performance.now() - t0) / 1000,
        ...(ms === undefined || ms <= 0
          ? {}
          : { transferMBps: bytes / 1e6 / (ms / 1000), servedSeconds: ms / 1000 }),
        t0,
      };
    }
    case 'ipfs-pin + upload to the Cluster':
    case 'ipfs-pin + upload, REST API down': {
      const down = tool === 'ipfs-pin + upload, REST API down';
      // The REST API has no auth in the lab (the pinning API does).
      const upload = ['--upload', `cluster:${lab.restApiUrl}`];
      if (down) await lab.setEnabled(false, ['rest']);
      try {
        const t0 = performance.now();
        onStart?.();
        const { stdout, stderr } = await inside(process.execPath, [cli, ...pinArgs, ...upload], cliEnv);
        await keepLog(tool, stderr);
        const result = JSON.parse(stdout) as { cid: string; services: { delivery?: string }[] };
        const delivery = result.services[0]?.delivery;
        return {
          cid: result.cid,
          seconds: (performance.now() - t0) / 1000,
          ...(delivery === undefined ? {} : { delivery }),
          t0,
        };
      } finally {
        if (down) await lab.setEnabled(true, ['rest']);
      }
    }
    case 'kubo add + pin remote add': {
      const kubo = await kuboInside();
      try {
        await inside(
          ipfs,
          ['pin', 'remote', 'service', 'add', 'lab', lab.psaEndpoint, lab.cluster.token],
          kubo.env,
        );
        const t0 = performance.now();
        onStart?.();
        const cid = (await inside(ipfs, ['add', '-r', '-Q', '--cid-version=1', dir], kubo.env)).stdout.trim();
        await inside(ipfs, ['pin', 'remote', 'add', '--service=lab', '--name=bench', cid], kubo.env);
        return { cid, seconds: (performance.now() - t0) / 1000, t0 };
      } finally {
        await kubo.stop();
      }
    }
    case 'CAR upload':
    case 'CAR upload alone': {
      const alone = tool === 'CAR upload alone';
      if (alone && onStart !== undefined) throw new Error('the upload alone has no queued row');
      const repo = await createKuboRepo();
      const env = { IPFS_PATH: repo.repoPath };
      const car = join(work, `upload-${seed}.car`);
      try {
        let t0 = performance.now();
        onStart?.();
        const cid = (
          await inside(
            ipfs,
            [
              'add',
              '-r',
              '-Q',
              '--offline',
              '--cid-version=1',
              '--raw-leaves',
              '--chunker=size-1048576',
              dir,
            ],
            env,
          )
        ).stdout.trim();
        await inside('sh', ['-c', `"$0" dag export "$1" > "$2"`, ipfs, cid, car], env);
        if (alone) t0 = performance.now();
        // The cluster's REST API has no auth here (the pinning API does).
        await inside(ctlBin, ['--host', lab.restApiMultiaddr, 'add', '--format', 'car', '--local', car]);
        const seconds = (performance.now() - t0) / 1000;
        const [pinnedSeconds, confirmedSeconds] = await Promise.all([
          waitPinned(cid, t0),
          confirmInside(cid, t0),
        ]);
        return { cid, seconds, pinnedSeconds, confirmedSeconds, t0 };
      } finally {
        await rm(car, { force: true });
        await repo.remove();
      }
    }
    case 'service fetch floor': {
      if (onStart !== undefined) throw new Error('the fetch floor has no queued row');
      const kubo = await kuboInside();
      try {
        // Everything a runner could do before the service starts: the tree added, the
        // connection up. Only the service's own fetch is left on the clock.
        const cid = (await inside(ipfs, ['add', '-r', '-Q', '--cid-version=1', dir], kubo.env)).stdout.trim();
        await inside(ipfs, ['swarm', 'connect', lab.serviceSwarmAddr], kubo.env);
        const t0 = performance.now();
        await lab.cluster.ctl(['pin', 'add', '--no-status', cid]);
        // The status is read on the host (no link), every 20 ms.
        const seconds = await waitPinned(cid, t0, 20);
        return { cid, seconds, t0 };
      } finally {
        await kubo.stop();
      }
    }
  }
}

const rtts = values.rtt
  .split(',')
  .filter((x) => x !== '')
  .map(Number);
interface Link {
  label: string;
  rttMs: number;
  kbitPerSec?: number;
  queued?: boolean;
}
const links: Link[] = [
  ...rtts.map((rttMs) => ({ label: `${rttMs} ms`, rttMs })),
  ...(values.cap === ''
    ? []
    : [{ label: `${values.cap} ms, 100 Mbit/s`, rttMs: Number(values.cap), kbitPerSec: 100_000 }]),
  ...(values.queued === ''
    ? []
    : [
        {
          label: `${values.queued} ms, queued (s after the slot freed)`,
          rttMs: Number(values.queued),
          queued: true,
        },
      ]),
];
const trees = values.trees.split(',') as TreeName[];
const tools = values.tools === 'all' ? [...TOOLS] : (values.tools.split(',') as Tool[]);
const runs = Number(values.runs);
const failures: { tree: TreeName; link: string; tool: Tool }[] = [];

try {
  for (const tree of trees) {
    for (const link of links) {
      await lab.shape(link);
      for (let run = 1; run <= runs; run++) {
        for (const tool of tools) {
          // These two have no queued row (nothing of theirs runs while the slot is held).
          if ((tool === 'service fetch floor' || tool === 'CAR upload alone') && link.queued === true)
            continue;
          seed++;
          const t = await makeTree({
            files: TREES[tree].files,
            bytes: TREES[tree].bytes,
            shape: TREES[tree].shape,
            seed,
            parent: work,
          });
          try {
            const queue = link.queued === true ? await holdQueue() : undefined;
            const m = await measure(tool, t.dir, queue);
            const state = await clusterState(m.cid);
            const sample: Sample = { tree, link: link.label, tool, run, ...m, ...state };
            samples.push(sample);
            process.stderr.write(
              `bench:wan: ${TREES[tree].label}, ${link.label}, ${tool}, run ${run}: ${m.seconds.toFixed(2)} s${m.pinnedSeconds === undefined ? '' : ` (pinned ${m.pinnedSeconds.toFixed(2)} s)`}${m.delivery === undefined ? '' : ` (delivered by ${m.delivery})`}${m.transferMBps === undefined ? '' : ` (served ${m.transferMBps.toFixed(1)} MB/s)`}${state.pinned && state.complete ? '' : ' NOT PINNED/COMPLETE'}\n`,
            );
          } catch (err) {
            process.stderr.write(
              `bench:wan: ${tree}, ${link.label}, ${tool}, run ${run}: FAILED ${String(err).slice(0, 2000)}\n`,
            );
            failures.push({ tree, link: link.label, tool });
            await releaseStuckPins();
          } finally {
            await rm(t.dir, { recursive: true, force: true });
          }
        }
      }
    }
  }
} finally {
  await lab.stop();
  await rm(work, { recursive: true, force: true });
}

const cell = (xs: number[]): string => {
  if (xs.length === 0) return '-';
  const s = [...xs].sort((a, b) => a - b);
  const median = s[Math.floor(s.length / 2)] ?? 0;
  return s.length === 1
    ? median.toFixed(1)
    : `${median.toFixed(1)} (${(s[0] ?? 0).toFixed(1)}-${(s.at(-1) ?? 0).toFixed(1)})`;
};
const out: string[] = [];
for (const tree of trees) {
  out.push(`\n${TREES[tree].label}: seconds from start to pinned, median of ${runs} (range)\n`);
  out.push(
    `| round trip | ${tools.map((t) => (t === 'CAR upload' ? 'CAR upload: returns / pinned / confirmed' : t)).join(' | ')} |`,
  );
  out.push(`| --- | ${tools.map(() => '---:').join(' | ')} |`);
  for (const link of links) {
    const row = tools.map((tool) => {
      const ss = samples.filter((s) => s.tree === tree && s.link === link.label && s.tool === tool);
      const main = cell(ss.map((s) => s.seconds));
      const failed = failures.filter(
        (f) => f.tree === tree && f.link === link.label && f.tool === tool,
      ).length;
      const ok =
        (ss.every((s) => s.pinned && s.complete) ? '' : ' (!)') + (failed === 0 ? '' : ` (${failed} failed)`);
      return tool === 'CAR upload'
        ? `${main} / ${cell(ss.flatMap((s) => (s.pinnedSeconds === undefined ? [] : [s.pinnedSeconds])))} / ${cell(ss.flatMap((s) => (s.confirmedSeconds === undefined ? [] : [s.confirmedSeconds])))}${ok}`
        : `${main}${ok}`;
    });
    out.push(`| ${link.label} | ${row.join(' | ')} |`);
  }
  // What our node's link carried while it served: bytes over first-to-last block, and that time.
  const perLink = (field: 'transferMBps' | 'servedSeconds'): string[] =>
    links.flatMap((link) => {
      const xs = samples.flatMap((s) => {
        const x = s.tree === tree && s.link === link.label && s.tool === 'ipfs-pin' ? s[field] : undefined;
        return x === undefined ? [] : [x];
      });
      return xs.length === 0 ? [] : [`${link.label}: ${cell(xs)}`];
    });
  const rates = perLink('transferMBps');
  if (rates.length > 0)
    out.push(`\nipfs-pin (bitswap) served, MB/s from its first block to its last: ${rates.join('; ')}`);
  const windows = perLink('servedSeconds');
  if (windows.length > 0)
    out.push(`ipfs-pin (bitswap), seconds from its first block served to its last: ${windows.join('; ')}`);
}
process.stdout.write(
  `${out.join('\n')}\n${samples.some((s) => !s.pinned || !s.complete) ? '\n(!) a run that did not end pinned with the whole DAG on the cluster\n' : ''}`,
);
await mkdir(join(root, 'bench', 'results'), { recursive: true });
await writeFile(
  join(root, 'bench', 'results', 'wan.json'),
  `${JSON.stringify({ when: new Date().toISOString(), machine: { cores: cpus().length, memMiB: Math.round(totalmem() / MiB), node: process.version }, runs, samples, failures }, null, 2)}\n`,
);
process.exit(0);
