/** What a command reads and writes: injected so tests and the dispatcher share one shape. */
export interface CliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  env: NodeJS.ProcessEnv;
  /** Fires on Ctrl-C (SIGINT/SIGTERM); commands pass it to the library. */
  signal?: AbortSignal;
}

export function defaultIo(): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, env: process.env };
}
