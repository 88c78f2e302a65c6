// The npm package as a stranger gets it: `npm pack` from a clean copy of the tree (only the
// files git tracks, nothing built), installed from the tarball into an empty project.
import { execFileSync } from 'node:child_process';
import { cp, mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../support/run-program.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
// npm scripts put Node 24 (the `node` package) first on PATH; npm itself is the machine's.
const env = {
  ...process.env,
  PATH: `${path.dirname(process.execPath)}:${process.env['PATH'] ?? ''}`,
  npm_config_yes: 'true',
};

let work: string;
let tarball: string;
let project: string;

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'ipfs-pin-pack-'));
  const clean = path.join(work, 'clean');
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: repoRoot,
    encoding: 'utf8',
  })
    .split('\0')
    .filter((f) => f !== '');
  for (const f of files) {
    await mkdir(path.dirname(path.join(clean, f)), { recursive: true });
    await cp(path.join(repoRoot, f), path.join(clean, f)).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err; // deleted in the work tree, not yet in the index
    });
  }
  // prepack compiles with the dev tools: the repo's installed ones, not a second install.
  await symlink(path.join(repoRoot, 'node_modules'), path.join(clean, 'node_modules'));
  const packed = await run('npm', ['pack', '--json', '--pack-destination', work], {
    cwd: clean,
    env,
    timeoutMs: 240_000,
  });
  const info = JSON.parse(packed.stdout) as { filename: string; files: { path: string }[] }[];
  tarball = path.join(work, info[0]?.filename ?? '');
  const shipped = info[0]?.files.map((f) => f.path) ?? [];
  expect(shipped).toContain('build/lib/index.js');
  expect(shipped).toContain('build/lib/index.d.ts');
  expect(shipped).toContain('dist/cli/index.js');
  expect(shipped).toContain('dist/cli/licenses.txt');
  // Neither the action's bundle nor the faces' compiled sources nor tests go to npm.
  expect(
    shipped.filter((f) => f.startsWith('test/') || f.startsWith('src/') || f === 'dist/index.js'),
  ).toEqual([]);

  project = path.join(work, 'project');
  await mkdir(project);
  await writeFile(
    path.join(project, 'package.json'),
    JSON.stringify({ name: 'user-project', private: true, type: 'module' }),
  );
  // --ignore-scripts: libp2p's optional WebRTC add-on downloads a prebuilt binary on install,
  // which this machine cannot reach; ipfs-pin never loads it.
  await run(
    'npm',
    [
      'install',
      tarball,
      '--ignore-scripts',
      '--omit=peer',
      '--no-audit',
      '--no-fund',
      '--prefer-offline',
      '--loglevel=error',
    ],
    {
      cwd: project,
      env,
      timeoutMs: 480_000,
    },
  );
}, 900_000);

afterAll(async () => {
  if (work !== undefined) await rm(work, { recursive: true, force: true });
});

describe('the packed npm package in an empty project', () => {
  it('installs only what the library needs at run time (no @actions/*)', async () => {
    const modules = await readdir(path.join(project, 'node_modules'));
    expect(modules).toContain('ipfs-pin');
    expect(modules).not.toContain('@actions');
  });

  it("import('ipfs-pin') gives pinDirectory and the rest of the public API", async () => {
    const script = `
      const m = await import('ipfs-pin');
      const names = ['pinDirectory', 'createPinningClient', 'createNode', 'importDirectory', 'IpfsPinError'];
      console.log(JSON.stringify(names.map((n) => [n, typeof m[n]])));
    `;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
      cwd: project,
      env,
    });
    expect(JSON.parse(stdout)).toEqual([
      ['pinDirectory', 'function'],
      ['createPinningClient', 'function'],
      ['createNode', 'function'],
      ['importDirectory', 'function'],
      ['IpfsPinError', 'function'],
    ]);
  });

  it('ships its types: a TypeScript user compiles against them, and a wrong option is a type error', async () => {
    const tsc = path.join(repoRoot, 'node_modules/typescript/bin/tsc');
    await writeFile(
      path.join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          target: 'es2023',
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          types: [],
        },
      }),
    );
    await writeFile(
      path.join(project, 'good.ts'),
      `import { pinDirectory, type PinDirectoryResult } from 'ipfs-pin';\n` +
        `export const go = (): Promise<PinDirectoryResult> => pinDirectory({ path: 'dist', services: [{ endpoint: 'https://example.org/psa' }] });\n`,
    );
    await run(process.execPath, [tsc, '-p', '.'], { cwd: project, env, timeoutMs: 120_000 });
    await writeFile(
      path.join(project, 'bad.ts'),
      `import { pinDirectory } from 'ipfs-pin';\nvoid pinDirectory({ path: 1 });\n`,
    );
    await expect(
      run(process.execPath, [tsc, '-p', '.'], { cwd: project, env, timeoutMs: 120_000 }),
    ).rejects.toThrow(/bad\.ts.*TS2322|bad\.ts.*TS2741|bad\.ts/);
    await rm(path.join(project, 'bad.ts'));
  });

  it('npx ipfs-pin --help and ipfs-pin cid run from the installed bin', async () => {
    const help = await run('npx', ['--no-install', 'ipfs-pin', '--help'], { cwd: project, env });
    expect(help.stdout).toMatch(/usage: ipfs-pin/);
    await mkdir(path.join(project, 'site'));
    // kubo's t0040 "planets" files: the same CID as `ipfs add -r --cid-version=1`.
    await writeFile(path.join(project, 'site/mars.txt'), 'Hello Mars!\n');
    await writeFile(path.join(project, 'site/venus.txt'), 'Hello Venus!\n');
    const cid = await run(
      path.join(project, 'node_modules/.bin/ipfs-pin'),
      ['cid', 'site', '--profile', 'unixfs-v0-2015'],
      { cwd: project, env },
    );
    expect(cid.stdout).toBe('QmWSgS32xQEcXMeqd3YPJLrNBLSdsfYCep2U7CFkyrjXwY\n');
  });
});
