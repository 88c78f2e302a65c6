import * as core from '@actions/core';
import { describeFailure } from './failure.js';
import { run } from './main.js';

// A rejection nobody handled is shown, never swallowed: while the run is under way it is a
// warning (a bug of ours or of a dependency, worth a report, but the run's own outcome still
// decides success); once the outcome is reported, a stray one from a closing connection goes
// to the debug log only.
let finished = false;
process.on('unhandledRejection', (reason) => {
  const text = describeFailure(reason).message;
  if (finished) core.debug(`Ignored a late failure: ${text}`);
  else core.warning(`Unhandled failure during the run (please report it): ${text}`);
});

await run(() => import('./library.js'));
finished = true;

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
