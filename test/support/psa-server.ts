import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { repoRoot } from './peers.js';

/** tools/psa-server: @helia/pinning-service-api-server on a loopback Helia 5 node. */
export const psaServerDir = join(repoRoot, 'tools', 'psa-server');

export interface PsaServerOptions {
  /** Bearer token the service accepts. Default: a random one. */
  token?: string;
  /** Default 30 s (a cold start on a loaded 2-core machine takes a few seconds). */
  startTimeoutMs?: number;
}

/** What the service holds of a DAG, read from its blockstore only (no network). */
export interface DagCheck {
  /** Every block reachable from the root is in the service's blockstore. */
  complete: boolean;
  /** Distinct blocks found. */
  blocks: number;
  /** The root is pinned in the service's Helia node. */
  pinned: boolean;
}

export interface PsaServer extends AsyncDisposable {
  /** The PSA endpoint, e.g. http://127.0.0.1:41105 (no trailing slash). */
  endpoint: string;
  token: string;
  peerId: string;
  /** The delegates it returns: /ip4/127.0.0.1/tcp/N/p2p/<peerId>. */
  multiaddrs: string[];
  hasBlock(cid: string | { toString(): string }): Promise<boolean>;
  hasDag(cid: string | { toString(): string }): Promise<DagCheck>;
  /** The server's stderr so far (last 64 KiB), for failure messages. */
  logs(): string;
  /** SIGTERM, then SIGKILL after 10 s. Idempotent. */
  stop(): Promise<void>;
}

interface Ready {
  endpoint: string;
  token: string;
  peerId: string;
  multiaddrs: string[];
}

const LOG_LIMIT = 64 * 1024;

/**
 * Starts a real Pinning Service API server on loopback: a pin reaches `pinned` only once its
 * data is served over bitswap to one of `multiaddrs`. Throws when tools/psa-server is not
 * installed (`npm run tools`), so a missing peer fails the run instead of skipping it.
 */
export async function startPsaServer(options: PsaServerOptions = {}): Promise<PsaServer> {
  if (!existsSync(join(psaServerDir, 'node_modules', '@helia', 'pinning-service-api-server'))) {
    throw new Error('tools/psa-server is not installed: run `npm run tools` (it runs before `npm test`)');
  }
  const token = options.token ?? randomBytes(18).toString('base64url');
  const child = spawn(
    nodeForTools(),
    [join(psaServerDir, 'server.js'), '--test-routes', '--exit-on-stdin-close'],
    {
      cwd: psaServerDir,
      // The token goes by environment, not argv, so the process list does not show it.
      env: {
        ...process.env,
        PSA_SERVER_TOKEN: token,
        NODE_COMPILE_CACHE: process.env.NODE_COMPILE_CACHE ?? join(tmpdir(), 'ipfs-pin-node-compile-cache'),
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-LOG_LIMIT);
  });
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));

  let ready: Ready;
  try {
    ready = await readyLine(child.stdout, exited, options.startTimeoutMs ?? 30_000);
  } catch (err) {
    child.kill('SIGKILL');
    throw new Error(`psa-server did not start: ${(err as Error).message}\n${stderr}`, { cause: err });
  }

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
    })();
    return stopping;
  };

  const getTest = async <T>(path: string): Promise<T> => {
    const res = await fetch(`${ready.endpoint}${path}`, { headers: { authorization: `Bearer ${token}` } });
    if (!res.ok) throw new Error(`psa-server GET ${path}: HTTP ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };

  return {
    endpoint: ready.endpoint,
    token,
    peerId: ready.peerId,
    multiaddrs: ready.multiaddrs,
    hasBlock: async (cid) => (await getTest<{ has: boolean }>(`/_test/has/${cid.toString()}`)).has,
    hasDag: (cid) => getTest<DagCheck>(`/_test/dag/${cid.toString()}`),
    logs: () => stderr,
    stop,
    [Symbol.asyncDispose]: stop,
  };
}

/** Node 24 runs the tool (Helia does not load on Node 20): this one if it is 24+, else the root's. */
function nodeForTools(): string {
  const major = Number(process.versions.node.split('.')[0]);
  if (major >= 24) return process.execPath;
  const local = join(repoRoot, 'node_modules', '.bin', 'node');
  if (existsSync(local)) return local;
  throw new Error(
    `psa-server needs Node 24; this is ${process.version} and node_modules/.bin/node is missing`,
  );
}

function readyLine(stdout: NodeJS.ReadableStream, exited: Promise<void>, timeoutMs: number): Promise<Ready> {
  const lines = createInterface({ input: stdout });
  return new Promise<Ready>((resolve, reject) => {
    const timer = setTimeout(() => done(new Error(`not ready after ${timeoutMs} ms`)), timeoutMs);
    const done = (err: Error | undefined, ready?: Ready) => {
      clearTimeout(timer);
      lines.close();
      // Nothing else comes on stdout, but never let a full pipe block the server.
      stdout.resume();
      if (err) reject(err);
      else resolve(ready as Ready);
    };
    void exited.then(() => done(new Error('it exited before it was ready')));
    lines.once('line', (line) => {
      try {
        const ready = JSON.parse(line) as Ready;
        if (typeof ready.endpoint !== 'string' || !Array.isArray(ready.multiaddrs))
          throw new Error('not the ready line');
        done(undefined, ready);
      } catch {
        done(new Error(`unexpected first line: ${line}`));
      }
    });
  });
}
