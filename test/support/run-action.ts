// Runs the committed action bundle (dist/index.js) the way a runner does: inputs as
// INPUT_* variables, GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files read back, an event payload
// file, RUNNER_TEMP of its own.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { repoRoot } from './peers.js';

const bundle = join(repoRoot, 'dist', 'index.js');
export const MERGE_SHA = '0123456789abcdef0123456789abcdef01234567';
export const HEAD_SHA = 'feedfacefeedfacefeedfacefeedfacefeedface';

/** A `pull_request` event of PR #7 of acme/site, its head in `headRepo` (another repo: a fork). */
export function pullRequestEvent(options: { headRepo?: string; action?: string } = {}): {
  name: string;
  payload: unknown;
} {
  return {
    name: 'pull_request',
    payload: {
      action: options.action ?? 'synchronize',
      number: 7,
      pull_request: {
        number: 7,
        head: { sha: HEAD_SHA, ref: 'feature', repo: { full_name: options.headRepo ?? 'acme/site' } },
        base: { sha: MERGE_SHA, ref: 'main', repo: { full_name: 'acme/site' } },
      },
      repository: { full_name: 'acme/site', name: 'site', owner: { login: 'acme' } },
    },
  };
}

export interface ActionRun {
  code: number | null;
  /** The signal that ended it, if one did. */
  killedBy: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  lines: string[];
  outputs: Record<string, string>;
  summary: string;
  /** The run's RUNNER_TEMP (to check what it left there). */
  runnerTemp: string;
  /** Peak RSS of the action process (VmHWM, read while it ran), MiB; 0 if never read. */
  peakRssMiB: number;
}

export interface RunSpec {
  inputs: Record<string, string>;
  event?: { name: string; payload: unknown };
  githubApi?: string;
  /** Called once with the child as each stdout chunk arrives (to send it a signal). */
  onStdout?: (stdoutSoFar: string, child: ChildProcess) => void;
  /** Extra environment. */
  env?: Record<string, string>;
}

/** `name<<delimiter`, value lines, `delimiter`: the format @actions/core writes to GITHUB_OUTPUT. */
export function parseOutputs(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const m = /^([^<]+)<<(.+)$/.exec(lines[i] ?? '');
    if (m === null) continue;
    const value: string[] = [];
    for (i++; i < lines.length && lines[i] !== m[2]; i++) value.push(lines[i] ?? '');
    out[m[1] ?? ''] = value.join('\n');
  }
  return out;
}

async function peakRss(pid: number): Promise<number> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const kb = /^VmHWM:\s+(\d+) kB/m.exec(status)?.[1];
    return kb === undefined ? 0 : Math.round(Number(kb) / 1024);
  } catch {
    return 0;
  }
}

export async function runAction(work: string, spec: RunSpec): Promise<ActionRun> {
  const dir = await mkdtemp(join(work, 'run-'));
  const files = {
    output: join(dir, 'output'),
    summary: join(dir, 'summary'),
    event: join(dir, 'event.json'),
  };
  await writeFile(files.output, '');
  await writeFile(files.summary, '');
  await writeFile(files.event, JSON.stringify(spec.event?.payload ?? {}));
  const runnerTemp = join(dir, 'temp');
  await mkdir(runnerTemp);
  const env: Record<string, string> = {
    PATH: process.env['PATH'] ?? '',
    HOME: dir,
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_OUTPUT: files.output,
    GITHUB_STEP_SUMMARY: files.summary,
    GITHUB_EVENT_PATH: files.event,
    GITHUB_EVENT_NAME: spec.event?.name ?? 'push',
    GITHUB_REPOSITORY: 'acme/site',
    GITHUB_SHA: MERGE_SHA,
    GITHUB_REF: spec.event?.name === 'pull_request' ? 'refs/pull/7/merge' : 'refs/heads/main',
    GITHUB_RUN_ID: '4242',
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_API_URL: spec.githubApi ?? 'http://127.0.0.1:9',
    RUNNER_TEMP: runnerTemp,
    ...spec.env,
  };
  // As the runner does: INPUT_<name upper-cased, spaces to _>, hyphens kept.
  for (const [name, value] of Object.entries(spec.inputs))
    env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = value;
  const child = spawn(process.execPath, [bundle], { cwd: work, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let peakRssMiB = 0;
  const sampler = setInterval(() => {
    if (child.pid !== undefined)
      void peakRss(child.pid).then((mib) => (peakRssMiB = Math.max(peakRssMiB, mib)));
  }, 50);
  child.stdout.setEncoding('utf8').on('data', (c: string) => {
    stdout += c;
    spec.onStdout?.(stdout, child);
  });
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const [code, killedBy] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
    child.on('close', (c, s) => resolve([c, s])),
  );
  clearInterval(sampler);
  return {
    code,
    killedBy,
    stdout,
    stderr,
    lines: stdout.split(/\r?\n/).filter((l) => l !== ''),
    outputs: parseOutputs(await readFile(files.output, 'utf8')),
    summary: await readFile(files.summary, 'utf8'),
    runnerTemp,
    peakRssMiB,
  };
}
