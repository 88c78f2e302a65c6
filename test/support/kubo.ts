import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { peerBinary } from './peers.js';
import { killOnExit, run, terminate, type RunOptions, type RunResult } from './run-program.js';

export type { RunOptions, RunResult };

export interface KuboRepoOptions {
  /**
   * Config profiles applied at `ipfs init`, after `test`. For imports: `unixfs-v1-2025` or
   * `unixfs-v0-2015` (kubo's defaults); kubo `--cid-version=1` is a flag per `ipfs add`.
   */
  profiles?: string[];
  /** Config keys (dotted paths, e.g. `Import.UnixFSChunker`) set before the daemon starts. */
  config?: Record<string, unknown>;
}

export interface KuboOptions extends KuboRepoOptions {
  /** Serve the HTTP gateway on 127.0.0.1 (random port). Default false. */
  gateway?: boolean;
  /** Extra `ipfs daemon` flags. */
  daemonArgs?: string[];
  /**
   * Also announce `/dns4/localhost/tcp/<port>`. ipfs-cluster passes on only non-private kubo
   * addresses as PSA `delegates` (and DNS ones count), so a cluster's kubo needs this for its
   * pinning API to return any delegate. Picks the swarm port up front instead of port 0.
   */
  announceLocalhostDns?: boolean;
  /** Default 30 s. */
  startTimeoutMs?: number;
  signal?: AbortSignal;
}

/** A kubo repository in a temp dir, no daemon: `ipfs` runs offline against it. */
export interface KuboRepo extends AsyncDisposable {
  repoPath: string;
  peerId: string;
  /** Runs the ipfs CLI with IPFS_PATH set to this repo (through the daemon's API when it runs). */
  ipfs(args: string[], options?: RunOptions): Promise<RunResult>;
  /** Removes the repo. */
  remove(): Promise<void>;
}

/** A running kubo daemon on loopback only: no bootstrap, no routing, no discovery, TCP only. */
export interface Kubo extends KuboRepo {
  /** The RPC API, e.g. http://127.0.0.1:41235 (kubo-rpc-client's `url`). */
  apiUrl: string;
  apiMultiaddr: string;
  gatewayUrl?: string;
  /** Dialable swarm addresses: /ip4/127.0.0.1/tcp/N/p2p/<peerId>. */
  swarmAddrs: string[];
  /** Daemon output so far, for failure messages. */
  logs(): string;
  /** Stops the daemon (SIGTERM, then SIGKILL after 10 s) and removes the repo. Idempotent. */
  stop(): Promise<void>;
}

/** Settings that keep a test kubo on loopback and away from the public network. */
const isolated: Record<string, unknown> = {
  'Addresses.API': ['/ip4/127.0.0.1/tcp/0'],
  'Addresses.Swarm': ['/ip4/127.0.0.1/tcp/0'],
  'Addresses.Announce': [],
  'Addresses.NoAnnounce': [],
  Bootstrap: [],
  Peering: { Peers: [] },
  'Routing.Type': 'none',
  'Discovery.MDNS.Enabled': false,
  'AutoNAT.ServiceMode': 'disabled',
  'AutoTLS.Enabled': false,
  'AutoConf.Enabled': false,
  'Swarm.DisableNatPortMap': true,
  'Swarm.EnableHolePunching': false,
  'Swarm.RelayClient.Enabled': false,
  'Swarm.RelayService.Enabled': false,
  'Swarm.Transports.Network.QUIC': false,
  'Swarm.Transports.Network.WebTransport': false,
  'Swarm.Transports.Network.WebRTCDirect': false,
  'Swarm.Transports.Network.Websocket': false,
  // Lenient: keep every connection (a test peer must never drop the node it fetches from).
  'Swarm.ConnMgr': { Type: 'none' },
  'Swarm.ResourceMgr.Enabled': false,
};

const baseEnv = (repoPath: string): NodeJS.ProcessEnv => ({
  ...process.env,
  IPFS_PATH: repoPath,
  IPFS_TELEMETRY: 'off',
  // Never let a developer's own settings leak in.
  IPFS_LOGGING: undefined,
  GOLOG_LOG_LEVEL: undefined,
  LIBP2P_FORCE_PNET: undefined,
});

/** Creates and initialises a kubo repo in a temp dir (`ipfs init --profile=test,...`). */
export async function createKuboRepo(
  options: KuboRepoOptions & { gateway?: boolean } = {},
): Promise<KuboRepo> {
  const bin = peerBinary('ipfs');
  const repoPath = await mkdtemp(join(tmpdir(), 'ipfs-pin-kubo-'));
  const env = baseEnv(repoPath);
  const ipfs = (args: string[], runOptions: RunOptions = {}) => run(bin, args, { env, ...runOptions });
  const remove = () => rm(repoPath, { recursive: true, force: true, maxRetries: 3 });
  try {
    const profiles = ['test', ...(options.profiles ?? [])].join(',');
    await ipfs(['init', '--empty-repo', `--profile=${profiles}`]);
    const configPath = join(repoPath, 'config');
    const config = JSON.parse(await readFile(configPath, 'utf8')) as Record<string, unknown>;
    const settings = {
      ...isolated,
      'Addresses.Gateway': options.gateway ? ['/ip4/127.0.0.1/tcp/0'] : [],
      ...options.config,
    };
    for (const [key, value] of Object.entries(settings)) setPath(config, key, value);
    await writeFile(configPath, JSON.stringify(config, null, 2));
    const identity = config.Identity as { PeerID?: string } | undefined;
    if (!identity?.PeerID) throw new Error(`kubo repo ${repoPath} has no Identity.PeerID`);
    return { repoPath, peerId: identity.PeerID, ipfs, remove, [Symbol.asyncDispose]: remove };
  } catch (error) {
    await remove();
    throw error;
  }
}

/** Starts a kubo daemon on loopback in a fresh temp repo. Stop it with `stop()` or `await using`. */
export async function startKubo(options: KuboOptions = {}): Promise<Kubo> {
  if (!options.announceLocalhostDns) return startKuboOnce(options);
  // The port is free when picked but may be taken before kubo binds it: try a few.
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const config = {
      'Addresses.Swarm': [`/ip4/127.0.0.1/tcp/${port}`],
      'Addresses.AppendAnnounce': [`/dns4/localhost/tcp/${port}`],
      ...options.config,
    };
    try {
      return await startKuboOnce({ ...options, config });
    } catch (error) {
      if (attempt >= 3 || !String(error).includes('address already in use')) throw error;
    }
  }
}

async function startKuboOnce(options: KuboOptions): Promise<Kubo> {
  const repo = await createKuboRepo(options);
  const bin = peerBinary('ipfs');
  const daemon = spawn(bin, ['daemon', '--enable-gc=false', ...(options.daemonArgs ?? [])], {
    env: baseEnv(repo.repoPath),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  killOnExit(daemon);
  let output = '';
  daemon.stdout.setEncoding('utf8').on('data', (text: string) => (output += text));
  daemon.stderr.setEncoding('utf8').on('data', (text: string) => (output += text));

  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      await terminate(daemon);
      await repo.remove();
    })());

  try {
    const ready = await waitForReady(daemon, () => output, options);
    const swarmAddrs = await loopbackAddrs(repo);
    const apiMultiaddr = ready.api;
    return {
      ...repo,
      apiMultiaddr,
      apiUrl: httpUrl(apiMultiaddr),
      gatewayUrl: ready.gateway ? httpUrl(ready.gateway) : undefined,
      swarmAddrs,
      logs: () => output,
      stop,
      remove: stop,
      [Symbol.asyncDispose]: stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

function waitForReady(
  daemon: ChildProcess,
  output: () => string,
  options: KuboOptions,
): Promise<{ api: string; gateway?: string }> {
  const timeoutMs = options.startTimeoutMs ?? 30_000;
  const signal = AbortSignal.any([
    ...(options.signal ? [options.signal] : []),
    AbortSignal.timeout(timeoutMs),
  ]);
  return new Promise((resolve, reject) => {
    const check = () => {
      const text = output();
      if (!text.includes('Daemon is ready')) return;
      const api = /RPC API server listening on (\S+)/.exec(text)?.[1];
      const gateway = /Gateway server listening on (\S+)/.exec(text)?.[1];
      done();
      if (api) resolve({ api, gateway });
      else reject(new Error(`kubo is ready but printed no RPC API address:\n${text}`));
    };
    const onExit = (code: number | null, killedBy: string | null) => {
      done();
      reject(new Error(`kubo daemon exited (${killedBy ?? code}) before it was ready:\n${output()}`));
    };
    const onAbort = () => {
      done();
      reject(new Error(`kubo daemon not ready after ${timeoutMs} ms (or aborted):\n${output()}`));
    };
    const done = () => {
      daemon.stdout?.off('data', check);
      daemon.off('exit', onExit);
      signal.removeEventListener('abort', onAbort);
    };
    daemon.stdout?.on('data', check);
    daemon.once('exit', onExit);
    signal.addEventListener('abort', onAbort, { once: true });
    check();
  });
}

async function loopbackAddrs(repo: KuboRepo): Promise<string[]> {
  const { stdout } = await repo.ipfs(['swarm', 'addrs', 'local', '--id']);
  const addrs = stdout
    .split('\n')
    .map((line) => line.trim())
    .filter((addr) => /^\/ip4\/127\.0\.0\.1\/tcp\/\d+\/p2p\//.test(addr));
  if (addrs.length === 0) throw new Error(`kubo listens on no loopback TCP address:\n${stdout}`);
  return addrs;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** /ip4/127.0.0.1/tcp/5001 -> http://127.0.0.1:5001 */
export function httpUrl(multiaddr: string): string {
  const match = /^\/ip4\/([\d.]+)\/tcp\/(\d+)/.exec(multiaddr);
  if (!match) throw new Error(`not an /ip4/.../tcp/... address: ${multiaddr}`);
  return `http://${match[1]}:${match[2]}`;
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
