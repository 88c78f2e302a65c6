import { errorMessage, isIpfsPinError } from '../lib/index.js';
import { EXIT, exitCodeForError } from './exit-codes.js';

/**
 * One failure on stderr: `ipfs-pin <command>: CODE: message`, then what to do (the
 * code's hint), then the stack only with --debug. Returns the exit status.
 */
export function printError(
  stderr: NodeJS.WritableStream,
  command: string,
  error: unknown,
  debug = false,
): number {
  const prefix = command === '' ? 'ipfs-pin' : `ipfs-pin ${command}`;
  if (isIpfsPinError(error)) {
    stderr.write(`${prefix}: ${error.code}: ${error.message}\n`);
    stderr.write(`  what to do: ${error.hint}\n`);
    if (error.code === 'INVALID_INPUT') stderr.write(`  run ${prefix} --help for the options\n`);
  } else {
    stderr.write(`${prefix}: ${errorMessage(error)}\n`);
    if (!debug) stderr.write('  this is unexpected: run again with --debug and report the output\n');
  }
  if (debug) {
    stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    const cause = error instanceof Error ? error.cause : undefined;
    if (cause !== undefined)
      stderr.write(`caused by: ${cause instanceof Error ? (cause.stack ?? cause.message) : String(cause)}\n`);
  }
  return isIpfsPinError(error) ? exitCodeForError(error) : EXIT.FAILURE;
}
