import { run } from './main.js';

await run(() => import('./library.js'));

// The node and the clients close their handles; should one stay open, do not hold the job
// until its timeout. process.exit() keeps the exit code core.setFailed set.
setTimeout(() => process.exit(), 3000).unref();
