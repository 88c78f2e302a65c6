import { createServer } from 'node:http';
import type { RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export interface MockPsa extends AsyncDisposable {
  /** Base URL of the Pinning Service API (no /pins). */
  url: string;
  close(): Promise<void>;
}

/**
 * The npm `mock-ipfs-pinning-service` on 127.0.0.1, a free port. Statuses come from name
 * prefixes (queued-, pinning-, pinned-, failed-); auth is on when a token is given;
 * `delegates` replaces the mock's own delegate multiaddr.
 */
export async function startMockPsa(options: { token?: string; delegates?: string } = {}): Promise<MockPsa> {
  const { setup } = require('mock-ipfs-pinning-service') as {
    setup: (o: { token?: string | null; loglevel?: string; delegates?: string }) => Promise<RequestListener>;
  };
  const app = await setup({
    token: options.token ?? null,
    loglevel: 'error',
    ...(options.delegates === undefined ? {} : { delegates: options.delegates }),
  });
  const server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const close = async (): Promise<void> => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return { url: `http://127.0.0.1:${port}`, close, [Symbol.asyncDispose]: close };
}
