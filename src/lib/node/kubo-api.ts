import { IpfsPinError } from '../errors.js';
import { createKuboDriver } from './kubo-driver.js';
import type { IpfsNode, NodeOptions } from './types.js';

/** An existing kubo daemon, driven over its RPC API. stop() leaves the daemon running. */
export async function createKuboApiNode(options: NodeOptions): Promise<IpfsNode> {
  const { apiUrl } = options;
  if (apiUrl === undefined || apiUrl === '') {
    throw new IpfsPinError(
      'INVALID_INPUT',
      'kind kubo-api needs apiUrl, the RPC address of a running kubo, e.g. http://127.0.0.1:5001.',
    );
  }
  let url: URL;
  try {
    url = new URL(apiUrl);
  } catch (err) {
    throw new IpfsPinError(
      'INVALID_INPUT',
      `apiUrl ${JSON.stringify(apiUrl)} is not a URL: use e.g. http://127.0.0.1:5001.`,
      { cause: err },
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new IpfsPinError('INVALID_INPUT', `apiUrl must be http(s), got ${url.protocol}`);
  }
  return createKuboDriver({
    ...options,
    kind: 'kubo-api',
    apiUrl: url.origin + url.pathname.replace(/\/(api\/v0\/?)?$/, ''),
  });
}
