/**
 * Issue #19, findings 3, 5 and 6, as a runner runs the committed bundle and a user the CLI:
 * `verify` through hostile gateways of our own on loopback (a section declaring 4 GiB and
 * then streaming, endless tiny valid blocks, dag-pb blocks of 20,000 bogus links, a
 * redirect to another origin, a header naming another root) ends in VERIFY_FAILED naming
 * the reason, with the action's peak RSS under 400 MiB and its outputs and summary written;
 * the `car` file is never written through a symlink, never left at its path half-written by
 * a SIGKILL, and refused inside the imported path.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { lstat, mkdir, mkdtemp, readFile, readdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CarBufferReader } from '@ipld/car/buffer-reader';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importDirectory } from '../../src/lib/index.js';
import { startHostileGateway } from '../support/hostile-gateway.js';
import type { HostileGateway, HostileMode } from '../support/hostile-gateway.js';
import { makeTree } from '../support/make-tree.js';
import { startMockPsa } from '../support/mock-psa.js';
import type { MockPsa } from '../support/mock-psa.js';
import { runAction } from '../support/run-action.js';
import type { ActionRun } from '../support/run-action.js';
import { cliPath, ipfsPin } from './pin-helpers.js';

const TOKEN = 'trust-verify-car-token';
const RSS_LIMIT_MIB = 400;

let work: string;
let mock: MockPsa;
let cid: string;
let car: Uint8Array;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'ipfs-pin-trust-'));
  await mkdir(join(work, 'site'));
  await writeFile(join(work, 'site', 'index.html'), '<h1>trust nothing</h1>\n');
  await writeFile(join(work, 'site', 'app.js'), 'console.log(1)\n'.repeat(5000));
  // The CAR an honest gateway would serve (the action's default profile).
  const result = await importDirectory(join(work, 'site'), { car: join(work, 'site.car') });
  cid = result.cid.toString();
  car = await readFile(join(work, 'site.car'));
  mock = await startMockPsa({ token: TOKEN });
});
afterAll(async () => {
  await mock?.close();
  if (work !== undefined) await rm(work, { recursive: true, force: true });
});

/** The action pins on the mock (pinned at once: the name says so), then verifies through `gateway`. */
async function verifyThrough(gateway: HostileGateway): Promise<ActionRun> {
  const run = await runAction(work, {
    inputs: {
      path: 'site',
      endpoint: mock.url,
      token: TOKEN,
      name: 'pinned-trust',
      verify: 'true',
      'verify-timeout': '8s',
      gateway: `${gateway.url}/ipfs/{cid}/`,
    },
  });
  // For the report: what the flood cost the runner.
  console.log(`peak RSS ${run.peakRssMiB} MiB, ${Math.round(gateway.bytesSent / 1048576)} MiB sent`);
  return run;
}

function expectVerifyFailed(run: ActionRun, reason: RegExp): void {
  expect(run.code, run.stdout.slice(-3000)).toBe(1);
  expect(run.killedBy).toBeNull();
  expect(run.outputs['cid']).toBe(cid);
  expect(run.outputs['verified']).toBe('false');
  expect(run.summary).toContain('**Verified:** no');
  const error = run.lines.find((l) => l.startsWith('::error::VERIFY_FAILED: '));
  expect(error, run.stdout.slice(-3000)).toMatch(reason);
}

describe('verify through a hostile gateway', () => {
  const floods: [string, HostileMode, RegExp][] = [
    [
      'a section declaring 4 GiB, then streaming',
      { kind: 'huge-section' },
      /the gateway's CAR declared a 4\.0 GiB section; at most 2\.0 MiB \+ CID is allowed/,
    ],
    [
      'endless tiny valid blocks',
      { kind: 'tiny-blocks' },
      /the gateway sent the block \S+, which no block of the DAG before it links to/,
    ],
    [
      'endless dag-pb blocks of 20,000 bogus links',
      { kind: 'bogus-links' },
      // One such block (760 KB) is already more than this whole DAG's CAR.
      /the gateway's CAR is larger than [\d.]+ KiB, more than the DAG can take/,
    ],
  ];
  for (const [what, mode, reason] of floods) {
    it(`${what}: VERIFY_FAILED naming it, peak RSS under ${RSS_LIMIT_MIB} MiB, outputs written`, async () => {
      await using gateway = await startHostileGateway(mode);
      const run = await verifyThrough(gateway);
      expectVerifyFailed(run, reason);
      expect(run.peakRssMiB).toBeGreaterThan(0);
      expect(run.peakRssMiB).toBeLessThan(RSS_LIMIT_MIB);
    }, 120_000);
  }

  it('a redirect to another origin is not followed (the other origin gets no request)', async () => {
    await using elsewhere = await startHostileGateway({ kind: 'honest', car });
    await using gateway = await startHostileGateway({
      kind: 'redirect',
      location: `${elsewhere.url}/ipfs/${cid}/?format=car`,
    });
    const run = await verifyThrough(gateway);
    expectVerifyFailed(run, new RegExp(`redirects to another origin \\(${elsewhere.url}\\)`));
    expect(gateway.requests).toBeGreaterThan(0);
    expect(elsewhere.requests).toBe(0);
  }, 120_000);

  it('a CAR naming another root fails, even with every right block in it', async () => {
    const { CID } = await import('multiformats/cid');
    const other = CID.parse('bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy');
    await using gateway = await startHostileGateway({ kind: 'wrong-root', car, root: other });
    const run = await verifyThrough(gateway);
    expectVerifyFailed(run, new RegExp(`CAR names the root ${other.toString()}, not ${cid}`));
  }, 120_000);

  it('the same CAR with its real root passes (the check is not just refusing)', async () => {
    await using gateway = await startHostileGateway({ kind: 'honest', car });
    const run = await verifyThrough(gateway);
    expect(run.code, run.stdout.slice(-3000)).toBe(0);
    expect(run.outputs['verified']).toBe('true');
  }, 120_000);
});

describe('the car file', () => {
  it('a symlink at the CAR path is replaced, its target untouched', async () => {
    const out = await mkdtemp(join(work, 'car-link-'));
    const target = join(out, 'precious.txt');
    await writeFile(target, 'precious');
    await symlink(target, join(out, 'site.car'));
    const run = await ipfsPin(['cid', join(work, 'site'), '--car', join(out, 'site.car')]);
    expect(run.code, run.stderr).toBe(0);
    expect(await readFile(target, 'utf8')).toBe('precious');
    expect((await lstat(join(out, 'site.car'))).isSymbolicLink()).toBe(false);
    const written = CarBufferReader.fromBytes(await readFile(join(out, 'site.car')));
    expect(written.getRoots().map(String)).toEqual([cid]);
    expect(written.has(written.getRoots()[0]!)).toBe(true);
  }, 60_000);

  it('a SIGKILL while the CAR is written leaves nothing at its path, and an earlier CAR as it was', async () => {
    const tree = await makeTree({ files: 40, bytes: 400 * 1024 * 1024, seed: 19 });
    try {
      const out = await mkdtemp(join(work, 'car-kill-'));
      const final = join(out, 'site.car');
      await writeFile(final, 'the CAR of the last release');
      const child = spawn(process.execPath, [cliPath, 'cid', tree.dir, '--car', final], { stdio: 'ignore' });
      const closed = new Promise<NodeJS.Signals | null>((resolve) =>
        child.on('close', (_c, s) => resolve(s)),
      );
      // Killed once a CAR of some MiB is being written (wherever it is written).
      let seen = 0;
      for (let i = 0; i < 6000 && seen < 8 * 1024 * 1024; i++) {
        for (const name of await readdir(out)) {
          const s = await stat(join(out, name)).catch(() => undefined);
          if (s !== undefined && s.size > seen) seen = s.size;
        }
        if (seen < 8 * 1024 * 1024) await new Promise((r) => setTimeout(r, 5));
      }
      child.kill('SIGKILL');
      expect(await closed).toBe('SIGKILL');
      expect(seen).toBeGreaterThanOrEqual(8 * 1024 * 1024);
      expect(await readFile(final, 'utf8')).toBe('the CAR of the last release');
    } finally {
      await rm(tree.dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('a CAR inside the imported path is refused with INVALID_INPUT, also through a symlinked directory', async () => {
    await symlink(join(work, 'site'), join(work, 'site-link'));
    for (const carPath of [join(work, 'site', 'site.car'), join(work, 'site-link', 'site.car')]) {
      const run = await ipfsPin(['cid', join(work, 'site'), '--car', carPath]);
      expect(run.code).not.toBe(0);
      expect(run.stderr).toMatch(/INVALID_INPUT.*inside the imported path/s);
      expect(existsSync(carPath)).toBe(false);
    }
    // The action says the same, before pinning anything.
    const run = await runAction(work, {
      inputs: { path: 'site', endpoint: mock.url, token: TOKEN, name: 'pinned-car', car: 'site/site.car' },
    });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/::error::INVALID_INPUT: car: .* is inside the imported path/);
    expect(existsSync(join(work, 'site', 'site.car'))).toBe(false);
  }, 60_000);
});
