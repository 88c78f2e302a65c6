import * as core from '@actions/core';
import { describeFailure } from './failure.js';
import { run } from './main.js';

// A stray rejection from a closing connection after the work is done must not fail a run
// whose outcome is already reported; it goes to the debug log.
process.on('unhandledRejection', (reason) =>
  core.debug(`Ignored a late failure: ${describeFailure(reason).message}`),
);

await run(() => import('./library.js'));

// The node and the clients close their handles; should one stay open, do not hold the job
// until its timeout. process.exit() keeps the exit code core.setFailed set.
setTimeout(() => process.exit(), 3000).unref();
