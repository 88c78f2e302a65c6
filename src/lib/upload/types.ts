import type { CallOptions, ProgressEvent } from '../progress.js';
import type { PsaProgressEvent } from '../psa/types.js';

/** Where a service takes a CAR: IPFS Cluster's REST API, Kubo's RPC, Pinata's v3 uploads, Filebase's S3. */
export type UploadKind = 'cluster' | 'kubo' | 'pinata' | 'filebase';

export const UPLOAD_KINDS: readonly UploadKind[] = ['cluster', 'kubo', 'pinata', 'filebase'];

/** Where and how to push the CAR for one service. */
export interface UploadConfig {
  kind: UploadKind;
  /**
   * The base URL: the Cluster REST API (e.g. http://host:9094), the Kubo RPC API (e.g.
   * http://127.0.0.1:5001), Pinata's uploads (default https://uploads.pinata.cloud), or
   * Filebase's S3 endpoint (default https://s3.filebase.com). Credentials in the URL
   * (`user:pass@`) go as HTTP Basic, never printed.
   */
  url?: string;
  /**
   * Cluster and Kubo: a Bearer token (instead of Basic). Pinata: the JWT (the one of its
   * `/psa` works). Filebase: the PSA token (base64 of `KEY:SECRET:BUCKET`).
   */
  token?: string;
  /** Fail the service with UPLOAD_FAILED when the upload fails. Default false: go on by bitswap. */
  required?: boolean;
  /**
   * Give the upload up when no byte of the CAR moved for this long (ms), or, once it is all
   * sent, when the service has not answered within 5 times this long. Default 60 s.
   */
  stallMs?: number;
}

/** The CAR to push: a file the import wrote (header for `root`, every block once). */
export interface CarSource {
  root: string;
  path: string;
  bytes: number;
}

export type UploadProgressEvent =
  | PsaProgressEvent
  | ProgressEvent<'upload:bytes:sent', { service: string; kind: UploadKind; bytes: number; total: number }>;

export interface UploadOptions extends CallOptions<UploadProgressEvent> {
  /** The pin name (the CAR's file name and the service's name for it). */
  name: string;
  meta?: Record<string, string>;
  /** Label of the service, for events. */
  service: string;
}

export interface UploadResult {
  /** The root the service reported for the CAR. */
  root: string;
  /** Whether the service pinned it as part of the upload. */
  pinned: boolean;
  bytes: number;
}

export interface Uploader {
  readonly kind: UploadKind;
  /** The origin uploads go to (no credentials), for reports. */
  readonly origin: string;
  upload(car: CarSource, options: UploadOptions): Promise<UploadResult>;
  /** Kubo only: whether the root is pinned there (`pin ls`), for a service without a pinning API. */
  isPinned?(root: string, options: CallOptions<UploadProgressEvent>): Promise<boolean>;
}

export interface UploaderOptions {
  fetch?: typeof globalThis.fetch;
  /** Most attempts of one request (429, 5xx, network errors). Default 4. */
  maxAttempts?: number;
  /** Whole-upload deadline (ms), retries included. Default 30 min; the flow passes what is left. */
  timeoutMs?: number;
  random?: () => number;
  /** Pinata: CARs above this many bytes go by TUS (resumable). Default about 90 MiB, as its SDK. */
  tusAboveBytes?: number;
  /** Pinata TUS: bytes per PATCH. Default 50 MiB, as its SDK. */
  chunkBytes?: number;
}
