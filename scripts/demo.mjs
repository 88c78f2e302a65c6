// `npm run demo`: the whole job on a fresh machine, no account needed. Starts the real local
// pinning service (tools/psa-server: a Pinning Service API on a Helia node that fetches over
// bitswap), pins examples/site with the bundled CLI (dist/cli) as a user would, checks that the service
// holds every block of the DAG, then stops the service. `predemo` installs the service.
/* global fetch */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import process from 'node:process';
import { clearTimeout, setTimeout } from 'node:timers';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'dist', 'cli', 'index.js');
const serverJs = join(root, 'tools', 'psa-server', 'server.js');
const site = 'examples/site';

const say = (text) => process.stderr.write(`\n\x1b[1mdemo: ${text}\x1b[0m\n`);

function startService(token) {
  if (!existsSync(join(root, 'tools', 'psa-server', 'node_modules'))) {
    throw new Error('tools/psa-server is not installed: run `npm run tools` (predemo does)');
  }
  const child = spawn(process.execPath, [serverJs, '--test-routes', '--exit-on-stdin-close'], {
    cwd: join(root, 'tools', 'psa-server'),
    env: { ...process.env, PSA_SERVER_TOKEN: token },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let logs = '';
  child.stderr.setEncoding('utf8').on('data', (chunk) => (logs = (logs + chunk).slice(-8000)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`the pinning service did not start in 60 s:\n${logs}`)),
      60_000,
    );
    child.on('exit', (code) => reject(new Error(`the pinning service exited with ${code}:\n${logs}`)));
    createInterface({ input: child.stdout }).once('line', (line) => {
      clearTimeout(timer);
      resolve({ ...JSON.parse(line), child, logs: () => logs });
    });
  });
}

function ipfsPin(args, env) {
  process.stderr.write(`\n$ ipfs-pin ${args.join(' ')}\n`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (chunk) => {
      stdout += chunk;
      process.stdout.write(chunk);
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout }));
  });
}

async function stop(service) {
  service.child.stdin.end();
  const exited = new Promise((resolve) => service.child.once('exit', resolve));
  const timer = setTimeout(() => service.child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

async function main() {
  if (!existsSync(cli)) throw new Error('dist/cli is missing: run `npm run bundle`');
  const token = randomBytes(18).toString('base64url');
  say('starting a local Pinning Service API server (tools/psa-server, a real Helia node)');
  const service = await startService(token);
  let failed = false;
  try {
    process.stderr.write(`endpoint ${service.endpoint}, its node ${service.multiaddrs.join(' ')}\n`);
    say(`pinning ${site}: import, submit, dial the service's delegates, serve until pinned`);
    const env = { IPFS_PIN_TOKEN: token };
    const pin = await ipfsPin(
      ['pin', site, '--endpoint', service.endpoint, '--meta', 'source=npm run demo'],
      env,
    );
    const cid = pin.stdout.trim().split('\n').pop() ?? '';
    if (pin.code !== 0) throw new Error(`ipfs-pin pin exited with ${pin.code}`);

    say('the same pin again: a re-run reuses the existing pin instead of pinning twice');
    const again = await ipfsPin(['pin', site, '--endpoint', service.endpoint], env);
    if (again.code !== 0) throw new Error(`ipfs-pin pin (re-run) exited with ${again.code}`);

    say('what the service holds');
    await ipfsPin(['ls', '--endpoint', service.endpoint], env);

    say('checking the service has every block of the DAG (read from its own blockstore)');
    const res = await fetch(`${service.endpoint}/_test/dag/${cid}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const dag = await res.json();
    process.stderr.write(`${JSON.stringify(dag)}\n`);
    if (dag.complete !== true || dag.pinned !== true)
      throw new Error('the service does not hold the whole DAG');
    say(`done: ${cid} is pinned and complete on the service`);
    process.stdout.write(`${cid}\n`);
  } catch (err) {
    failed = true;
    process.stderr.write(
      `demo failed: ${err instanceof Error ? err.message : String(err)}\n${service.logs()}\n`,
    );
  } finally {
    say('stopping the local pinning service');
    await stop(service);
  }
  process.exitCode = failed ? 1 : 0;
}

await main();
