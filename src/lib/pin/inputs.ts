import { CID } from 'multiformats/cid';
import { IpfsPinError } from '../errors.js';

/**
 * The URL of a CID on a gateway. `template` holds `{cid}` where the CID goes, in the host
 * (a subdomain gateway: the CID is written as base32 CIDv1, as hosts need) or in the path;
 * a template without `{cid}` is taken as a path gateway's base URL (`/ipfs/{cid}/` added).
 */
export function gatewayUrl(template: string, cid: string): string {
  const t = template.includes('{cid}') ? template : `${template.replace(/\/+$/, '')}/ipfs/{cid}/`;
  const scheme = t.indexOf('://');
  const hostEnd = t.indexOf('/', scheme + 3);
  const host = hostEnd < 0 ? t : t.slice(0, hostEnd);
  if (!host.includes('{cid}')) return t.replaceAll('{cid}', cid);
  let v1 = cid;
  try {
    v1 = CID.parse(cid).toV1().toString();
  } catch {
    // Not a CID we can parse: keep it as given.
  }
  return host.replaceAll('{cid}', v1) + (hostEnd < 0 ? '' : t.slice(hostEnd).replaceAll('{cid}', v1));
}

/**
 * Checks a gateway template: an http(s) URL with `{cid}` in the host or the path, or a base
 * URL without a query or fragment (where `/ipfs/{cid}/` can go). Throws INVALID_INPUT.
 */
export function checkGatewayTemplate(template: string, what = 'gateway'): void {
  let url: URL;
  try {
    url = new URL(template.replaceAll('{cid}', 'cid'));
  } catch {
    throw new IpfsPinError(
      'INVALID_INPUT',
      `${what} must be an http(s) URL with {cid} where the CID goes, got '${template}'`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new IpfsPinError('INVALID_INPUT', `${what} must be an http(s) URL, got '${template}'`);
  }
  if (!template.includes('{cid}') && (url.search !== '' || url.hash !== '')) {
    throw new IpfsPinError(
      'INVALID_INPUT',
      `${what} '${template}' has no place for the CID: put {cid} where it goes (https://{cid}.ipfs.dweb.link/ or https://ipfs.io/ipfs/{cid}/), or give a base URL without a query`,
    );
  }
}
