// npm run bench:import [-- --big-mib 512 --small-files 20000 --runs 1 --huge]
// Import speed against this machine's own read+sha256 rate, measured in the same run,
// for each profile, ipfs-car and kubo (when installed). Each case runs in a fresh child
// process so peak RSS is its own. Env: BENCH_DIR (work dir), BENCH_BIG_MIB,
// BENCH_SMALL_FILES, BENCH_RUNS. Writes bench/results/import.json.
import { spawnSync } from 'node:child_process';
import { createHash, randomFillSync } from 'node:crypto';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type * as Unixfs from '../src/lib/unixfs/index.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const PROFILES = ['unixfs-v1-2025', 'kubo-cidv1', 'unixfs-v0-2015'] as const;
const MiB = 1024 * 1024;

interface Measure {
  seconds: number;
  maxRssMiB: number;
  cid?: string;
}

// ---- child: one measurement in a fresh process ----------------------------------------

async function child(kind: string, target: string, profile: string): Promise<void> {
  // Loaded before the clock starts: module loading is start-up, not import speed.
  const lib =
    kind === 'hash'
      ? undefined
      : ((await import(
          pathToFileURL(path.join(repoRoot, 'build/lib/unixfs/index.js')).href
        )) as typeof Unixfs);
  const t0 = performance.now();
  let cid: string | undefined;
  if (!lib) await readAndHash(target);
  else {
    // import-car: the same import also writing its CAR (ImportOptions.car) beside the input.
    const car = kind === 'import-car' ? `${target.replace(/\/+$/, '')}.bench.car` : undefined;
    const result = await lib.importDirectory(target, {
      profile: profile as Unixfs.ProfileName,
      ...(car === undefined ? {} : { car }),
    });
    cid = result.cid.toString();
    if (car !== undefined) rmSync(car, { force: true });
  }
  const seconds = (performance.now() - t0) / 1000;
  const out: Measure = { seconds, maxRssMiB: process.resourceUsage().maxRSS / 1024, ...(cid ? { cid } : {}) };
  process.stdout.write(JSON.stringify(out));
}

/** The floor: read every file (small ones whole, big ones in 1 MiB reads) and sha256 it. */
async function readAndHash(target: string): Promise<void> {
  const files: string[] = [];
  const walk = (p: string): void => {
    const s = statSync(p);
    if (s.isDirectory()) for (const n of readdirSync(p).sort()) walk(path.join(p, n));
    else files.push(p);
  };
  walk(target);
  const buffer = Buffer.allocUnsafe(MiB);
  const queue = [...files];
  const worker = async (): Promise<void> => {
    for (let f = queue.shift(); f !== undefined; f = queue.shift()) {
      const size = statSync(f).size;
      if (size <= MiB) {
        createHash('sha256')
          .update(await readFile(f))
          .digest();
        continue;
      }
      const fh = await open(f);
      const hash = createHash('sha256');
      for (;;) {
        const { bytesRead } = await fh.read(buffer, 0, MiB);
        if (bytesRead === 0) break;
        hash.update(buffer.subarray(0, bytesRead));
      }
      hash.digest();
      await fh.close();
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
}

// ---- parent ----------------------------------------------------------------------------

function runChild(kind: string, target: string, profile = ''): Measure {
  const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--child', kind, target, profile], {
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`${kind} ${profile} failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as Measure;
}

/** External tools: wall time including start-up, peak RSS from /usr/bin/time when present. */
function runTool(
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
  discardStdout = false,
): Measure {
  const time = existsSync('/usr/bin/time');
  const t0 = performance.now();
  const r = spawnSync(time ? '/usr/bin/time' : cmd, time ? ['-f', '%M', cmd, ...args] : args, {
    encoding: 'utf8',
    env,
    maxBuffer: 64 * MiB,
    stdio: ['ignore', discardStdout ? 'ignore' : 'pipe', 'pipe'],
  });
  const seconds = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`${cmd} failed: ${r.stderr}`);
  const lines = r.stderr.trim().split('\n');
  const kb = time ? Number(lines.at(-1)) : NaN;
  const cid = discardStdout ? undefined : r.stdout.trim().split('\n').at(-1);
  return { seconds, maxRssMiB: kb / 1024, ...(cid ? { cid } : {}) };
}

function best(runs: number, fn: () => Measure): Measure {
  let result: Measure | undefined;
  for (let i = 0; i < runs; i++) {
    const m = fn();
    if (!result || m.seconds < result.seconds)
      result = { ...m, maxRssMiB: Math.max(m.maxRssMiB, result?.maxRssMiB ?? 0) };
  }
  return result as Measure;
}

/** Random bytes (incompressible, no dedup), kept across runs in the work dir. */
function makeBigFile(file: string, bytes: number): void {
  if (existsSync(file) && statSync(file).size === bytes) return;
  const piece = Buffer.allocUnsafe(MiB);
  const fd = openSync(file, 'w');
  for (let written = 0; written < bytes; written += MiB) {
    randomFillSync(piece);
    writeSync(fd, piece, 0, Math.min(MiB, bytes - written));
  }
  closeSync(fd);
}

/** `count` files of 1-20 KiB, 100 per directory, two levels deep (a built site's shape). */
function makeSmallFiles(dir: string, count: number): number {
  // Outside the tree: a dot-file inside would be skipped by kubo and by us.
  const marker = `${dir}.complete`;
  let bytes = 0;
  const sizes = Array.from({ length: count }, (_, i) => 1024 + ((i * 7919) % (19 * 1024)));
  for (const s of sizes) bytes += s;
  if (existsSync(marker)) return bytes;
  const piece = randomFillSync(Buffer.allocUnsafe(20 * 1024));
  sizes.forEach((size, i) => {
    const sub = path.join(dir, `section-${Math.floor(i / 1000)}`, `page-${Math.floor(i / 100) % 10}`);
    if (i % 100 === 0) mkdirSync(sub, { recursive: true });
    piece.writeUInt32LE(i, 0); // every file different
    writeFileSync(path.join(sub, `file-${i}.html`), piece.subarray(0, size));
  });
  writeFileSync(marker, '');
  return bytes;
}

function findKubo(): string | undefined {
  const local = path.join(repoRoot, '.peers/bin/ipfs');
  if (existsSync(local)) return local;
  const r = spawnSync('ipfs', ['version'], { encoding: 'utf8' });
  return r.status === 0 ? 'ipfs' : undefined;
}

interface Row {
  input: string;
  tool: string;
  rate: number;
  unit: 'MB/s' | 'files/s';
  ratio: number;
  seconds: number;
  maxRssMiB: number;
  cid?: string;
}

async function parent(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'big-mib': { type: 'string', default: process.env.BENCH_BIG_MIB ?? '512' },
      'small-files': { type: 'string', default: process.env.BENCH_SMALL_FILES ?? '20000' },
      runs: { type: 'string', default: process.env.BENCH_RUNS ?? '1' },
      huge: { type: 'boolean', default: false },
      'no-tools': { type: 'boolean', default: false },
    },
  });
  const bigBytes = Number(values['big-mib']) * MiB;
  const smallCount = Number(values['small-files']);
  const runs = Number(values.runs);
  const work = process.env.BENCH_DIR ?? path.join(os.tmpdir(), 'ipfs-pin-bench');
  mkdirSync(work, { recursive: true });
  if (!existsSync(path.join(repoRoot, 'build/lib/unixfs/index.js')))
    throw new Error('run npm run build first');

  const inputs: { name: string; target: string; bytes: number; files: number; unit: Row['unit'] }[] = [];
  const bigDir = path.join(work, `big-${values['big-mib']}`);
  mkdirSync(bigDir, { recursive: true });
  makeBigFile(path.join(bigDir, 'big.bin'), bigBytes);
  inputs.push({
    name: `1 file, ${values['big-mib']} MiB`,
    target: bigDir,
    bytes: bigBytes,
    files: 1,
    unit: 'MB/s',
  });
  const smallDir = path.join(work, `small-${smallCount}`);
  mkdirSync(smallDir, { recursive: true });
  const smallBytes = makeSmallFiles(smallDir, smallCount);
  inputs.push({
    name: `${smallCount} files, 1-20 KiB`,
    target: smallDir,
    bytes: smallBytes,
    files: smallCount,
    unit: 'files/s',
  });
  if (values.huge) {
    // 4 GiB: 15 files of 256 MiB plus 40,000 small ones (about 0.4 GiB).
    const hugeDir = path.join(work, 'huge-4g');
    mkdirSync(path.join(hugeDir, 'media'), { recursive: true });
    for (let i = 0; i < 15; i++) makeBigFile(path.join(hugeDir, 'media', `video-${i}.bin`), 256 * MiB);
    mkdirSync(path.join(hugeDir, 'site'), { recursive: true });
    const siteBytes = makeSmallFiles(path.join(hugeDir, 'site'), 40_000);
    inputs.push({
      name: '4 GiB tree (15 x 256 MiB + 40,000 small)',
      target: hugeDir,
      bytes: 15 * 256 * MiB + siteBytes,
      files: 40_015,
      unit: 'MB/s',
    });
  }

  const kubo = values['no-tools'] ? undefined : findKubo();
  const kuboEnv = { ...process.env, IPFS_PATH: path.join(work, 'kubo-repo') };
  if (kubo && !existsSync(path.join(kuboEnv.IPFS_PATH, 'config'))) {
    spawnSync(kubo, ['init', '--profile=test', '-e'], { env: kuboEnv, stdio: 'ignore' });
  }

  const rows: Row[] = [];
  const rate = (input: (typeof inputs)[number], m: Measure): number =>
    input.unit === 'MB/s' ? input.bytes / 1e6 / m.seconds : input.files / m.seconds;
  for (const input of inputs) {
    // One untimed read first, so the floor does not pay for a cold page cache the tools
    // after it would not.
    runChild('hash', input.target);
    const floor = best(runs, () => runChild('hash', input.target));
    const floorRate = rate(input, floor);
    const add = (tool: string, m: Measure): void => {
      const row: Row = {
        input: input.name,
        tool,
        rate: rate(input, m),
        unit: input.unit,
        ratio: rate(input, m) / floorRate,
        seconds: m.seconds,
        maxRssMiB: m.maxRssMiB,
        ...(m.cid ? { cid: m.cid } : {}),
      };
      rows.push(row);
      process.stderr.write(
        `${input.name}: ${tool} ${row.rate.toFixed(0)} ${row.unit} (${row.ratio.toFixed(2)}x), ${row.maxRssMiB.toFixed(0)} MiB\n`,
      );
    };
    add('read + sha256 (floor)', floor);
    for (const profile of PROFILES)
      add(
        `ipfs-pin ${profile}`,
        best(runs, () => runChild('import', input.target, profile)),
      );
    add(
      'ipfs-pin unixfs-v1-2025 + CAR file',
      best(runs, () => runChild('import-car', input.target, 'unixfs-v1-2025')),
    );
    if (!values['no-tools']) {
      const car = path.join(repoRoot, 'node_modules/ipfs-car/bin.js');
      // The CAR goes to stdout, discarded (--output /dev/null makes ipfs-car loop rewriting the header).
      add(
        'ipfs-car pack (incl. start-up)',
        best(runs, () =>
          runTool(process.execPath, [car, 'pack', input.target, '--no-wrap'], process.env, true),
        ),
      );
      if (kubo)
        add(
          'kubo ipfs add --only-hash (incl. start-up)',
          best(runs, () => runTool(kubo, ['add', '-r', '--only-hash', '-Q', input.target], kuboEnv)),
        );
    }
  }

  const v0 = (input: string): string | undefined =>
    rows.find((r) => r.input === input && r.tool === 'ipfs-pin unixfs-v0-2015')?.cid;
  const parity = inputs.map((i) => {
    const k = rows.find((r) => r.input === i.name && r.tool.startsWith('kubo'))?.cid;
    return { input: i.name, ours: v0(i.name), kubo: k, match: k === undefined ? null : k === v0(i.name) };
  });

  const header = '| input | tool | rate | vs read+sha256 | peak RSS |';
  const lines = [header, '|---|---|---:|---:|---:|'];
  for (const r of rows) {
    lines.push(
      `| ${r.input} | ${r.tool} | ${r.rate.toFixed(0)} ${r.unit} | ${r.ratio.toFixed(2)}x | ${r.maxRssMiB.toFixed(0)} MiB |`,
    );
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  for (const p of parity)
    if (p.match !== null)
      process.stdout.write(
        `kubo parity (${p.input}, unixfs-v0-2015): ${p.match ? 'same CID' : `DIFFERENT: ours ${p.ours}, kubo ${p.kubo}`}\n`,
      );

  const results = {
    date: new Date().toISOString(),
    node: process.version,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model,
    loadAverage: os.loadavg(),
    runs,
    rows,
    kuboParity: parity,
  };
  mkdirSync(path.join(repoRoot, 'bench/results'), { recursive: true });
  writeFileSync(path.join(repoRoot, 'bench/results/import.json'), `${JSON.stringify(results, null, 2)}\n`);
}

if (process.argv[2] === '--child') {
  await child(process.argv[3] ?? '', process.argv[4] ?? '', process.argv[5] ?? '');
} else {
  await parent();
}
