/**
 * The built bundles against what a service (or a fork) controls, issue #19 findings 4, 7, 8
 * and 9: delegates that name this machine in spellings the old guard missed, the token
 * echoed in escapes the old redaction missed, a kubo daemon left behind by a SIGKILL, and
 * statuses that found a rank on Object.prototype.
 */
import { spawn } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { createServer as createHttpServer } from 'node:http';
import { connect as netConnect, createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGithubApi } from '../support/github-api.js';
import { startHostilePsa } from '../support/hostile-psa.js';
import { peerBinary } from '../support/peers.js';
import { pullRequestEvent, runAction } from '../support/run-action.js';
import { cliPath, ipfsPin, makeSite } from './pin-helpers.js';

const PEER = '12D3KooWJx1aT4uWnDu6vB8ab8dT8t3p3nTCvKGQ3YFXx1XkHy4V';

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'ipfs-pin-trust-net-'));
  await mkdir(join(work, 'site'));
  await writeFile(join(work, 'site', 'index.html'), '<h1>trust nothing</h1>\n');
});
afterAll(async () => {
  if (work !== undefined) await rm(work, { recursive: true, force: true });
});

/** A TCP socket on loopback that counts who connects (and says nothing back). */
async function listenCounting(): Promise<{
  port: number;
  connections: () => number;
  close: () => Promise<void>;
}> {
  let n = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((s) => {
    n++;
    sockets.add(s);
    s.on('error', () => {});
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    connections: () => n,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * An HTTP CONNECT proxy on loopback that tunnels every request to `target`: with
 * NODE_USE_ENV_PROXY it lets the CLI reach the hostile service as `http://pinning.example`,
 * a name on no private address, as a runner reaches a real service. So privateDelegates
 * stays at its default for a public endpoint: off.
 */
async function startTunnel(target: number): Promise<{ url: string; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createHttpServer((_req, res) => res.writeHead(405).end());
  server.on('connect', (_req, client: Socket, head: Buffer) => {
    const up = netConnect(target, '127.0.0.1', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      up.write(head);
      up.pipe(client);
      client.pipe(up);
    });
    for (const s of [client, up]) {
      sockets.add(s);
      s.on('error', () => {});
      s.on('close', () => sockets.delete(s));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

describe('finding 4: delegates that name this machine, privateDelegates off (a public endpoint)', () => {
  it('dials neither /ip6/::ffff:127.0.0.1 nor /dns4/localhost: no connection arrives', async () => {
    const listener = await listenCounting();
    const delegates = [
      `/ip6/::ffff:127.0.0.1/tcp/${listener.port}/p2p/${PEER}`,
      `/dns4/localhost/tcp/${listener.port}/p2p/${PEER}`,
      `/ip6/::ffff:7f00:1/tcp/${listener.port}/p2p/${PEER}`,
    ];
    const hostile = await startHostilePsa({
      statusOnPoll: (poll) => (poll >= 4 ? 'failed' : 'queued'),
      details: () => 'waiting',
      delegates: () => delegates,
    });
    const tunnel = await startTunnel(hostile.server.port);
    try {
      const run = await ipfsPin(
        ['pin', join(work, 'site'), '--endpoint', 'http://pinning.example', '--timeout', '60s'],
        {
          env: { IPFS_PIN_TOKEN: 'trust-net-dial-token', NODE_USE_ENV_PROXY: '1', HTTP_PROXY: tunnel.url },
        },
      );
      // The pin ran its course against the service: the delegates were offered, many times.
      expect(hostile.polls(), run.stderr).toBeGreaterThanOrEqual(4);
      expect(run.stderr).toContain('PIN_FAILED');
      expect(listener.connections(), `${run.stdout}\n${run.stderr}`).toBe(0);
    } finally {
      await tunnel.close();
      await hostile.close();
      await listener.close();
    }
  }, 120_000);
});

describe('finding 7: the token echoed in escapes the old redaction missed', () => {
  const TOKEN = 'trust-net/token+9d8c7b6a5f';
  /** Percent-encoding, but not as encodeURIComponent makes it. */
  const lowerHex = encodeURIComponent(TOKEN).replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase());
  const dashes = encodeURIComponent(TOKEN).replace(/-/g, '%2D');
  const every = [...Buffer.from(TOKEN)].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');
  const forms = [TOKEN, lowerHex, dashes, every];

  it('reaches no log line, output, summary, comment or status description of the action', async () => {
    const api = await startGithubApi();
    const hostile = await startHostilePsa({
      statusOnPoll: (poll) => (poll >= 2 ? 'failed' : 'pinning'),
      details: () => `lower ${lowerHex} dashes ${dashes} every ${every}`,
      override: (token) => ({
        requestid: `req-${token}`,
        created: `2026-01-01T00:00:00Z ${dashes}`,
        delegates: [`/dns4/${lowerHex}.example/tcp/4001/p2p/${PEER}`],
        info: { status_details: `every ${every}`, [`k-${dashes}`]: `v ${lowerHex}` },
      }),
    });
    let run;
    try {
      run = await runAction(work, {
        inputs: {
          path: 'site',
          endpoint: hostile.url,
          token: TOKEN,
          'github-token': 'ghs_trust_net',
          timeout: '60s',
        },
        event: pullRequestEvent(),
        githubApi: api.url,
      });
    } finally {
      await hostile.close();
      await api.stop();
    }
    expect(hostile.polls()).toBeGreaterThanOrEqual(1);
    expect(run.code).toBe(1);
    const all = [
      run.lines.filter((l) => !l.startsWith('::add-mask::')).join('\n'),
      run.stderr,
      run.summary,
      JSON.stringify(run.outputs),
      ...api.comments.map((c) => c.body),
      ...api.statuses.map((s) => JSON.stringify(s)),
    ].join('\n');
    expect(api.comments.length + api.statuses.length).toBeGreaterThan(0);
    expect(run.outputs['pins']).toBeDefined();
    for (const form of forms) expect(all).not.toContain(form);
    expect(all.toLowerCase()).not.toContain(lowerHex.toLowerCase());
  }, 120_000);

  it('reaches no line the CLI prints', async () => {
    const hostile = await startHostilePsa({
      statusOnPoll: (poll) => (poll >= 2 ? 'failed' : 'pinning'),
      details: () => `lower ${lowerHex} dashes ${dashes} every ${every}`,
      override: (token) => ({ requestid: `req-${encodeURIComponent(token).toLowerCase()}` }),
    });
    try {
      const run = await ipfsPin(
        ['pin', join(work, 'site'), '--endpoint', hostile.url, '--timeout', '60s', '--json'],
        {
          env: { IPFS_PIN_TOKEN: TOKEN },
        },
      );
      expect(run.code).not.toBe(0);
      expect(run.stdout).toContain('requestid');
      for (const form of forms) {
        expect(run.stdout).not.toContain(form);
        expect(run.stderr).not.toContain(form);
      }
    } finally {
      await hostile.close();
    }
  }, 120_000);
});

/** Processes whose command line names this directory (a kubo daemon's --repo-dir, say). */
function processesUsing(dir: string): { pid: number; args: string }[] {
  const out = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' });
  return out
    .split('\n')
    .filter((l) => l.includes(dir) && !l.includes('ps -eo'))
    .map((l) => {
      const m = /^\s*(\d+)\s+(.*)$/.exec(l);
      return { pid: Number(m?.[1]), args: m?.[2] ?? '' };
    });
}

async function until(check: () => Promise<boolean> | boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The CLI pinning with --node kubo-binary, its temp dir `temp`; resolves once the pin was submitted. */
async function startKuboPin(temp: string, endpoint: string): Promise<ReturnType<typeof spawn>> {
  if (!existsSync(cliPath)) throw new Error(`${cliPath} is missing: run npm run bundle`);
  const child = spawn(
    process.execPath,
    [
      cliPath,
      'pin',
      join(work, 'site'),
      '--endpoint',
      endpoint,
      '--timeout',
      '5m',
      '--node',
      `kubo-binary=${peerBinary('ipfs')}`,
    ],
    { env: { PATH: process.env.PATH ?? '', HOME: temp, TMPDIR: temp }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no pin submitted in 60 s:\n${out}`)), 60_000);
    const onData = (c: Buffer): void => {
      out += c.toString();
      if (/hostile-1/.test(out)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`ipfs-pin exited ${code} before the pin was submitted:\n${out}`));
    });
  });
  return child;
}

describe('finding 8: a SIGKILL of the CLI running a kubo-binary node', () => {
  it('leaves no kubo daemon and no repo behind', async () => {
    const temp = await mkdtemp(join(tmpdir(), 'ipfs-pin-orphan-'));
    const hostile = await startHostilePsa({ statusOnPoll: () => 'queued', details: () => 'waiting in line' });
    try {
      const child = await startKuboPin(temp, hostile.url);
      const daemons = processesUsing(temp).filter((p) => / daemon /.test(`${p.args} `));
      expect(daemons.length, 'a kubo daemon runs on a repo under the temp dir').toBeGreaterThan(0);
      child.kill('SIGKILL');
      const gone = await until(() => processesUsing(temp).length === 0, 15_000);
      expect(gone, JSON.stringify(processesUsing(temp))).toBe(true);
      const cleared = await until(
        async () => (await readdir(temp)).filter((e) => e.startsWith('ipfs-pin-kubo-')).length === 0,
        5_000,
      );
      expect(cleared, (await readdir(temp)).join(' ')).toBe(true);
    } finally {
      for (const p of processesUsing(temp)) process.kill(p.pid, 'SIGKILL');
      await hostile.close();
      await rm(temp, { recursive: true, force: true });
    }
  }, 120_000);

  it('reaps a daemon whose watchdog was killed too, at the next start', async () => {
    const temp = await mkdtemp(join(tmpdir(), 'ipfs-pin-orphan-'));
    const hostile = await startHostilePsa({ statusOnPoll: () => 'queued', details: () => 'waiting in line' });
    try {
      const first = await startKuboPin(temp, hostile.url);
      const [repo] = (await readdir(temp)).filter((e) => e.startsWith('ipfs-pin-kubo-'));
      expect(repo).toBeDefined();
      // Everything of the run but the daemon: the CLI and whatever else names the repo.
      const daemon = processesUsing(temp).filter((p) =>
        p.args.startsWith(`${peerBinary('ipfs')} --repo-dir`),
      );
      expect(daemon).toHaveLength(1);
      for (const p of processesUsing(temp)) if (p.pid !== daemon[0]?.pid) process.kill(p.pid, 'SIGKILL');
      first.kill('SIGKILL');
      await new Promise((r) => setTimeout(r, 500));
      const second = await startKuboPin(temp, hostile.url);
      second.kill('SIGKILL');
      const reaped = await until(
        () => !processesUsing(join(temp, repo ?? '')).some((p) => p.pid === daemon[0]?.pid),
        10_000,
      );
      expect(reaped).toBe(true);
      expect(existsSync(join(temp, repo ?? ''))).toBe(false);
    } finally {
      await until(() => processesUsing(temp).length === 0, 15_000);
      for (const p of processesUsing(temp)) process.kill(p.pid, 'SIGKILL');
      await hostile.close();
      await rm(temp, { recursive: true, force: true });
    }
  }, 180_000);
});

describe('finding 9: a status that is a name on Object.prototype', () => {
  for (const status of ['constructor', 'toString']) {
    it(`does not reuse a listed pin of our CID whose status is "${status}": it submits a new one`, async () => {
      const hostile = await startHostilePsa({
        statusOnPoll: () => 'failed',
        details: () => 'no',
        list: (cid) => [
          {
            requestid: 'planted-1',
            status,
            created: new Date().toISOString(),
            pin: { cid },
            delegates: [],
          },
        ],
      });
      try {
        const site = await makeSite(2);
        const run = await ipfsPin(['pin', site, '--endpoint', hostile.url, '--timeout', '30s'], {
          env: { IPFS_PIN_TOKEN: 'trust-net-status-token' },
        });
        expect(
          hostile.server.requests.some((r) => r.method === 'GET' && r.path === '/pins'),
          run.stderr,
        ).toBe(true);
        expect(
          hostile.server.requests.some((r) => r.method === 'POST' && r.path === '/pins'),
          `${run.stdout}\n${run.stderr}`,
        ).toBe(true);
        expect(hostile.server.requests.some((r) => r.path === '/pins/planted-1')).toBe(false);
      } finally {
        await hostile.close();
      }
    }, 120_000);
  }
});
