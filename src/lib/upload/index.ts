import { IpfsPinError } from '../errors.js';
import { createClusterUploader } from './cluster.js';
import { createKuboUploader } from './kubo.js';
import { createPinataUploader } from './pinata.js';
import { createFilebaseUploader, filebaseKeys } from './filebase.js';
import { UPLOAD_KINDS } from './types.js';
import type { UploadConfig, UploadKind, Uploader, UploaderOptions } from './types.js';

export type {
  CarSource,
  UploadConfig,
  UploadKind,
  UploadOptions,
  UploadProgressEvent,
  UploadResult,
  Uploader,
  UploaderOptions,
} from './types.js';
export { UPLOAD_KINDS } from './types.js';

/** One adapter for the service kind. Throws INVALID_INPUT for a malformed URL or token. */
export function createUploader(config: UploadConfig, options: UploaderOptions = {}): Uploader {
  switch (config.kind) {
    case 'cluster':
      return createClusterUploader(config, options);
    case 'kubo':
      return createKuboUploader(config, options);
    case 'pinata':
      return createPinataUploader(config, options);
    case 'filebase':
      return createFilebaseUploader(config, options);
    default:
      throw new IpfsPinError(
        'INVALID_INPUT',
        `upload kind '${String(config.kind)}' is not one of ${UPLOAD_KINDS.join(', ')}`,
      );
  }
}

export function isUploadKind(text: string): text is UploadKind {
  return (UPLOAD_KINDS as readonly string[]).includes(text);
}

/**
 * `KIND:URL` (e.g. `cluster:http://user:pass@host:9094`, `kubo:http://127.0.0.1:5001`), or a
 * bare `pinata` / `filebase` for their public endpoints; `auto` and `off` pass through.
 * The message never repeats the URL (it may hold a password).
 */
export function parseUploadSpec(text: string): UploadConfig | 'auto' | 'off' {
  const t = text.trim();
  if (t === 'auto' || t === 'off') return t;
  const at = t.indexOf(':');
  const kind = at === -1 ? t : t.slice(0, at);
  const url = at === -1 ? '' : t.slice(at + 1).trim();
  if (!isUploadKind(kind))
    throw new IpfsPinError(
      'INVALID_INPUT',
      `upload: '${kind}' is not one of auto, off, ${UPLOAD_KINDS.map((k) => `${k}:URL`).join(', ')} (e.g. cluster:http://user:password@host:9094)`,
    );
  if (url === '' && (kind === 'cluster' || kind === 'kubo'))
    throw new IpfsPinError('INVALID_INPUT', `upload: ${kind} needs its URL: ${kind}:http://host:port`);
  return url === '' ? { kind } : { kind, url };
}

/**
 * What `auto` means for a service: an upload where the endpoint is one whose uploads we
 * know and the token can be used for them (Pinata's `/psa` JWT works for its v3 uploads,
 * Filebase's legacy token is base64 of `KEY:SECRET:BUCKET`);
 * none otherwise (bitswap only). A token without the upload scope makes the upload fail
 * with a warning, and bitswap carries on.
 */
export function autoUpload(
  endpoint: string | undefined,
  token: string | undefined,
): UploadConfig | undefined {
  if (endpoint === undefined || token === undefined || token.trim() === '') return undefined;
  let url: URL;
  try {
    url = new URL(endpoint.trim());
  } catch {
    return undefined;
  }
  const host = url.hostname.toLowerCase();
  if (url.protocol === 'https:' && host === 'api.pinata.cloud') return { kind: 'pinata', token };
  // Filebase's legacy PSA token holds the S3 keys and the bucket; a newer one does not.
  if (url.protocol === 'https:' && host === 'api.filebase.io' && filebaseKeys(token) !== undefined)
    return { kind: 'filebase', token };
  return undefined;
}
