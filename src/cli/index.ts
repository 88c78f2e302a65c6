#!/usr/bin/env node
import { defaultIo } from './io.js';
import { main } from './main.js';

// Ctrl-C aborts the running command through its signal (pins stay on the services);
// a second one exits at once.
const controller = new AbortController();
let interrupted = false;
const onSignal = (): void => {
  if (interrupted) process.exit(130);
  interrupted = true;
  controller.abort(new Error('interrupted'));
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

const code = await main(process.argv.slice(2), { ...defaultIo(), signal: controller.signal });
process.off('SIGINT', onSignal);
process.off('SIGTERM', onSignal);
// Done: exit once what was written has gone out, rather than wait for timers libraries
// leave behind (libp2p's address manager arms a 1 s debounce as the node stops).
await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
process.exit(code);

function flushed(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => {
    stream.write('', () => resolve());
  });
}
