import { IpfsPinError } from '../errors.js';
import { MAX_REDIRECTS, REDIRECT_STATUSES, checkRedirect, sameService } from '../util/redirect.js';
import { redact, serviceText } from './text.js';

/** What a payload's body may be: bytes, text, or a stream read once. */
export type UploadBody = NonNullable<RequestInit['body']>;

/** One request as the client means it, relative to the endpoint. */
export interface PsaRequest {
  method: 'GET' | 'POST' | 'DELETE' | 'PUT' | 'PATCH' | 'HEAD';
  /** Path under the endpoint, e.g. `/pins/abc`. */
  path: string;
  /** Encoded query without `?`, or empty. */
  query?: string;
  /** Sent as JSON. */
  body?: unknown;
  /**
   * A body made afresh for each attempt and redirect hop (a stream can be read once), with
   * its own headers (content-type, content-length): the uploads' CAR. Instead of `body`.
   */
  payload?: () => { body: UploadBody; headers?: Record<string, string> };
  /** Extra request headers. */
  headers?: Record<string, string>;
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
  /**
   * Sets the credentials of a request to the service's own origin instead of the Bearer
   * token (Basic, or an S3 signature over the final URL and headers).
   */
  authorize?: (url: URL, method: string, headers: Headers) => void | Promise<void>;
}

/** The request's URL: the endpoint, the path and the query. */
export function requestUrl(endpoint: string, req: PsaRequest): URL {
  return new URL(
    `${endpoint}${req.path}${req.query !== undefined && req.query !== '' ? `?${req.query}` : ''}`,
  );
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
  let url = requestUrl(ctx.endpoint, req);
  let method: string = req.method;
  let json = req.body === undefined ? undefined : JSON.stringify(req.body);
  let payload = req.payload;
  for (let hop = 0; ; hop++) {
    const headers = new Headers({ accept: 'application/json', ...req.headers });
    if (json !== undefined) headers.set('content-type', 'application/json');
    const made = payload?.();
    for (const [k, v] of Object.entries(made?.headers ?? {})) headers.set(k, v);
    const body = made?.body ?? json;
    if (sameService(url, endpointOrigin)) {
      if (ctx.authorize !== undefined) await ctx.authorize(url, method, headers);
      else if (ctx.token !== undefined) headers.set('authorization', `Bearer ${ctx.token}`);
    }
    const init: RequestInit & { duplex?: 'half' } = { method, headers, body, redirect: 'manual', signal };
    // A streamed body must say so (fetch in Node sends it as it is read).
    if (made !== undefined && isStream(made.body)) init.duplex = 'half';
    const response = await ctx.fetch(url, init);
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
          `HTTP ${response.status} from ${where} redirects to another origin (${serviceText(redact(target.next.origin, [ctx.token]), 200)}); ipfs-pin follows redirects only within the endpoint's origin. If that service is the right one, use its URL as the endpoint.`,
          { status: response.status },
        );
      }
      if (response.status === 303) {
        method = 'GET';
        json = undefined;
        payload = undefined;
      }
      url = target.next;
      continue;
    }
    const where = `${url.origin}${url.pathname}`;
    const text = await readCapped(response, where);
    await connectionFreed();
    return { status: response.status, headers: response.headers, text, url: where };
  }
}

function isStream(body: UploadBody): boolean {
  return (
    typeof (body as { getReader?: unknown }).getReader === 'function' || Symbol.asyncIterator in Object(body)
  );
}

/**
 * Fetch in Node (undici) puts a connection back in its pool a tick after the body's end:
 * a request sent at once (the pin right after the lookup) opened a new connection, a TCP
 * and TLS handshake (two round trips more to a service over HTTPS). One macrotask later it
 * goes on the connection the answer came on.
 */
const connectionFreed = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

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
