// A real IPFS Pinning Service API server on loopback, for ipfs-pin's tests and README demo:
// @helia/pinning-service-api-server 1.0.4 on a Helia 5 node that fetches pins over bitswap,
// so a pin reaches `pinned` only once someone serves the data. Run with Node 24:
//
//   node_modules/.bin/node tools/psa-server/server.js [--port 0] [--token T] [--test-routes]
//
// Prints one JSON line on stdout: {"endpoint","token","peerId","multiaddrs"}; logs go to stderr.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { Buffer } from 'node:buffer';
import process from 'node:process';
import { parseArgs } from 'node:util';
import { createPinningServiceAPIServer } from '@helia/pinning-service-api-server';
import fastify from 'fastify';
import { createLoopbackHelia } from './helia-node.js';
import { addTestRoutes } from './test-routes.js';
import { heliaForPinningService, loadPinStoreClass, useOnePinStore } from './workarounds.js';

const USAGE = `usage: server.js [--port N] [--token T] [--test-routes] [--exit-on-stdin-close]
  --port N                HTTP port on 127.0.0.1 (default 0: a free one)
  --token T               bearer token clients must send (default: $PSA_SERVER_TOKEN, else
                          a random one; the environment keeps it out of the process list)
  --test-routes           add GET /_test/has/:cid and GET /_test/dag/:cid (same token)
  --exit-on-stdin-close   stop when stdin ends (for a parent process that may die)`;

const log = (line) => process.stderr.write(`psa-server: ${line}\n`);

async function main() {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '0' },
      token: { type: 'string' },
      'test-routes': { type: 'boolean', default: false },
      'exit-on-stdin-close': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`bad --port: ${values.port}`);
  const token = values.token ?? process.env.PSA_SERVER_TOKEN ?? randomBytes(24).toString('base64url');
  if (token === '') throw new Error('--token must not be empty');

  const { helia, blockstore } = await createLoopbackHelia();
  const peerId = helia.libp2p.peerId.toString();
  const delegates = helia.libp2p
    .getMultiaddrs()
    .filter((ma) => ma.toString().startsWith('/ip4/127.0.0.1/tcp/'))
    .map((ma) => (ma.getPeerId() == null ? ma.encapsulate(`/p2p/${peerId}`) : ma));
  if (delegates.length === 0) throw new Error('the Helia node has no loopback TCP address');

  const heliaView = heliaForPinningService(helia, { delegates, log });
  const PinStore = await loadPinStoreClass();
  const pinStore = new PinStore(heliaView);
  await pinStore.start();

  const server = fastify({ logger: false, forceCloseConnections: true });
  useOnePinStore(server, pinStore);
  if (values['test-routes']) addTestRoutes(server, { helia, blockstore });
  server.addHook('onResponse', async (request, reply) => {
    log(`${request.method} ${request.url} ${reply.statusCode}`);
  });
  await createPinningServiceAPIServer(heliaView, {
    fastify: server,
    validateAccessToken: async (presented) => {
      if (!sameSecret(presented, token)) throw new Error('bad token');
      return { id: 'user' };
    },
    listen: { host: '127.0.0.1', port },
  });

  let stopping;
  const stop = (why) => {
    stopping ??= (async () => {
      const started = Date.now();
      log(`stopping (${why})`);
      await pinStore.stop();
      log(`t+${Date.now() - started}ms pin jobs aborted`);
      await server.close();
      log(`t+${Date.now() - started}ms http closed`);
      await helia.stop();
      log(`stopped in ${Date.now() - started} ms`);
    })().then(
      () => process.exit(0),
      (err) => {
        log(`error while stopping: ${err.stack ?? err}`);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
  if (values['exit-on-stdin-close']) {
    process.stdin.on('end', () => stop('stdin closed')).resume();
  }

  // Last: whoever reads this line may signal us at once, so the handlers must be in place.
  const address = server.server.address();
  const endpoint = `http://127.0.0.1:${typeof address === 'object' && address != null ? address.port : port}`;
  const multiaddrs = delegates.map((ma) => ma.toString());
  process.stdout.write(`${JSON.stringify({ endpoint, token, peerId, multiaddrs })}\n`);
  log(`listening on ${endpoint}, libp2p ${multiaddrs.join(' ')}`);
}

function sameSecret(presented, expected) {
  if (typeof presented !== 'string') return false;
  const a = Buffer.from(presented);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

main().catch((err) => {
  log(`failed: ${err.stack ?? err}`);
  process.exit(1);
});
