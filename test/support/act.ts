// Runs a workflow file under nektos/act (an independent implementation of the Actions
// runner, built into .peers/bin by scripts/peers.sh) on this machine, in its self-hosted
// mode, with no network to GitHub:
//   - `uses: ipfs-pin/ipfs-pin@v1` is this checkout's tracked files as a runner downloads
//     them (exportAction: no node_modules; dist/ as built for the test run);
//   - actions/checkout of the workflow's own repository is act's: it copies the site repo;
//   - actions/upload-artifact and download-artifact are the stand-ins in test/support/act/
//     (GitHub's artifact storage), and `gh` is the one in test/support/act/bin (releases);
//   - the action talks to GITHUB_API_URL, the GitHub API stand-in given as `githubApi`.
import { spawn } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { cp, mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { delimiter, dirname, join } from 'node:path';
import { peerBinary, repoRoot } from './peers.js';

const standIns = join(repoRoot, 'test', 'support', 'act');

/**
 * The checkout as `uses: ipfs-pin/ipfs-pin@v1` gets it: every tracked path that exists in
 * the working tree, plus all of dist/ (built for this run; its chunk names can differ from
 * the committed ones). Nothing untracked, so no node_modules: the bundle must stand alone.
 */
export async function exportAction(dest: string): Promise<string> {
  const tracked = execFileSync('git', ['ls-files', '-z'], { cwd: repoRoot, encoding: 'utf8' })
    .split('\0')
    .filter((p) => p !== '' && !p.startsWith('dist/'));
  const dist = readdirSync(join(repoRoot, 'dist'), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(repoRoot.length).replace(/^\/+/, ''));
  for (const path of [...tracked, ...dist]) {
    const from = join(repoRoot, path);
    if (!existsSync(from)) continue;
    await mkdir(dirname(join(dest, path)), { recursive: true });
    await cp(from, join(dest, path), { verbatimSymlinks: true });
  }
  return dest;
}

export interface SiteRepo {
  dir: string;
  sha: string;
}

/**
 * A tiny site repository as a user's would be: `npm ci && npm run build` makes dist/ from
 * src/ (no dependencies, so no registry), origin on github.com/<repository> (act reads the
 * repository name from it), one commit on main.
 */
export async function createSiteRepo(
  parent: string,
  repository: string,
  pages: Record<string, string>,
): Promise<SiteRepo> {
  const dir = await mkdtemp(join(parent, 'site-'));
  await writeFile(
    join(dir, 'package.json'),
    `${JSON.stringify({ name: 'site', version: '1.0.0', private: true, scripts: { build: 'node build.mjs' } }, null, 2)}\n`,
  );
  await writeFile(
    join(dir, 'package-lock.json'),
    `${JSON.stringify({ name: 'site', version: '1.0.0', lockfileVersion: 3, requires: true, packages: { '': { name: 'site', version: '1.0.0' } } }, null, 2)}\n`,
  );
  await writeFile(
    join(dir, 'build.mjs'),
    "import { cpSync, rmSync } from 'node:fs';\nrmSync('dist', { recursive: true, force: true });\ncpSync('src', 'dist', { recursive: true });\n",
  );
  await writeFile(join(dir, '.gitignore'), 'node_modules/\ndist/\n');
  // Nothing to fetch: keep npm off the network (no audit, no registry).
  await writeFile(join(dir, '.npmrc'), 'offline=true\naudit=false\nfund=false\n');
  for (const [path, text] of Object.entries(pages)) {
    await mkdir(dirname(join(dir, 'src', path)), { recursive: true });
    await writeFile(join(dir, 'src', path), text);
  }
  const git = (...args: string[]): string =>
    execFileSync('git', args, {
      cwd: dir,
      encoding: 'utf8',
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: 'a',
        GIT_AUTHOR_EMAIL: 'a@example.com',
        GIT_COMMITTER_NAME: 'a',
        GIT_COMMITTER_EMAIL: 'a@example.com',
      },
    }).trim();
  git('init', '-q', '-b', 'main');
  git('remote', 'add', 'origin', `https://github.com/${repository}.git`);
  git('add', '-A');
  git('commit', '-q', '-m', 'site');
  return { dir, sha: git('rev-parse', 'HEAD') };
}

export interface ActRun {
  code: number | null;
  /** act's output, stdout and stderr interleaved. */
  log: string;
  /** The lines a step printed (act's `[workflow/job]   | ` prefix removed). */
  stepLines: string[];
}

export interface ActSpec {
  workflow: string;
  event: string;
  payload: unknown;
  /** The site repository (act's working directory, which its checkout copies). */
  site: string;
  /** exportAction's directory. */
  action: string;
  githubApi: string;
  vars?: Record<string, string>;
  secrets?: Record<string, string>;
  /** Variables for every step and for act's github context (GITHUB_RUN_ID, GITHUB_REF). */
  env?: Record<string, string>;
  /** A directory of this run's own: act's HOME, caches, event file. */
  work: string;
  signal?: AbortSignal;
}

/** Runs one workflow under act; resolves when act exits. */
export async function runAct(spec: ActSpec): Promise<ActRun> {
  const act = peerBinary('act');
  const home = join(spec.work, 'home');
  await mkdir(home, { recursive: true });
  // act asks which image to use on its first run unless it finds a config: give it one.
  await writeFile(join(home, '.actrc'), '-P ubuntu-latest=-self-hosted\n');
  const eventPath = join(spec.work, 'event.json');
  await writeFile(eventPath, JSON.stringify(spec.payload));
  const args = [
    spec.event,
    '-W',
    spec.workflow,
    '--eventpath',
    eventPath,
    '-P',
    'ubuntu-latest=-self-hosted',
    '--local-repository',
    `ipfs-pin/ipfs-pin@v1=${spec.action}`,
    '--local-repository',
    `actions/upload-artifact@v4=${join(standIns, 'upload-artifact')}`,
    '--local-repository',
    `actions/download-artifact@v4=${join(standIns, 'download-artifact')}`,
    '--action-offline-mode',
    '--action-cache-path',
    join(spec.work, 'actions'),
    '--no-cache-server',
    '--env',
    `GITHUB_API_URL=${spec.githubApi}`,
  ];
  for (const [k, v] of Object.entries(spec.env ?? {})) args.push('--env', `${k}=${v}`);
  for (const [k, v] of Object.entries(spec.vars ?? {})) args.push('--var', `${k}=${v}`);
  // Secrets by name only: act reads their values from its environment, so none is in argv.
  const secretEnv: Record<string, string> = {};
  for (const [k, v] of Object.entries(spec.secrets ?? {})) {
    args.push('--secret', k);
    secretEnv[k] = v;
  }
  const child = spawn(act, args, {
    cwd: spec.site,
    env: {
      // Node 24 (this test's) first for `node24` actions and npm scripts; then the gh stand-in.
      PATH: [
        dirname(process.execPath),
        join(standIns, 'bin'),
        ...(process.env['PATH'] ?? '').split(delimiter),
      ].join(delimiter),
      HOME: home,
      XDG_CACHE_HOME: join(spec.work, 'cache'),
      XDG_CONFIG_HOME: join(spec.work, 'config'),
      TMPDIR: process.env['TMPDIR'] ?? '/tmp',
      ...secretEnv,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(spec.signal ? { signal: spec.signal } : {}),
  });
  let log = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (log += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (log += c));
  const code = await new Promise<number | null>((resolve) => {
    child.on('close', (c) => resolve(c));
    child.on('error', () => resolve(null));
  });
  const stepLines = log
    .split(/\r?\n/)
    .map((l) => /^\[[^\]]+\]\s+\|\s?(.*)$/.exec(l)?.[1])
    .filter((l): l is string => l !== undefined);
  return { code, log, stepLines };
}
