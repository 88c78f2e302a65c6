import * as core from '@actions/core';
import { describeFailure } from './failure.js';
import { run } from './main.js';

// A stray rejection from a closing connection after the work is done must not fail a run
// whose outcome is already reported; it goes to the debug log.
process.on('unhandledRejection', (reason) =>
  core.debug(`Ignored a late failure: ${describeFailure(reason).message}`),
);

await run(() => import('./library.js'));

// Done: exit once the log has gone out, rather than wait for timers libraries leave behind
// (libp2p's address manager arms a 1 s debounce as the node stops), or for a handle that
// stays open. process.exit() keeps the exit code core.setFailed set.
await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
process.exit();

function flushed(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => {
    stream.write('', () => resolve());
  });
}
