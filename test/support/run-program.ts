import { spawn, type ChildProcess } from 'node:child_process';

export interface RunOptions {
  /** Written to the program's stdin, then stdin is closed. */
  input?: string | Uint8Array;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  signal?: AbortSignal;
  /** Default 60 s: a test peer that hangs fails the test instead of the whole run. */
  timeoutMs?: number;
}

export interface RunResult {
  stdout: string;
  stderr: string;
}

/** Runs a program to completion; rejects with its exit code and stderr when it fails. */
export function run(file: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const signal = AbortSignal.any([
    ...(options.signal ? [options.signal] : []),
    AbortSignal.timeout(options.timeoutMs ?? 60_000),
  ]);
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      env: options.env ?? process.env,
      cwd: options.cwd,
      signal,
      killSignal: 'SIGKILL',
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.stdin.on('error', () => {
      // The program may exit without reading its input; its exit status tells what happened.
    });
    child.stdin.end(options.input);
    child.on('error', (error) => {
      reject(new Error(`${commandLine(file, args)}: ${error.message}`, { cause: error }));
    });
    child.on('close', (code, killedBy) => {
      const stdout = Buffer.concat(out).toString('utf8');
      const stderr = Buffer.concat(err).toString('utf8');
      if (code === 0) {
        resolve({ stdout, stderr });
        return;
      }
      const how = killedBy ? `was killed by ${killedBy}` : `exited with ${code}`;
      reject(new Error(`${commandLine(file, args)} ${how}: ${stderr.trim() || stdout.trim()}`));
    });
  });
}

function commandLine(file: string, args: readonly string[]): string {
  const name = file.split('/').pop() ?? file;
  return [name, ...args].join(' ');
}

/** Stops a long-running child: SIGTERM, then SIGKILL after `graceMs`. Resolves once it exited. */
export async function terminate(child: ChildProcess, graceMs = 10_000): Promise<void> {
  live.delete(child);
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** Kills the child if the test process exits without stopping it (no daemons left behind). */
export function killOnExit(child: ChildProcess): void {
  live.add(child);
  child.once('exit', () => live.delete(child));
}

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});
