// `ipfs-pin cid` run as a user runs it: the built CLI in a child process.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const cli = path.join(repoRoot, 'dist/cli/index.js');

function run(args: string[], cwd: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

let dir: string;
beforeAll(async () => {
  // The CLI as shipped: the committed bundle (check-dist keeps it in step with src/).
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run npm run bundle`);
  dir = await mkdtemp(path.join(tmpdir(), 'ipfs-pin-cli-'));
  await mkdir(path.join(dir, 'site/.well-known'), { recursive: true });
  await writeFile(path.join(dir, 'site/mars.txt'), 'Hello Mars!\n');
  await writeFile(path.join(dir, 'site/venus.txt'), 'Hello Venus!\n');
  await writeFile(path.join(dir, 'site/.well-known/security.txt'), 'Contact: mailto:x@example.org\n');
}, 300_000);
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('ipfs-pin cid', () => {
  it('prints the kubo CID of a directory, per profile, and warns about skipped dot-files', () => {
    // Same files as the kubo t0040 "planets" vectors.
    const v0 = run(['cid', 'site', '--profile', 'unixfs-v0-2015'], dir);
    expect(v0.status).toBe(0);
    expect(v0.stdout).toBe('QmWSgS32xQEcXMeqd3YPJLrNBLSdsfYCep2U7CFkyrjXwY\n');
    expect(v0.stderr).toMatch(/skipped 1 dot-file \(\.well-known\): pass --hidden/);
    expect(v0.stderr).toMatch(/\.well-known\/ is not included/);
    const v1 = run(['cid', '--profile=kubo-cidv1', 'site'], dir);
    expect(v1.stdout).toBe('bafybeih7e5dmkyk25up5vxug4q3hrg2fxbzf23dfrac2fns5h7z4aa7ioi\n');
  });

  it('includes dot-files with --hidden, and skips --ignore patterns', () => {
    const hidden = run(['cid', 'site', '--hidden', '--profile', 'unixfs-v0-2015'], dir);
    expect(hidden.status).toBe(0);
    expect(hidden.stderr).toBe('');
    expect(hidden.stdout).not.toBe('QmWSgS32xQEcXMeqd3YPJLrNBLSdsfYCep2U7CFkyrjXwY\n');
    const ignored = run(
      ['cid', 'site', '--hidden', '--ignore', '.well-known/', '--profile', 'unixfs-v0-2015'],
      dir,
    );
    expect(ignored.stdout).toBe('QmWSgS32xQEcXMeqd3YPJLrNBLSdsfYCep2U7CFkyrjXwY\n');
  });

  it('--json reports the CID, counts and skipped entries', () => {
    const r = run(['cid', 'site', '--json'], dir);
    expect(r.status).toBe(0);
    const report = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(report).toMatchObject({
      profile: 'unixfs-v1-2025',
      files: 2,
      directories: 1,
      symlinks: 0,
      bytes: 25,
      skipped: [{ path: '.well-known', reason: 'hidden' }],
    });
    expect(report.cid).toMatch(/^bafy/);
  });

  it('a missing path: what happened and what to do, exit 1, no stack', () => {
    const r = run(['cid', 'no/such/dir'], dir);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('ipfs-pin cid: IMPORT_NOT_FOUND: No such file or directory: no/such/dir');
    expect(r.stderr).toContain('what to do: The path to import does not exist');
    expect(r.stderr).not.toMatch(/\n\s+at /);
    const debug = run(['cid', 'no/such/dir', '--debug'], dir);
    expect(debug.status).toBe(1);
    expect(debug.stderr).toMatch(/\n\s+at /);
  });

  it('wrong usage exits 2 and points to --help', () => {
    const r = run(['cid', 'site', '--profile', 'v9'], dir);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("unknown --profile 'v9'");
    expect(r.stderr).toContain('ipfs-pin cid --help');
    expect(run(['frobnicate'], dir).status).toBe(2);
    expect(run([], dir).status).toBe(2);
  });

  it('--help and --version', () => {
    const help = run(['--help'], dir);
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/cid\s+print the CID/);
    const cidHelp = run(['cid', '--help'], dir);
    expect(cidHelp.stdout).toContain('usage: ipfs-pin cid <path>');
    const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string };
    expect(run(['--version'], dir).stdout).toBe(`${pkg.version}\n`);
  });
});
