import * as core from '@actions/core';
import { importDirectory, pinDirectory, removePins, verifyCid } from '../lib/index.js';
import { describeFailure } from './failure.js';
import { CancelledError, run } from './main.js';

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

// GitHub cancels a job with SIGINT, then SIGTERM, then SIGKILL some 10 s later. The first
// aborts the run through the library's signal: the node stops (a kubo daemon too), temp
// dirs go, and the outputs, summary and PR comment are still written, naming every pin left
// on the services. Later signals are ignored so that work can finish within the grace.
const cancel = new AbortController();
const onSignal = (name: NodeJS.Signals): void => {
  if (cancel.signal.aborted) return;
  core.info(`Received ${name}: cancelling; the pins already submitted stay on the services`);
  cancel.abort(new CancelledError(name));
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

// The library is one static import: main.ts needs its errors and secret forms anyway, and
// the index itself loads the node stack only when a node starts. (A dynamic import here
// made a chunk of 198 bytes that split nothing off.)
const library = { importDirectory, pinDirectory, removePins, verifyCid };
await run(() => Promise.resolve(library), process.env, cancel.signal);
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
