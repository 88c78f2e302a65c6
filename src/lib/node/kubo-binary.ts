import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { abortError, errorMessage, IpfsPinError } from '../errors.js';
import { aborted } from './util.js';
import { createKuboDriver } from './kubo-driver.js';
import { makeTempDir, removeDir } from './temp-dir.js';
import type { IpfsNode, NodeOptions } from './types.js';

const START_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 10_000;

/**
 * A throwaway kubo: a repo in a temp dir (`--repo-dir`, so a user's IPFS_PATH is never
 * touched), no bootstrap, no routing, no discovery, no gateway, random ports; the daemon is
 * killed and the repo removed on stop(). kubo keeps every transport it has for dialling
 * (QUIC delegates work here, unlike the embedded node) but listens on TCP only.
 *
 * The daemon never outlives us: it runs under a small watchdog (see {@link WATCHDOG}) that
 * holds a pipe from this process and stops the daemon and removes the repo when the pipe
 * closes, which the kernel does when this process dies, by SIGKILL too. What a killed
 * watchdog leaves is reaped at the next start ({@link reapStale}).
 */
export async function createKuboBinaryNode(options: NodeOptions): Promise<IpfsNode> {
  const bin = options.binary ?? 'ipfs';
  const { signal } = options;
  if (aborted(signal)) throw abortError(signal, 'Starting kubo');
  await reapStale(options.tempDir ?? tmpdir()).catch(() => {});
  const repo = await makeTempDir(options.tempDir, 'kubo');
  await writeFile(join(repo, OWNER_FILE), String(process.pid));
  let daemon: ChildProcess | undefined;
  const cleanup = async (): Promise<void> => {
    if (daemon !== undefined) await terminate(daemon);
    await removeDir(repo);
  };
  try {
    await runOnce(bin, ['--repo-dir', repo, 'init', '--empty-repo', '--profile=test'], signal);
    await configure(repo, options.listen ?? ['/ip4/0.0.0.0/tcp/0']);
    const started = startDaemon(bin, repo, signal);
    daemon = started.child;
    const apiUrl = await started.ready;
    return await createKuboDriver({ ...options, kind: 'kubo-binary', apiUrl, onStop: cleanup });
  } catch (err) {
    await cleanup();
    if (err instanceof IpfsPinError) throw err;
    if (aborted(signal)) throw abortError(signal, 'Starting kubo');
    const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
    throw new IpfsPinError(
      'KUBO_UNAVAILABLE',
      missing
        ? `kubo binary ${JSON.stringify(bin)} was not found: install kubo or pass its path as binary.`
        : `kubo could not start: ${errorMessage(err)}`,
      { cause: err, data: { binary: bin } },
    );
  }
}

const SETTINGS: Record<string, unknown> = {
  'Addresses.API': ['/ip4/127.0.0.1/tcp/0'],
  'Addresses.Gateway': [],
  'Addresses.Announce': [],
  Bootstrap: [],
  'Routing.Type': 'none',
  'Discovery.MDNS.Enabled': false,
  'AutoNAT.ServiceMode': 'disabled',
  'AutoTLS.Enabled': false,
  // No fetching of network defaults from a public URL.
  'AutoConf.Enabled': false,
  'Swarm.DisableNatPortMap': true,
  'Swarm.EnableHolePunching': false,
  'Swarm.RelayClient.Enabled': false,
  'Swarm.RelayService.Enabled': false,
  'Plugins.Plugins.telemetry.Config.Mode': 'off',
};

async function configure(repo: string, listen: string[]): Promise<void> {
  const path = join(repo, 'config');
  const config = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
  for (const [key, value] of Object.entries({ ...SETTINGS, 'Addresses.Swarm': listen }))
    setPath(config, key, value);
  await writeFile(path, JSON.stringify(config, null, 2));
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  const last = keys.pop() as string;
  let node = target;
  for (const key of keys) {
    const next = node[key];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[last] = value;
}

function runOnce(bin: string, args: string[], signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, {
      stdio: ['ignore', 'ignore', 'pipe'],
      ...(signal === undefined ? {} : { signal }),
    });
    let err = '';
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0
        ? resolve()
        : reject(new Error(`${bin} ${args.slice(2).join(' ')} exited ${code}: ${err.trim()}`)),
    );
  });
}

/** Holds our pid in a repo: a repo whose owner is gone is stale. */
const OWNER_FILE = 'ipfs-pin-owner.pid';
/** The daemon's pid, written by the watchdog. */
const DAEMON_FILE = 'ipfs-pin-daemon.pid';

/**
 * Runs `argv[3..]` (the daemon) and stops it when its standard input, a pipe from us,
 * closes: on our stop(), or when we die whatever the signal. SIGTERM first, SIGKILL after
 * `argv[2]` ms, then the repo (`argv[1]`) is removed. A plain script for `node -e`, so it
 * needs no file of its own next to the bundle. Node has no PR_SET_PDEATHSIG; a pipe does
 * the same on every platform.
 */
const WATCHDOG = `
const { spawn } = require('node:child_process');
const { rmSync, writeFileSync } = require('node:fs');
const [repo, grace, bin, ...args] = process.argv.slice(1);
const daemon = spawn(bin, args, { stdio: ['ignore', 'inherit', 'inherit'] });
try { writeFileSync(repo + '/${DAEMON_FILE}', String(daemon.pid)); } catch {}
let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  daemon.kill('SIGTERM');
  setTimeout(() => daemon.kill('SIGKILL'), Number(grace)).unref();
};
process.stdin.on('end', stop).on('close', stop).on('error', stop).resume();
for (const s of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(s, stop);
daemon.on('error', (e) => { process.stderr.write(String(e && e.message) + '\\n'); process.exit(127); });
daemon.on('exit', (code, sig) => {
  if (stopping) try { rmSync(repo, { recursive: true, force: true, maxRetries: 3 }); } catch {}
  process.exit(code ?? (sig === null ? 1 : 128));
});
`;

function startDaemon(
  bin: string,
  repo: string,
  signal: AbortSignal | undefined,
): { child: ChildProcess; ready: Promise<string> } {
  const child = spawn(
    process.execPath,
    ['-e', WATCHDOG, repo, String(STOP_GRACE_MS), bin, '--repo-dir', repo, 'daemon', '--enable-gc=false'],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  const ready = new Promise<string>((resolve, reject) => {
    let out = '';
    const timeout = AbortSignal.timeout(START_TIMEOUT_MS);
    const stopWaiting = signal === undefined ? timeout : AbortSignal.any([signal, timeout]);
    const done = (): void => {
      child.stdout?.off('data', onData);
      child.stderr?.off('data', onData);
      child.off('exit', onExit);
      child.off('error', onError);
      stopWaiting.removeEventListener('abort', onAbort);
    };
    const onData = (c: Buffer): void => {
      out += c.toString();
      if (!out.includes('Daemon is ready')) return;
      done();
      const api = /RPC API server listening on \/ip4\/([\d.]+)\/tcp\/(\d+)/.exec(out);
      if (api === null) reject(new Error(`kubo printed no RPC API address:\n${out}`));
      else resolve(`http://${api[1]}:${api[2]}`);
    };
    const onExit = (code: number | null, sig: string | null): void => {
      done();
      reject(new Error(`kubo daemon exited (${sig ?? code}) before it was ready:\n${out.slice(-2000)}`));
    };
    const onError = (e: Error): void => {
      done();
      reject(e);
    };
    const onAbort = (): void => {
      done();
      reject(
        new Error(
          timeout.aborted
            ? `kubo daemon not ready after ${START_TIMEOUT_MS} ms:\n${out.slice(-2000)}`
            : 'aborted',
        ),
      );
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', onExit);
    child.once('error', onError);
    stopWaiting.addEventListener('abort', onAbort, { once: true });
  });
  // Keep draining output so a chatty daemon never blocks on a full pipe.
  void ready.then(
    () => {
      child.stdout?.resume();
      child.stderr?.resume();
    },
    () => {},
  );
  return { child, ready };
}

/** Closes the watchdog's pipe, which stops the daemon; kills the watchdog if it hangs. */
async function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.stdin?.end();
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS + 2_000);
  await exited;
  clearTimeout(timer);
}

/**
 * Removes what a kubo-binary node of an earlier run left in `parent` when that run was
 * killed so hard that even its watchdog died: a repo whose owner process is gone, and the
 * daemon still running on it (checked by its command line, so a reused pid is left alone).
 * Repos of live runs, and ones without an owner file, are not touched.
 */
export async function reapStale(parent: string): Promise<string[]> {
  const reaped: string[] = [];
  for (const entry of await readdir(parent)) {
    if (!entry.startsWith('ipfs-pin-kubo-')) continue;
    const repo = join(parent, entry);
    const owner = await readPid(join(repo, OWNER_FILE));
    if (owner === undefined || alive(owner)) continue;
    const daemon = await readPid(join(repo, DAEMON_FILE));
    if (daemon !== undefined && alive(daemon)) {
      const cmdline = await readFile(`/proc/${daemon}/cmdline`, 'utf8').catch(() => '');
      if (cmdline.includes(repo)) {
        try {
          process.kill(daemon, 'SIGKILL');
        } catch {
          // Gone meanwhile.
        }
      }
    }
    await removeDir(repo);
    reaped.push(repo);
  }
  return reaped;
}

async function readPid(path: string): Promise<number | undefined> {
  const text = await readFile(path, 'utf8').catch(() => '');
  const pid = Number(text.trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
