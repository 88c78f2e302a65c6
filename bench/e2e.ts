// `npm run bench:e2e [-- --runs N --service psa-server|cluster|both]`: seconds from start to
// `pinned` for a 100 MiB / 2,000-file tree on loopback against real pinning services
// (tools/psa-server, a Helia node that walks the DAG one block at a time, and IPFS Cluster,
// whose kubo fetches with go-bitswap), and the requests each pin sent, beside the same job
// done by kubo (`ipfs add -r`, then `ipfs pin remote add`) when kubo is built in .peers/bin.
// Every service is started fresh for each row. Prints a table, writes
// bench/results/e2e.json. Ours is the built CLI run as a user would (process start included);
// kubo's daemon is started before its clock starts (its start-up is not counted).
import { spawn } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

// Before any source is loaded: see ts-resolve.ts.
await import(new URL('./ts-resolve.ts', import.meta.url).href);

const MiB = 1024 * 1024;
const root = fileURLToPath(new URL('..', import.meta.url));
const cli = join(root, 'dist', 'cli', 'index.js');

interface Row {
  service: string;
  tool: string;
  profile: string;
  cid: string;
  seconds: number;
  requests: number;
  byMethod: Record<string, number>;
  complete: boolean;
  /** The service's own time to fetch the DAG (first block asked for to last held), s: tools/psa-server only. */
  fetchSeconds?: number;
  blocks?: number;
}

/** What tools/psa-server logs once a pin's DAG is fetched. */
function fetchTime(logs: string): { fetchSeconds?: number; blocks?: number } {
  const m = /^psa-server: pin \S+ fetched: (\d+) blocks in (\d+) ms$/m.exec(logs);
  return m === null ? {} : { blocks: Number(m[1]), fetchSeconds: Number(m[2]) / 1000 };
}

function countRequests(logs: string): { total: number; byMethod: Record<string, number> } {
  const byMethod: Record<string, number> = {};
  let total = 0;
  for (const m of logs.matchAll(/^psa-server: (GET|POST|DELETE) \/pins\S* \d{3}$/gm)) {
    const method = m[1] ?? '?';
    byMethod[method] = (byMethod[method] ?? 0) + 1;
    total += 1;
  }
  return { total, byMethod };
}

function runCli(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** A pinning service under test: started fresh for each row. */
interface BenchService {
  endpoint: string;
  token: string;
  /** Requests the service logged (tools/psa-server), or undefined when it does not log them. */
  requests(): { total: number; byMethod: Record<string, number> } | undefined;
  fetch(): { fetchSeconds?: number; blocks?: number };
  /** Whether the service holds the whole DAG (psa-server: every block; cluster: ctl status pinned). */
  complete(cid: string): Promise<boolean>;
  stop(): Promise<void>;
}

type ServiceKind = 'psa-server' | 'cluster';

async function startService(kind: ServiceKind): Promise<BenchService> {
  if (kind === 'psa-server') {
    const { startPsaServer } = await import('../test/support/psa-server.js');
    const service = await startPsaServer({ token: `bench-${Date.now()}` });
    return {
      endpoint: service.endpoint,
      token: service.token,
      requests: () => countRequests(service.logs()),
      fetch: () => fetchTime(service.logs()),
      complete: async (cid) => (await service.hasDag(cid)).complete,
      stop: () => service.stop(),
    };
  }
  const { startCluster } = await import('../test/support/cluster.js');
  const cluster = await startCluster({ pinTimeout: '10m0s', startTimeoutMs: 120_000 });
  return {
    endpoint: cluster.psaEndpoint,
    token: cluster.token,
    requests: () => undefined,
    fetch: () => ({}),
    complete: async (cid) => {
      const { stdout } = await cluster.ctl(['--enc=json', 'status', cid]);
      const status = JSON.parse(stdout) as { peer_map: Record<string, { status: string }> };
      const peers = Object.values(status.peer_map);
      return peers.length > 0 && peers.every((p) => p.status === 'pinned');
    },
    stop: () => cluster.stop(),
  };
}

const SERVICE_LABELS: Record<ServiceKind, string> = {
  'psa-server': 'tools/psa-server (Helia 5)',
  cluster: 'IPFS Cluster 1.1.5 (kubo 0.42)',
};

/** One row: what the service says of the pin that took `seconds`. */
async function measured(
  service: BenchService,
  kind: ServiceKind,
  tool: string,
  profile: string,
  cid: string,
  seconds: number,
): Promise<Row> {
  const counted = service.requests();
  process.stderr.write(
    `bench:e2e: ${kind}: ${tool} (${profile}) ${seconds.toFixed(2)} s, ${counted?.total ?? '?'} requests\n`,
  );
  return {
    service: SERVICE_LABELS[kind],
    tool,
    profile,
    cid,
    seconds,
    requests: counted?.total ?? NaN,
    byMethod: counted?.byMethod ?? {},
    complete: await service.complete(cid),
    ...service.fetch(),
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      files: { type: 'string', default: '2000' },
      mib: { type: 'string', default: '100' },
      runs: { type: 'string', default: '1' },
      service: { type: 'string', default: 'both' },
    },
  });
  const kinds: ServiceKind[] =
    values.service === 'both'
      ? ['psa-server', 'cluster']
      : values.service === 'psa-server' || values.service === 'cluster'
        ? [values.service]
        : (() => {
            throw new Error('--service is psa-server, cluster or both');
          })();
  const files = Number(values.files);
  const bytes = Number(values.mib) * MiB;
  const runs = Number(values.runs);
  const { makeTree } = await import('../test/support/make-tree.js');
  const { peerBinary } = await import('../test/support/peers.js');
  const { startKubo } = await import('../test/support/kubo.js');

  process.stderr.write(`bench:e2e: making a ${files}-file, ${values.mib} MiB tree\n`);
  const tree = await makeTree({ files, bytes });
  const rows: Row[] = [];
  try {
    for (let run = 0; run < runs; run++)
      for (const kind of kinds) {
        let ipfsBinary: string | undefined;
        try {
          ipfsBinary = peerBinary('ipfs');
        } catch {
          process.stderr.write('bench:e2e: kubo is not in .peers/bin (npm run peers): no kubo rows\n');
        }
        const variants: { label: string; profile: string; args: string[] }[] = [
          { label: 'ipfs-pin pin', profile: 'unixfs-v1-2025', args: [] },
          { label: 'ipfs-pin pin', profile: 'kubo-cidv1', args: [] },
          ...(ipfsBinary === undefined
            ? []
            : [
                {
                  label: 'ipfs-pin pin --node kubo-binary',
                  profile: 'kubo-cidv1',
                  args: ['--node', `kubo-binary=${ipfsBinary}`],
                },
              ]),
        ];
        for (const { label, profile, args } of variants) {
          const service = await startService(kind);
          try {
            const t0 = performance.now();
            const pinArgs = [
              'pin',
              tree.dir,
              '--endpoint',
              service.endpoint,
              '--profile',
              profile,
              '--timeout',
              '10m',
              '--json',
            ];
            const r = await runCli([...pinArgs, ...args], { IPFS_PIN_TOKEN: service.token });
            const seconds = (performance.now() - t0) / 1000;
            if (r.code !== 0) throw new Error(`ipfs-pin exited with ${r.code}:\n${r.stderr}`);
            const cid = (JSON.parse(r.stdout) as { cid: string }).cid;
            rows.push(await measured(service, kind, label, profile, cid, seconds));
          } finally {
            await service.stop();
          }
        }

        if (ipfsBinary !== undefined) {
          const service = await startService(kind);
          const kubo = await startKubo();
          try {
            const long = { timeoutMs: 15 * 60_000 };
            const t0 = performance.now();
            const add = await kubo.ipfs(['add', '-r', '-Q', '--cid-version=1', tree.dir], long);
            const cid = add.stdout.trim();
            await kubo.ipfs(
              ['pin', 'remote', 'service', 'add', 'bench', service.endpoint, service.token],
              long,
            );
            await kubo.ipfs(['pin', 'remote', 'add', '--service=bench', '--name=bench', cid], long);
            const seconds = (performance.now() - t0) / 1000;
            rows.push(
              await measured(
                service,
                kind,
                'kubo add + pin remote add',
                'kubo --cid-version=1',
                cid,
                seconds,
              ),
            );
          } finally {
            await kubo.stop();
            await service.stop();
          }
        }
      }
  } finally {
    await rm(tree.dir, { recursive: true, force: true });
  }

  const header = `| service | tool | profile | seconds to pinned | service's fetch (blocks) | requests per pin | DAG complete on the service |\n|---|---|---|---:|---:|---:|---|`;
  const lines = rows.map(
    (r) =>
      `| ${r.service} | ${r.tool} | ${r.profile} | ${r.seconds.toFixed(2)} | ${r.fetchSeconds === undefined ? '-' : `${r.fetchSeconds.toFixed(2)} s (${r.blocks})`} | ${
        Number.isNaN(r.requests)
          ? '-'
          : `${r.requests} (${Object.entries(r.byMethod)
              .map(([m, n]) => `${n} ${m}`)
              .join(', ')})`
      } | ${r.complete ? 'yes' : 'NO'} |`,
  );
  const table = [header, ...lines].join('\n');
  process.stdout.write(`\n${files} files, ${values.mib} MiB, loopback, ${cpus().length} cores\n\n${table}\n`);
  await mkdir(join(root, 'bench', 'results'), { recursive: true });
  await writeFile(
    join(root, 'bench', 'results', 'e2e.json'),
    `${JSON.stringify(
      {
        when: new Date().toISOString(),
        machine: { cores: cpus().length, memMiB: Math.round(totalmem() / MiB), node: process.version },
        tree: { files: tree.files, bytes: tree.bytes },
        rows,
      },
      null,
      2,
    )}\n`,
  );
}

await main();
