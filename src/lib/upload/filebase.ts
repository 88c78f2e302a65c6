import { AwsV4Signer } from 'aws4fetch';
import { IpfsPinError } from '../errors.js';
import { snippet } from '../psa/text.js';
import { expectRoot } from './answer.js';
import { byteProgress, carFileName, streamParts } from './car-body.js';
import { badAnswer, parseServiceUrl, uploadCall, uploadContext } from './http.js';
import type { UploadConfig, Uploader, UploaderOptions } from './types.js';

export const FILEBASE_S3 = 'https://s3.filebase.com';

export interface FilebaseKeys {
  accessKeyId: string;
  secretAccessKey: string;
  bucket: string;
}

/**
 * Filebase's PSA token is base64 of `KEY:SECRET:BUCKET`: the S3 keys and the bucket the
 * pins go to. Undefined when the token is not of that form (a newer token, or another).
 */
export function filebaseKeys(token: string | undefined): FilebaseKeys | undefined {
  if (token === undefined) return undefined;
  const clean = token.trim().replace(/^bearer\s+/i, '');
  if (!/^[A-Za-z0-9+/=_-]+$/.test(clean)) return undefined;
  const text = Buffer.from(clean, 'base64').toString('utf8');
  const parts = text.split(':');
  if (parts.length !== 3 || parts.some((p) => p === '' || !/^[\x21-\x7e]+$/.test(p))) return undefined;
  const [accessKeyId = '', secretAccessKey = '', bucket = ''] = parts;
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) return undefined;
  return { accessKeyId, secretAccessKey, bucket };
}

/**
 * Filebase's S3 API: `PutObject` with `x-amz-meta-import: car` imports the CAR into the
 * bucket (which pins it) and answers the root in `x-amz-meta-cid`. Signed with SigV4 by
 * aws4fetch over the final URL and headers (the payload unsigned: it streams from disk).
 * The keys come from the PSA token (base64 `KEY:SECRET:BUCKET`), or from the URL
 * (`https://KEY:SECRET@s3.filebase.com/BUCKET`).
 */
export function createFilebaseUploader(config: UploadConfig, options: UploaderOptions = {}): Uploader {
  const url = parseServiceUrl('filebase', config.url ?? FILEBASE_S3);
  const origin = new URL(url.base).origin;
  let keys = filebaseKeys(config.token);
  if (keys === undefined && url.user !== undefined && url.password !== undefined) {
    const bucket = new URL(url.base).pathname.split('/').filter((s) => s !== '')[0];
    if (bucket !== undefined) keys = { accessKeyId: url.user, secretAccessKey: url.password, bucket };
  }
  if (keys === undefined)
    throw new IpfsPinError(
      'INVALID_INPUT',
      'upload filebase: give the PSA token (base64 of KEY:SECRET:BUCKET) or the URL https://KEY:SECRET@s3.filebase.com/BUCKET',
    );
  const k = keys;
  const ctx = uploadContext(
    origin,
    {
      secrets: [config.token, k.secretAccessKey, k.accessKeyId],
      authorize: async (target, method, headers) => {
        const signed = await new AwsV4Signer({
          method,
          url: target.toString(),
          headers,
          accessKeyId: k.accessKeyId,
          secretAccessKey: k.secretAccessKey,
          service: 's3',
          region: 'us-east-1',
        }).sign();
        for (const [name, value] of signed.headers) headers.set(name, value);
      },
    },
    options,
  );
  const secrets = [ctx.token, ...(ctx.secrets ?? [])];
  return {
    kind: 'filebase',
    origin,
    async upload(car, up) {
      const progress = byteProgress('filebase', car.bytes, up);
      const key = carFileName(up.name);
      const root = await uploadCall(
        'filebase',
        ctx,
        {
          method: 'PUT',
          path: `/${k.bucket}/${key}`,
          payload: () => {
            const { body, length } = streamParts(
              [{ path: car.path, start: 0, end: car.bytes }],
              progress.sent,
            );
            return {
              body,
              headers: {
                'content-type': 'application/vnd.ipld.car',
                'content-length': String(length),
                'x-amz-meta-import': 'car',
              },
            };
          },
        },
        {
          ...(up.signal === undefined ? {} : { signal: up.signal }),
          ...(up.onProgress === undefined ? {} : { onProgress: up.onProgress }),
        },
        {
          parse: (res) => {
            const cid = res.headers.get('x-amz-meta-cid');
            if (cid === null || cid === '')
              throw badAnswer(
                'filebase',
                res.url,
                `HTTP ${res.status} without x-amz-meta-cid: the bucket did not import the CAR (${snippet(res.text, secrets, 120) || 'empty body'})`,
              );
            return expectRoot('filebase', res.url, car.root, [cid], secrets, cid);
          },
        },
      );
      progress.done();
      return { root, pinned: true, bytes: car.bytes };
    },
  };
}
