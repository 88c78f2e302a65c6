import { IpfsPinError } from '../errors.js';
import type { IpfsNode, NodeOptions } from './types.js';

export type {
  DialResult,
  IpfsNode,
  NodeCallOptions,
  DialOptions,
  NodeKind,
  NodeOptions,
  NodeProgressEvent,
  NodeStats,
  KeepOptions,
  BitswapEvent,
} from './types.js';
export {
  dialable,
  isPrivateHost,
  isPrivateMultiaddr,
  isPublicAddress,
  publicOrigins,
  UNSUPPORTED_TRANSPORT,
} from './multiaddrs.js';

/**
 * Starts the ephemeral node that holds and serves the imported DAG: the embedded node (libp2p
 * and our own bitswap engine) by default, an existing kubo daemon (`kubo-api`), or a throwaway kubo spawned from a
 * binary (`kubo-binary`). Whatever the kind, `stop()` leaves nothing behind that it made.
 */
export async function createNode(options: NodeOptions = {}): Promise<IpfsNode> {
  const kind = options.kind ?? 'embedded';
  switch (kind) {
    // Each kind's stack (libp2p, kubo-rpc-client) is loaded only when it is asked
    // for, so the public index stays light for the faces that import it before they need a node.
    case 'embedded':
      return (await import('./embedded.js')).createEmbeddedNode(options);
    case 'kubo-api':
      return (await import('./kubo-api.js')).createKuboApiNode(options);
    case 'kubo-binary':
      return (await import('./kubo-binary.js')).createKuboBinaryNode(options);
    default:
      throw new IpfsPinError(
        'INVALID_INPUT',
        `Unknown node kind ${JSON.stringify(kind)}: use embedded, kubo-api or kubo-binary.`,
      );
  }
}
