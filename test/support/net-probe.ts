import { connect } from 'node:net';

/** Resolves true when something accepts a TCP connection on 127.0.0.1:port. */
export function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** The port of the first /ip4/127.0.0.1/tcp/N address. */
export function tcpPort(addresses: string[]): number {
  const port = addresses
    .map((a) => /^\/ip4\/127\.0\.0\.1\/tcp\/(\d+)/.exec(a)?.[1])
    .find((p) => p !== undefined);
  if (port === undefined) throw new Error(`no loopback TCP address in ${addresses.join(' ')}`);
  return Number(port);
}

/** Polls `check` every 100 ms until it holds or `ms` passed. */
export async function until(check: () => boolean | Promise<boolean>, ms = 5_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check()) && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
}
