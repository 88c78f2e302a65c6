import { IpfsPinError, isIpfsPinError, errorMessage } from '../errors.js';
import { call, createPacer } from '../psa/retry.js';
import type { CallContext, CallSpec } from '../psa/retry.js';
import type { PsaRequest, SendContext } from '../psa/send.js';
import { redact } from '../psa/text.js';
import type { PsaCallOptions } from '../psa/types.js';
import type { UploadKind, UploaderOptions } from './types.js';

/** Node fires timers above 2^31-1 ms at once. */
const TIMER_MAX_MS = 2 ** 31 - 1;
export const DEFAULT_UPLOAD_TIMEOUT_MS = 30 * 60_000;

export interface ServiceUrl {
  /** Origin and path, no credentials, no trailing `/`. */
  base: string;
  user?: string;
  password?: string;
  /** The query parameters the kind takes (`options` of parseServiceUrl), each once. */
  options: Map<string, string>;
}

/**
 * Checks an upload URL: http(s), no fragment, and no query but the `options` the kind takes
 * (each at most once). Credentials in it are taken out (they go as HTTP Basic) and never
 * repeated in a message.
 */
export function parseServiceUrl(kind: UploadKind, raw: string, options: readonly string[] = []): ServiceUrl {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch (cause) {
    throw new IpfsPinError(
      'INVALID_INPUT',
      `upload ${kind}: the URL is not an absolute http(s) URL, e.g. ${example(kind)}`,
      { cause },
    );
  }
  const clean = `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '')}`;
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new IpfsPinError(
      'INVALID_INPUT',
      `upload ${kind}: the URL must use http:// or https://, e.g. ${example(kind)}`,
    );
  const taken = new Map<string, string>();
  for (const [key, value] of url.searchParams) {
    if (!options.includes(key) || taken.has(key))
      throw new IpfsPinError(
        'INVALID_INPUT',
        options.length === 0
          ? `upload ${kind}: remove the query and fragment from the URL: use ${clean}`
          : // The key is not echoed: a token pasted into the URL would be printed with it.
            `upload ${kind}: the URL's query takes only ${options.join(', ')}, each once; use ${clean}?${options[0]}=...`,
      );
    taken.set(key, value);
  }
  if (url.hash !== '')
    throw new IpfsPinError('INVALID_INPUT', `upload ${kind}: remove the fragment from the URL: use ${clean}`);
  const out: ServiceUrl = { base: clean, options: taken };
  if (url.username !== '') out.user = decodeURIComponent(url.username);
  if (url.password !== '') out.password = decodeURIComponent(url.password);
  return out;
}

function example(kind: UploadKind): string {
  switch (kind) {
    case 'cluster':
      return 'http://user:password@cluster.example:9094';
    case 'kubo':
      return 'http://127.0.0.1:5001';
    case 'pinata':
      return 'https://uploads.pinata.cloud';
    case 'filebase':
      return 'https://s3.filebase.com';
  }
}

/** A token as it can go in a header, or INVALID_INPUT (never quoting it). */
export function checkUploadToken(kind: UploadKind, token: string | undefined): string | undefined {
  if (token === undefined) return undefined;
  const clean = token.trim().replace(/^bearer\s+/i, '');
  if (clean === '') return undefined;
  if (!/^[\x21-\x7e]+$/.test(clean))
    throw new IpfsPinError(
      'INVALID_INPUT',
      `upload ${kind}: the token contains spaces, line breaks or non-ASCII characters, which cannot go in an HTTP header: copy it again.`,
    );
  return clean;
}

/**
 * The PSA client's transport for uploads: same-origin redirects only, bounded answers,
 * retries of 429 (Retry-After), 408, 5xx and network errors with backoff, secrets redacted.
 */
export function uploadContext(
  base: string,
  auth: {
    token?: string;
    basic?: { user: string; password: string };
    authorize?: SendContext['authorize'];
    secrets?: (string | undefined)[];
  },
  options: UploaderOptions,
): CallContext {
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const timeoutMs = Math.min(TIMER_MAX_MS, Math.max(1, options.timeoutMs ?? DEFAULT_UPLOAD_TIMEOUT_MS));
  const basic = auth.basic;
  const authorize: SendContext['authorize'] =
    auth.authorize ??
    (basic === undefined
      ? undefined
      : (_url, _method, headers) => {
          headers.set(
            'authorization',
            `Basic ${Buffer.from(`${basic.user}:${basic.password}`).toString('base64')}`,
          );
        });
  return {
    endpoint: base,
    token: auth.token,
    fetch: (input, init) => fetchImpl(input, init),
    pace: createPacer(0),
    ...(authorize === undefined ? {} : { authorize }),
    secrets: [...(auth.secrets ?? []), basic?.password],
    policy: {
      callTimeoutMs: timeoutMs,
      // An upload's one request carries the whole CAR: it may take as long as the call.
      requestTimeoutMs: timeoutMs,
      maxAttempts: Math.max(1, Math.floor(options.maxAttempts ?? 4)),
      retryBaseMs: 500,
      retryMaxMs: 10_000,
      random: options.random ?? Math.random,
    },
  };
}

/** One upload request through the PSA client's retry loop; every failure is UPLOAD_FAILED. */
export async function uploadCall<T>(
  kind: UploadKind,
  ctx: CallContext,
  req: PsaRequest,
  options: PsaCallOptions,
  spec: CallSpec<T>,
): Promise<T> {
  try {
    return await call(ctx, req, options, spec);
  } catch (err) {
    throw asUploadError(kind, ctx, err);
  }
}

export function asUploadError(kind: UploadKind, ctx: CallContext, err: unknown): IpfsPinError {
  if (isIpfsPinError(err) && (err.code === 'ABORTED' || err.code === 'UPLOAD_FAILED')) return err;
  const secrets = [ctx.token, ...(ctx.secrets ?? [])];
  const text = redact(errorMessage(err), secrets);
  const inner = isIpfsPinError(err) ? err : undefined;
  return new IpfsPinError(
    'UPLOAD_FAILED',
    `${kind} upload to ${new URL(ctx.endpoint).origin} failed: ${text}`,
    {
      ...(inner?.status === undefined ? {} : { status: inner.status }),
      ...(inner?.reason === undefined ? {} : { reason: inner.reason }),
      data: { kind, ...(inner === undefined ? {} : { code: inner.code }) },
      cause: inner ?? (err instanceof Error ? new Error(text) : undefined),
    },
  );
}

/** An answer we cannot use, as UPLOAD_FAILED. */
export function badAnswer(kind: UploadKind, where: string, what: string): IpfsPinError {
  return new IpfsPinError('UPLOAD_FAILED', `${kind} upload to ${where}: ${what}`, { data: { kind } });
}
