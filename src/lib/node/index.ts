import { IpfsPinError } from '../errors.js';
import { createEmbeddedNode } from './embedded.js';
import type { IpfsNode, NodeOptions } from './types.js';

export type { DialResult, IpfsNode, NodeCallOptions, NodeKind, NodeOptions, NodeProgressEvent, NodeStats } from './types.js';
export { dialable, isPublicAddress, publicOrigins, UNSUPPORTED_TRANSPORT } from './multiaddrs.js';

/**
 * Starts the ephemeral node that holds and serves the imported DAG: an embedded Helia node
 * by default, an existing kubo daemon (`kubo-api`), or a throwaway kubo spawned from a
 * binary (`kubo-binary`). Whatever the kind, `stop()` leaves nothing behind that it made.
 */
export async function createNode(options: NodeOptions = {}): Promise<IpfsNode> {
  const kind = options.kind ?? 'embedded';
  switch (kind) {
    case 'embedded':
      return createEmbeddedNode(options);
    // kubo-rpc-client is loaded only when a kubo kind is asked for.
    case 'kubo-api':
      return (await import('./kubo-api.js')).createKuboApiNode(options);
    case 'kubo-binary':
      return (await import('./kubo-binary.js')).createKuboBinaryNode(options);
    default:
      throw new IpfsPinError('INVALID_INPUT', `Unknown node kind ${JSON.stringify(kind)}: use embedded, kubo-api or kubo-binary.`);
  }
}
