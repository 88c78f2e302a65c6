import type { components } from './generated/schema.js';
import type { CallOptions, ProgressEvent } from '../progress.js';

export type Pin = components['schemas']['Pin'];
export type PinStatus = components['schemas']['PinStatus'];
export type PinResults = components['schemas']['PinResults'];
/** The four statuses of the spec. Services may send others: see `PinStatusValue`. */
export type Status = components['schemas']['Status'];
export type TextMatchingStrategy = components['schemas']['TextMatchingStrategy'];

export interface ListQuery {
  cid?: string[];
  name?: string;
  match?: TextMatchingStrategy;
  /** Default on the wire is pinned only (spec); pass every status you want. */
  status?: Status[];
  before?: string | Date;
  after?: string | Date;
  /** Page size asked of the service (1..1000). Services may ignore it. */
  limit?: number;
  meta?: Record<string, string>;
}

export type PsaProgressEvent =
  | ProgressEvent<
      'psa:request:retry',
      { method: string; path: string; attempt: number; delayMs: number; status?: number; code: string }
    >
  | ProgressEvent<
      'psa:request:done',
      /** `sentAt`: when the attempt went out, after the request budget's wait (ms since the epoch). */
      { method: string; path: string; status: number; sentAt: number; ms: number }
    >;

export type PsaCallOptions = CallOptions<PsaProgressEvent>;

export interface PinningClientOptions {
  /** Base URL of the service, e.g. https://api.pinata.cloud/psa (no trailing /pins). */
  endpoint: string;
  /** Bearer token. Never logged, never put in an error. Optional: some self-hosted services need none. */
  token?: string;
  /** Injected fetch (default: global fetch). */
  fetch?: typeof globalThis.fetch;
  /** Deadline for one call, retries included (ms); for `list`, for each page. Default 60 s. */
  callTimeoutMs?: number;
  /** Deadline for one HTTP attempt (ms). Default 30 s. */
  requestTimeoutMs?: number;
  /** Most attempts for one call. Default 6. */
  maxAttempts?: number;
  /** First retry delay (ms). Default 500. */
  retryBaseMs?: number;
  /** Largest retry delay (ms). Default 30 s. */
  retryMaxMs?: number;
  /** Least time between two requests to this service (ms): a request budget. Default 0. */
  minIntervalMs?: number;
  /**
   * Requests that may go back to back within the budget, as from an idle start: then one
   * per `minIntervalMs` again (a token bucket of this size). Default 1: every request
   * `minIntervalMs` after the one before.
   */
  burst?: number;
  /** Source of randomness for jitter (tests). */
  random?: () => number;
}

export interface PinningClient {
  readonly endpoint: string;
  add(pin: Pin, options?: PsaCallOptions): Promise<PinStatus>;
  get(requestid: string, options?: PsaCallOptions): Promise<PinStatus>;
  list(query?: ListQuery, options?: PsaCallOptions): AsyncIterable<PinStatus>;
  replace(requestid: string, pin: Pin, options?: PsaCallOptions): Promise<PinStatus>;
  remove(requestid: string, options?: PsaCallOptions): Promise<void>;
}
