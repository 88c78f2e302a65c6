import { IpfsPinError } from '../errors.js';

/**
 * Checks a Pinning Service API base URL and returns it in one canonical form: http(s),
 * no credentials, no query, no fragment, no trailing `/` and no trailing `/pins`.
 * Each rejection says how to fix the URL, because users paste the `/pins` URL often.
 */
export function normaliseEndpoint(input: string): string {
  if (typeof input !== 'string' || input.trim() === '') {
    throw invalid(
      'The endpoint URL is empty: pass the base URL of the service, e.g. https://api.pinata.cloud/psa.',
    );
  }
  const raw = input.trim();
  let url: URL;
  try {
    url = new URL(raw);
  } catch (cause) {
    throw invalid(
      'The endpoint is not an absolute URL: pass the base URL of the service with its scheme, e.g. https://api.pinata.cloud/psa.',
      cause,
    );
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw invalid(
      `The endpoint URL must use https:// or http://, not ${url.protocol}//: e.g. https://api.pinata.cloud/psa.`,
    );
  }
  // Built from parts we trust, so a message never repeats a password or a query token.
  const clean = (path: string): string => `${url.origin}${path}`;
  const path = url.pathname.replace(/\/+$/, '');
  if (url.username !== '' || url.password !== '') {
    throw invalid(
      `The endpoint URL contains credentials (user:password@), which would leak into logs: remove them and pass the token as the token option: use ${clean(path)}.`,
    );
  }
  if (url.search !== '' || raw.includes('?')) {
    throw invalid(
      `The endpoint URL has a query string (?...): remove it, the client adds its own query: use ${clean(path)}.`,
    );
  }
  if (url.hash !== '' || raw.includes('#')) {
    throw invalid(`The endpoint URL has a fragment (#...): remove it: use ${clean(path)}.`);
  }
  if (/\/pins$/i.test(path)) {
    throw invalid(
      `The endpoint URL ends in /pins: remove the trailing /pins: use ${clean(path.replace(/\/pins$/i, ''))}.`,
    );
  }
  return clean(path);
}

function invalid(message: string, cause?: unknown): IpfsPinError {
  return new IpfsPinError('INVALID_INPUT', message, cause === undefined ? {} : { cause });
}
