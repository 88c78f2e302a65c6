import { IpfsPinError } from '../errors.js';
import { MAX_REDIRECTS, REDIRECT_STATUSES, checkRedirect, sameService } from '../util/redirect.js';

/** One request as the client means it, relative to the endpoint. */
export interface PsaRequest {
  method: 'GET' | 'POST' | 'DELETE';
  /** Path under the endpoint, e.g. `/pins/abc`. */
  path: string;
  /** Encoded query without `?`, or empty. */
  query?: string;
  body?: unknown;
}

/** One answer, body read in full. */
export interface PsaResponse {
  status: number;
  headers: Headers;
  text: string;
  /** The final URL (after redirects), without its query. */
  url: string;
}

export interface SendContext {
  endpoint: string;
  token: string | undefined;
  fetch: typeof globalThis.fetch;
  /** Waits for this client's request budget before each exchange (redirect hops are not paced). */
  pace: (signal: AbortSignal) => Promise<void>;
}

/**
 * One HTTP exchange, redirects included. Redirects are followed here, not by fetch, and
 * only within the endpoint's own origin (or from http to https on the same host): a
 * service must not steer requests elsewhere, least of all to loopback, link-local or
 * private addresses (a cloud metadata service answers there), and what such a place
 * answered would end up in logs, comments and outputs. Any other redirect fails with
 * PSA_REQUEST_FAILED, naming where it pointed. A 303 turns into a GET; other redirects
 * keep the method and body (an API client must not turn a POST into a GET silently).
 * Fetch errors propagate as they are: the caller classifies them.
 */
export async function sendOnce(ctx: SendContext, req: PsaRequest, signal: AbortSignal): Promise<PsaResponse> {
  const endpointOrigin = new URL(ctx.endpoint).origin;
  let url = new URL(
    `${ctx.endpoint}${req.path}${req.query !== undefined && req.query !== '' ? `?${req.query}` : ''}`,
  );
  let method: string = req.method;
  let body = req.body === undefined ? undefined : JSON.stringify(req.body);
  for (let hop = 0; ; hop++) {
    const headers = new Headers({ accept: 'application/json' });
    if (body !== undefined) headers.set('content-type', 'application/json');
    if (ctx.token !== undefined && sameService(url, endpointOrigin))
      headers.set('authorization', `Bearer ${ctx.token}`);
    const response = await ctx.fetch(url, { method, headers, body, redirect: 'manual', signal });
    const location = response.headers.get('location');
    if (REDIRECT_STATUSES.has(response.status) && location !== null) {
      await response.body?.cancel().catch(() => undefined);
      const where = `${url.origin}${url.pathname}`;
      if (hop + 1 > MAX_REDIRECTS) {
        throw new IpfsPinError(
          'PSA_BAD_RESPONSE',
          `More than ${MAX_REDIRECTS} redirects from ${where}: use the final URL of the service as the endpoint.`,
          {
            status: response.status,
          },
        );
      }
      const target = checkRedirect(location, url, endpointOrigin);
      if (!target.ok && target.problem === 'invalid-url') {
        throw new IpfsPinError(
          'PSA_BAD_RESPONSE',
          `HTTP ${response.status} from ${where} redirects to an invalid URL. Check the endpoint URL.`,
          {
            status: response.status,
          },
        );
      }
      if (!target.ok && target.problem === 'scheme') {
        throw new IpfsPinError(
          'PSA_BAD_RESPONSE',
          `HTTP ${response.status} from ${where} redirects to a ${target.next.protocol} URL. Check the endpoint URL.`,
          {
            status: response.status,
          },
        );
      }
      if (!target.ok) {
        throw new IpfsPinError(
          'PSA_REQUEST_FAILED',
          `HTTP ${response.status} from ${where} redirects to another origin (${target.next.origin}); ipfs-pin follows redirects only within the endpoint's origin. If that service is the right one, use its URL as the endpoint.`,
          { status: response.status },
        );
      }
      if (response.status === 303) {
        method = 'GET';
        body = undefined;
      }
      url = target.next;
      continue;
    }
    const where = `${url.origin}${url.pathname}`;
    const text = await readCapped(response, where);
    return { status: response.status, headers: response.headers, text, url: where };
  }
}

/** Largest body read: 1,000 PinStatus of a full page fit in a few MiB. */
export const MAX_BODY_BYTES = 16 * 1024 * 1024;

/** The body as text, refusing to buffer more than MAX_BODY_BYTES (an endpoint that is a download). */
async function readCapped(response: Response, where: string): Promise<string> {
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  const tooBig = (): IpfsPinError =>
    new IpfsPinError(
      'PSA_BAD_RESPONSE',
      `HTTP ${response.status} from ${where}: the body is larger than ${MAX_BODY_BYTES} bytes, not a Pinning Service API answer. Check the endpoint URL.`,
      {
        status: response.status,
      },
    );
  if (declared > MAX_BODY_BYTES) {
    await response.body?.cancel().catch(() => undefined);
    throw tooBig();
  }
  if (response.body === null) return '';
  const decoder = new TextDecoder();
  const parts: string[] = [];
  let size = 0;
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_BODY_BYTES) {
      await reader.cancel().catch(() => undefined);
      throw tooBig();
    }
    parts.push(decoder.decode(value, { stream: true }));
  }
  parts.push(decoder.decode());
  return parts.join('');
}
