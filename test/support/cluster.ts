import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { httpUrl, startKubo, type Kubo, type KuboOptions } from './kubo.js';
import { peerBinary } from './peers.js';
import { killOnExit, run, terminate, type RunOptions, type RunResult } from './run-program.js';

export interface ClusterOptions {
  /** Options for the cluster's own kubo. */
  kubo?: KuboOptions;
  /** The pinning API's basic-auth user (default `ipfs-pin`); the password is random. */
  user?: string;
  /** How long the cluster lets its kubo fetch one pin before it fails (Go duration, default `2m0s`). */
  pinTimeout?: string;
  /**
   * Pins the cluster works on at once (`pin_tracker.stateless.concurrent_pins`, default 10):
   * with 1, a pin that holds the slot makes the next one wait in the queue, as a busy
   * service's does.
   */
  concurrentPins?: number;
  /**
   * Put the REST API (what `ctl` and uploads use) behind its own Basic credentials, as a
   * deployed cluster has (user `ipfs-pin-rest`, a random password): see `restApiAuth`.
   */
  restApiAuth?: boolean;
  /** Default 60 s (kubo and cluster start one after the other). */
  startTimeoutMs?: number;
  signal?: AbortSignal;
}

/** A single-peer IPFS Cluster (crdt) with its own kubo, everything on loopback. */
export interface Cluster extends AsyncDisposable {
  /** Pinning Service API endpoint, e.g. http://127.0.0.1:40123 (no trailing slash). */
  psaEndpoint: string;
  /** A Bearer JWT for the pinning API (from its `POST /token`). */
  token: string;
  /** The same API also takes these as HTTP Basic credentials. */
  basicAuth: { user: string; password: string };
  /** The cluster REST API, which `ctl` talks to (no auth unless `restApiAuth`). */
  restApiUrl: string;
  /** The REST API's own Basic credentials, with `restApiAuth` (not the pinning API's). */
  restApiAuth?: { user: string; password: string };
  peerId: string;
  /** The cluster's own libp2p addresses (not where data is fetched: that is `kubo.swarmAddrs`). */
  swarmAddrs: string[];
  /**
   * What the pinning API returns as `delegates`: the kubo's `/dns4/localhost/tcp/N/p2p/<id>`
   * (cluster drops loopback and private addresses, so the kubo announces a DNS one).
   */
  delegates: string[];
  /** The kubo the cluster pins on (it fetches the data a pin asks for). */
  kubo: Kubo;
  configPath: string;
  /** Runs `ipfs-cluster-ctl --host <rest api> ...args`, e.g. `ctl(['--enc=json', 'status', cid])`. */
  ctl(args: string[], options?: RunOptions): Promise<RunResult>;
  /** Cluster daemon output so far, for failure messages. */
  logs(): string;
  /** Stops the cluster, then its kubo, and removes both directories. Idempotent. */
  stop(): Promise<void>;
}

export async function startCluster(options: ClusterOptions = {}): Promise<Cluster> {
  const serviceBin = peerBinary('ipfs-cluster-service');
  const ctlBin = peerBinary('ipfs-cluster-ctl');
  const startTimeoutMs = options.startTimeoutMs ?? 60_000;
  const signal = AbortSignal.any([
    ...(options.signal ? [options.signal] : []),
    AbortSignal.timeout(startTimeoutMs),
  ]);

  const kubo = await startKubo({ announceLocalhostDns: true, ...options.kubo, signal });
  const configPath = await mkdtemp(join(tmpdir(), 'ipfs-pin-cluster-'));
  const env = clusterEnv();
  let daemon: ChildProcess | undefined;
  let output = '';
  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      if (daemon) {
        await terminate(daemon);
      }
      await kubo.stop();
      await rm(configPath, { recursive: true, force: true, maxRetries: 3 });
    })());

  try {
    await run(serviceBin, ['--config', configPath, 'init', '--consensus', 'crdt'], { env, signal });
    const user = options.user ?? 'ipfs-pin';
    const password = randomBytes(16).toString('hex');
    const restApiAuth =
      options.restApiAuth === true
        ? { user: 'ipfs-pin-rest', password: randomBytes(16).toString('hex') }
        : undefined;
    await configure(join(configPath, 'service.json'), {
      kuboApi: kubo.apiMultiaddr,
      credentials: { [user]: password },
      ...(restApiAuth === undefined ? {} : { restCredentials: { [restApiAuth.user]: restApiAuth.password } }),
      pinTimeout: options.pinTimeout ?? '2m0s',
      ...(options.concurrentPins === undefined ? {} : { concurrentPins: options.concurrentPins }),
    });

    daemon = spawn(serviceBin, ['--config', configPath, 'daemon'], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    killOnExit(daemon);
    daemon.stdout?.setEncoding('utf8').on('data', (text: string) => (output += text));
    daemon.stderr?.setEncoding('utf8').on('data', (text: string) => (output += text));
    const ready = await waitForReady(daemon, () => output, signal, startTimeoutMs);

    const psaEndpoint = httpUrl(ready.pinsvcapi);
    const restApiUrl = httpUrl(ready.restapi);
    const basic = Buffer.from(`${user}:${password}`).toString('base64');
    const response = await fetch(`${psaEndpoint}/token`, {
      method: 'POST',
      headers: { authorization: `Basic ${basic}` },
      signal,
    });
    if (!response.ok)
      throw new Error(`cluster POST /token answered ${response.status}: ${await response.text()}`);
    const { token } = (await response.json()) as { token?: string };
    if (!token) throw new Error('cluster POST /token answered no token');

    const ctl = (args: string[], runOptions: RunOptions = {}) =>
      run(
        ctlBin,
        [
          '--host',
          ready.restapi,
          ...(restApiAuth === undefined
            ? []
            : ['--basic-auth', `${restApiAuth.user}:${restApiAuth.password}`, '--force-http']),
          ...args,
        ],
        { env, ...runOptions },
      );
    const { stdout } = await ctl(['--enc=json', 'id']);
    const id = JSON.parse(stdout) as { id: string; addresses?: string[] };
    const swarmAddrs = (id.addresses ?? []).filter((addr) => addr.startsWith('/ip4/127.0.0.1/tcp/'));
    const delegates = await waitForDelegates(ctl, signal);

    return {
      psaEndpoint,
      token,
      basicAuth: { user, password },
      restApiUrl,
      ...(restApiAuth === undefined ? {} : { restApiAuth }),
      peerId: id.id,
      swarmAddrs,
      delegates,
      kubo,
      configPath,
      ctl,
      logs: () => output,
      stop,
      [Symbol.asyncDispose]: stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

interface Settings {
  kuboApi: string;
  credentials: Record<string, string>;
  restCredentials?: Record<string, string>;
  pinTimeout: string;
  concurrentPins?: number;
}

/** Loopback only, random ports, no mDNS, no relay, no proxy API; pinning API with auth. */
async function configure(path: string, settings: Settings): Promise<void> {
  const config = JSON.parse(await readFile(path, 'utf8')) as ServiceJson;
  Object.assign(config.cluster, {
    peername: 'ipfs-pin-test',
    listen_multiaddress: ['/ip4/127.0.0.1/tcp/0'],
    enable_relay_hop: false,
    mdns_interval: '0s',
    connection_manager: { high_water: 1000, low_water: 900, grace_period: '10m0s' },
    resource_manager: { enabled: false, memory_limit_bytes: 0, file_descriptors_limit: 0 },
    monitor_ping_interval: '2s',
    peer_watch_interval: '2s',
  });
  delete config.api.ipfsproxy;
  Object.assign(config.api.pinsvcapi, {
    http_listen_multiaddress: '/ip4/127.0.0.1/tcp/0',
    basic_auth_credentials: settings.credentials,
  });
  Object.assign(config.api.restapi, {
    http_listen_multiaddress: '/ip4/127.0.0.1/tcp/0',
    ...(settings.restCredentials === undefined ? {} : { basic_auth_credentials: settings.restCredentials }),
  });
  Object.assign(config.ipfs_connector.ipfshttp, {
    node_multiaddress: settings.kuboApi,
    pin_timeout: settings.pinTimeout,
  });
  if (settings.concurrentPins !== undefined) {
    const stateless = config.pin_tracker?.stateless;
    if (stateless === undefined) throw new Error('cluster service.json has no pin_tracker.stateless');
    stateless.concurrent_pins = settings.concurrentPins;
  }
  await writeFile(path, JSON.stringify(config, null, 2));
}

interface ServiceJson {
  cluster: Record<string, unknown>;
  api: { ipfsproxy?: unknown; pinsvcapi: Record<string, unknown>; restapi: Record<string, unknown> };
  ipfs_connector: { ipfshttp: Record<string, unknown> };
  pin_tracker?: { stateless?: Record<string, unknown> };
}

/** Delegates come from the cluster's own ping metric: wait for the first one. */
async function waitForDelegates(
  ctl: (args: string[], options?: RunOptions) => Promise<RunResult>,
  signal: AbortSignal,
): Promise<string[]> {
  for (;;) {
    const { stdout } = await ctl(['--enc=json', 'health', 'metrics', 'ping'], { signal });
    const metrics = JSON.parse(stdout) as { value: string }[] | null;
    for (const metric of metrics ?? []) {
      const { ipfs_addresses: addrs } = JSON.parse(metric.value) as { ipfs_addresses?: string[] };
      if (addrs && addrs.length > 0) return addrs;
    }
    if (signal.aborted) throw new Error('ipfs-cluster published no ping metric with kubo addresses in time');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The process environment without CLUSTER_* (cluster reads config overrides from those). */
function clusterEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('CLUSTER_') && !key.startsWith('IPFS_CLUSTER_')) env[key] = value;
  }
  return env;
}

function waitForReady(
  daemon: ChildProcess,
  output: () => string,
  signal: AbortSignal,
  timeoutMs: number,
): Promise<{ pinsvcapi: string; restapi: string }> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const text = output();
      const pinsvcapi = /PINSVCAPI \(HTTP[^)]*\): (\S+)/.exec(text)?.[1];
      const restapi = /RESTAPI \(HTTP[^)]*\): (\S+)/.exec(text)?.[1];
      if (!text.includes('IPFS Cluster is READY') || !pinsvcapi || !restapi) return;
      done();
      resolve({ pinsvcapi, restapi });
    };
    const onExit = (code: number | null, killedBy: string | null) => {
      done();
      reject(
        new Error(`ipfs-cluster-service exited (${killedBy ?? code}) before it was ready:\n${output()}`),
      );
    };
    const onAbort = () => {
      done();
      reject(new Error(`ipfs-cluster-service not ready after ${timeoutMs} ms (or aborted):\n${output()}`));
    };
    const done = () => {
      daemon.stdout?.off('data', check);
      daemon.stderr?.off('data', check);
      daemon.off('exit', onExit);
      signal.removeEventListener('abort', onAbort);
    };
    daemon.stdout?.on('data', check);
    daemon.stderr?.on('data', check);
    daemon.once('exit', onExit);
    signal.addEventListener('abort', onAbort, { once: true });
    check();
  });
}
