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

process.exitCode = await main(process.argv.slice(2), { ...defaultIo(), signal: controller.signal });
process.off('SIGINT', onSignal);
process.off('SIGTERM', onSignal);
