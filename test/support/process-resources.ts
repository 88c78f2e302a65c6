import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** What a long-running process could leak, read from the outside of the library. */
export interface ProcessResources {
  /** Open file descriptors (/proc/self/fd). */
  fds: number;
  /** Listeners on `process` (signals, exit, warnings...). */
  processListeners: number;
  /** Child processes of this one. */
  children: number;
  /** Live handles by kind, from process.getActiveResourcesInfo(). */
  handles: Record<string, number>;
  rssMiB: number;
  /** JS heap in use after a full garbage collection. */
  heapAfterGcMiB: number;
}

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

export function processResources(): ProcessResources {
  const handles: Record<string, number> = {};
  for (const kind of process.getActiveResourcesInfo()) handles[kind] = (handles[kind] ?? 0) + 1;
  return {
    fds: readdirSync('/proc/self/fd').length,
    processListeners: process.eventNames().reduce((n, name) => n + process.listenerCount(name), 0),
    children: childCount(),
    handles,
    rssMiB: Math.round(process.memoryUsage.rss() / 1048576),
    heapAfterGcMiB: heapAfterGc(),
  };
}

function childCount(): number {
  try {
    const out = execFileSync('ps', ['-o', 'pid=', '--ppid', String(process.pid)], { encoding: 'utf8' });
    // The ps we just ran is a child too.
    return Math.max(0, out.split('\n').filter((l) => l.trim() !== '').length - 1);
  } catch {
    // ps exits 1 when there are no children (besides itself, which it does not list then).
    return 0;
  }
}

function heapAfterGc(): number {
  gc();
  return Math.round((process.memoryUsage().heapUsed / 1048576) * 10) / 10;
}
