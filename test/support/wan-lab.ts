// The WAN lab: a hosted runner behind NAT, 10-100 ms from its pinning service, built from
// real parts on this machine and torn down by whoever started it.
//
//   runner netns (ipfspin-<id>)                       host
//   ┌───────────────────────────┐  veth   ┌────────────────────────────────────────────┐
//   │ ipfs-pin (CLI, node)      │─────────│ toxiproxy on the host end of the veth:     │
//   │ inbound TCP SYNs dropped  │ 10.213.x│   psa    -> IPFS Cluster pinning API       │
//   │ service.lab -> host end   │         │   swarm  -> the cluster kubo's swarm port  │
//   └───────────────────────────┘         │   rest   -> the cluster REST API (CAR add) │
//                                         │ latency each way, bandwidth, faults        │
//                                         └────────────────────────────────────────────┘
//
// The cluster's kubo announces /dns4/service.lab/tcp/<swarm proxy port>: that is the delegate
// the runner dials, through the link (Cluster drops private IPs from `delegates`, DNS names
// pass). Needs root (ip netns, iptables). Everything it makes is removed by stop().
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { startCluster } from './cluster.js';
import type { Cluster } from './cluster.js';
import { peerBinary } from './peers.js';
import { killOnExit, run, terminate } from './run-program.js';

export const SERVICE_HOST = 'service.lab';

export interface LinkShape {
  /** Round trip added by the link, ms (half each way). */
  rttMs: number;
  /** Bandwidth cap each way, kbit/s (undefined: none). */
  kbitPerSec?: number;
}

export interface WanLab {
  /** The namespace the runner side runs in. */
  ns: string;
  /** The host end of the veth, where the proxies listen. */
  hostIp: string;
  cluster: Cluster;
  /** The pinning API as the runner sees it: http://service.lab:<port>. */
  psaEndpoint: string;
  /** The cluster REST API as the runner sees it (for ipfs-cluster-ctl --host). */
  restApiMultiaddr: string;
  /** The same REST API as a URL (for ipfs-pin --upload cluster:URL). */
  restApiUrl: string;
  /** The service's kubo as the runner dials it: /dns4/service.lab/tcp/<swarm proxy>/p2p/<id>. */
  serviceSwarmAddr: string;
  /** Sets latency (and bandwidth) on every proxy, both ways. */
  shape(link: LinkShape): Promise<void>;
  /** Resets every connection through a proxy once (TCP RST), then lets new ones through. */
  resetConnections(proxy: 'swarm' | 'psa' | 'rest'): Promise<void>;
  /** Takes proxies down (connections dropped, new ones refused) or brings them back. */
  setEnabled(enabled: boolean, proxies?: ('swarm' | 'psa' | 'rest')[]): Promise<void>;
  /** Runs a program inside the runner's namespace. */
  spawnInside(file: string, args: string[], env: Record<string, string>): ChildProcess;
  /** Whether a TCP connection from the host into the namespace is refused/dropped (NAT-like). */
  inboundBlocked(): Promise<boolean>;
  stop(): Promise<void>;
}

const PROXIES = ['psa', 'swarm', 'rest'] as const;
type ProxyName = (typeof PROXIES)[number];

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function sh(cmd: string, args: string[]): Promise<string> {
  return (await run(cmd, args, { timeoutMs: 30_000 })).stdout;
}

/** Why the lab cannot start here, or undefined when it can. */
export function labUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'the WAN lab needs root (ip netns, veth, iptables)';
  return undefined;
}

export interface WanLabOptions {
  /** The cluster's pin slots (see ClusterOptions.concurrentPins); 1 lets a test hold the queue. */
  concurrentPins?: number;
}

export async function startWanLab(options: WanLabOptions = {}): Promise<WanLab> {
  const why = labUnavailable();
  if (why !== undefined) throw new Error(why);
  const id = Math.floor(Math.random() * 200) + 20;
  const ns = `ipfspin-${process.pid}-${id}`;
  const hostIf = `vh${id}p${process.pid % 10000}`;
  const nsIf = `vn${id}p${process.pid % 10000}`;
  const hostIp = `10.213.${id}.1`;
  const nsIp = `10.213.${id}.2`;
  const cleanups: (() => Promise<unknown>)[] = [];
  const undo = async (): Promise<void> => {
    for (const c of cleanups.reverse()) await c().catch(() => {});
  };
  let toxi: ChildProcess | undefined;
  let cluster: Cluster | undefined;
  try {
    await sh('ip', ['netns', 'add', ns]);
    cleanups.push(() => sh('ip', ['netns', 'del', ns]));
    await sh('ip', ['link', 'add', hostIf, 'type', 'veth', 'peer', 'name', nsIf]);
    cleanups.push(() => sh('ip', ['link', 'del', hostIf]));
    await sh('ip', ['link', 'set', nsIf, 'netns', ns]);
    await sh('ip', ['addr', 'add', `${hostIp}/30`, 'dev', hostIf]);
    await sh('ip', ['link', 'set', hostIf, 'up']);
    await sh('ip', ['netns', 'exec', ns, 'ip', 'addr', 'add', `${nsIp}/30`, 'dev', nsIf]);
    await sh('ip', ['netns', 'exec', ns, 'ip', 'link', 'set', nsIf, 'up']);
    await sh('ip', ['netns', 'exec', ns, 'ip', 'link', 'set', 'lo', 'up']);
    // A hosted runner takes no inbound connections: drop every SYN that comes in over the
    // link (the namespace's own loopback stays open: a kubo in there serves its RPC on it).
    await sh('ip', [
      'netns',
      'exec',
      ns,
      'iptables',
      '-A',
      'INPUT',
      '-i',
      nsIf,
      '-p',
      'tcp',
      '--syn',
      '-j',
      'DROP',
    ]);
    // The namespace resolves service.lab to the host end of the link (ip netns exec
    // bind-mounts /etc/netns/<ns>/hosts over /etc/hosts).
    await mkdir(`/etc/netns/${ns}`, { recursive: true });
    cleanups.push(() => rm(`/etc/netns/${ns}`, { recursive: true, force: true }));
    await writeFile(`/etc/netns/${ns}/hosts`, `127.0.0.1 localhost\n${hostIp} ${SERVICE_HOST}\n`);

    // toxiproxy on the host, its control API on loopback.
    const apiPort = await freePort();
    toxi = spawn(peerBinary('toxiproxy-server'), ['-host', '127.0.0.1', '-port', String(apiPort)], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    killOnExit(toxi);
    const toxiApi = `http://127.0.0.1:${apiPort}`;
    cleanups.push(async () => toxi !== undefined && terminate(toxi, 2_000));
    await waitFor(
      async () => (await fetch(`${toxiApi}/version`).catch(() => undefined))?.ok === true,
      10_000,
    );
    const api = async (method: string, path: string, body?: unknown): Promise<unknown> => {
      const res = await fetch(`${toxiApi}${path}`, {
        method,
        ...(body === undefined
          ? {}
          : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
      });
      const text = await res.text();
      if (!res.ok) throw new Error(`toxiproxy ${method} ${path}: HTTP ${res.status} ${text}`);
      return text === '' ? undefined : (JSON.parse(text) as unknown);
    };
    const listenPorts = new Map<ProxyName, number>();
    const createProxy = async (name: ProxyName, upstream: string): Promise<number> => {
      const port = await freePort();
      await api('POST', '/proxies', { name, listen: `${hostIp}:${port}`, upstream, enabled: true });
      listenPorts.set(name, port);
      return port;
    };

    // The swarm proxy first: the kubo must announce its port before it starts.
    const kuboSwarm = await freePort();
    const swarmPort = await createProxy('swarm', `127.0.0.1:${kuboSwarm}`);
    cluster = await startCluster({
      kubo: {
        announceLocalhostDns: false,
        gateway: true,
        config: {
          'Addresses.Swarm': [`/ip4/127.0.0.1/tcp/${kuboSwarm}`],
          'Addresses.AppendAnnounce': [`/dns4/${SERVICE_HOST}/tcp/${swarmPort}`],
        },
      },
      pinTimeout: '10m0s',
      ...(options.concurrentPins === undefined ? {} : { concurrentPins: options.concurrentPins }),
    });
    const c = cluster;
    cleanups.push(() => c.stop());
    const psaPort = await createProxy('psa', new URL(cluster.psaEndpoint).host);
    const restPort = await createProxy('rest', new URL(cluster.restApiUrl).host);

    const allToxics = async (): Promise<void> => {
      for (const name of PROXIES) {
        const toxics = (await api('GET', `/proxies/${name}/toxics`)) as { name: string }[];
        for (const t of toxics) await api('DELETE', `/proxies/${name}/toxics/${t.name}`);
      }
    };

    return {
      ns,
      hostIp,
      cluster,
      psaEndpoint: `http://${SERVICE_HOST}:${psaPort}`,
      restApiMultiaddr: `/dns4/${SERVICE_HOST}/tcp/${restPort}`,
      restApiUrl: `http://${SERVICE_HOST}:${restPort}`,
      serviceSwarmAddr: `/dns4/${SERVICE_HOST}/tcp/${swarmPort}/p2p/${cluster.kubo.peerId}`,
      async shape(link) {
        await allToxics();
        for (const name of PROXIES) {
          for (const stream of ['upstream', 'downstream'] as const) {
            if (link.rttMs > 0) {
              await api('POST', `/proxies/${name}/toxics`, {
                name: `latency-${stream}`,
                type: 'latency',
                stream,
                attributes: { latency: Math.round(link.rttMs / 2), jitter: 0 },
              });
            }
            if (link.kbitPerSec !== undefined) {
              await api('POST', `/proxies/${name}/toxics`, {
                name: `bandwidth-${stream}`,
                type: 'bandwidth',
                stream,
                // toxiproxy's rate is KB/s.
                attributes: { rate: Math.round(link.kbitPerSec / 8) },
              });
            }
          }
        }
      },
      async resetConnections(proxy) {
        await api('POST', `/proxies/${proxy}/toxics`, {
          name: 'reset',
          type: 'reset_peer',
          stream: 'downstream',
          attributes: { timeout: 0 },
        });
        await new Promise((r) => setTimeout(r, 300));
        await api('DELETE', `/proxies/${proxy}/toxics/reset`);
      },
      async setEnabled(enabled, proxies = [...PROXIES]) {
        for (const name of proxies) {
          await api('POST', `/proxies/${name}`, {
            enabled,
            listen: `${hostIp}:${listenPorts.get(name) ?? 0}`,
          });
        }
      },
      spawnInside(file, args, env) {
        const child = spawn('ip', ['netns', 'exec', ns, file, ...args], {
          env,
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        killOnExit(child);
        return child;
      },
      async inboundBlocked() {
        // A listener inside the namespace, a connection attempt from the host: it must time out.
        const probe = spawn(
          'ip',
          [
            'netns',
            'exec',
            ns,
            process.execPath,
            '-e',
            `require('net').createServer(()=>{}).listen(7777,'${nsIp}',()=>console.log('up'))`,
          ],
          {
            stdio: ['ignore', 'pipe', 'ignore'],
          },
        );
        killOnExit(probe);
        try {
          await new Promise<void>((resolve) => probe.stdout.once('data', () => resolve()));
          const { connect } = await import('node:net');
          return await new Promise<boolean>((resolve) => {
            const socket = connect({ host: nsIp, port: 7777, timeout: 1_500 });
            socket.once('connect', () => {
              socket.destroy();
              resolve(false);
            });
            socket.once('timeout', () => {
              socket.destroy();
              resolve(true);
            });
            socket.once('error', () => resolve(true));
          });
        } finally {
          probe.kill('SIGKILL');
        }
      },
      stop: undo,
    };
  } catch (err) {
    await undo();
    throw err;
  }
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the lab to come up');
    await new Promise((r) => setTimeout(r, 100));
  }
}
