import { IpfsPinError } from '../errors.js';
import { AttemptFailure } from '../psa/retry.js';
import { sameService } from '../util/redirect.js';
import { snippet } from '../psa/text.js';
import { cidText, expectRoot, jsonValues } from './answer.js';
import { isObject } from '../psa/failure.js';
import { byteProgress, carFileName, multipart, streamParts } from './car-body.js';
import { badAnswer, checkUploadToken, parseServiceUrl, uploadCall, uploadContext } from './http.js';
import type { CarSource, UploadConfig, UploadOptions, Uploader, UploaderOptions } from './types.js';

export const PINATA_UPLOADS = 'https://uploads.pinata.cloud';
/** Pinata's SDK switches to TUS above this size (90 MiB). */
export const PINATA_TUS_ABOVE = 94_371_840;
/** The SDK's PATCH size. */
export const PINATA_CHUNK = 50 * 1024 * 1024;

/**
 * Pinata's v3 uploads (`POST /v3/files`), with the same JWT as its `/psa`: multipart with
 * `network=public` (the default is private, which no gateway serves), `car=true` (the CAR
 * is unpacked, its root is the file's CID), `name` and `keyvalues`. Above about 90 MiB
 * as Pinata's SDK does: TUS (`POST` with `Upload-Length` and `Upload-Metadata`, then
 * `PATCH` chunks; the CID comes in the last answer's `upload-cid`), resumed from the
 * server's `Upload-Offset` (a `HEAD`) after a chunk that failed midway.
 */
export function createPinataUploader(config: UploadConfig, options: UploaderOptions = {}): Uploader {
  const url = parseServiceUrl('pinata', config.url ?? PINATA_UPLOADS);
  const token = checkUploadToken('pinata', config.token);
  if (token === undefined)
    throw new IpfsPinError(
      'INVALID_INPUT',
      'upload pinata: give the Pinata JWT (the token of its /psa works)',
    );
  const base = url.base.replace(/\/v3(\/files)?$/, '');
  const ctx = uploadContext(base, { token }, options);
  const secrets = [ctx.token, ...(ctx.secrets ?? [])];
  const tusAbove = options.tusAboveBytes ?? PINATA_TUS_ABOVE;
  const chunkBytes = Math.max(1, options.chunkBytes ?? PINATA_CHUNK);
  const callOptions = (up: UploadOptions) => ({
    ...(up.signal === undefined ? {} : { signal: up.signal }),
    ...(up.onProgress === undefined ? {} : { onProgress: up.onProgress }),
  });

  const viaMultipart = async (car: CarSource, up: UploadOptions): Promise<string> => {
    const progress = byteProgress('pinata', car.bytes, up);
    const fields: [string, string][] = [
      ['network', 'public'],
      ['car', 'true'],
      ['name', up.name],
    ];
    if (up.meta !== undefined && Object.keys(up.meta).length > 0)
      fields.push(['keyvalues', JSON.stringify(up.meta)]);
    const root = await uploadCall(
      'pinata',
      ctx,
      {
        method: 'POST',
        path: '/v3/files',
        payload: () =>
          multipart(fields, { field: 'file', filename: carFileName(up.name), car }, progress.sent),
      },
      callOptions(up),
      {
        parse: (res) => {
          const [value] = jsonValues(res.text);
          const data = isObject(value) && isObject(value['data']) ? value['data'] : undefined;
          const cid = data === undefined ? undefined : cidText(data['cid']);
          return expectRoot('pinata', res.url, car.root, cid === undefined ? [] : [cid], secrets, res.text);
        },
      },
    );
    progress.done();
    return root;
  };

  const viaTus = async (car: CarSource, up: UploadOptions): Promise<string> => {
    const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');
    const metadata = [
      `filename ${b64(carFileName(up.name))}`,
      `filetype ${b64('application/vnd.ipld.car')}`,
      `network ${b64('public')}`,
      `car ${b64('true')}`,
      `name ${b64(up.name)}`,
      ...(up.meta !== undefined && Object.keys(up.meta).length > 0
        ? [`keyvalues ${b64(JSON.stringify(up.meta))}`]
        : []),
    ].join(',');
    const tus = { 'tus-resumable': '1.0.0' };
    const location = await uploadCall(
      'pinata',
      ctx,
      {
        method: 'POST',
        path: '/v3/files',
        headers: { ...tus, 'upload-length': String(car.bytes), 'upload-metadata': metadata },
      },
      callOptions(up),
      {
        parse: (res) => {
          const where = res.headers.get('location');
          if (where === null || where === '')
            throw badAnswer(
              'pinata',
              res.url,
              `HTTP ${res.status} without a Location: no TUS upload was created`,
            );
          let next: URL;
          try {
            next = new URL(where, `${base}/v3/files`);
          } catch {
            throw badAnswer('pinata', res.url, 'the TUS Location is not a URL');
          }
          // The upload URL is the service's own, never an address it names elsewhere.
          if (!sameService(next, new URL(base).origin))
            throw badAnswer(
              'pinata',
              res.url,
              `the TUS Location points to another origin (${snippet(next.origin, secrets, 100)}): not followed`,
            );
          return `${next.pathname}${next.search}`;
        },
      },
    );
    const progress = byteProgress('pinata', car.bytes, up);
    let offset = 0;
    let cid: string | undefined;
    while (offset < car.bytes) {
      const end = Math.min(car.bytes, offset + chunkBytes);
      const done = await uploadCall(
        'pinata',
        ctx,
        {
          method: 'PATCH',
          path: location,
          payload: () => {
            const from = offset;
            const { body, length } = streamParts([{ path: car.path, start: from, end }], (n) =>
              progress.sent(from + n),
            );
            return {
              body,
              headers: {
                ...tus,
                'upload-offset': String(from),
                'content-type': 'application/offset+octet-stream',
                'content-length': String(length),
              },
            };
          },
        },
        callOptions(up),
        {
          parse: (res) => ({
            offset: serverOffset(res.headers, res.url),
            cid: res.headers.get('upload-cid'),
          }),
          // A chunk that failed midway: ask where the server got to, and go on from there.
          recover: async (scope) => {
            let head;
            try {
              head = await scope.exchange({ method: 'HEAD', path: location, headers: tus });
            } catch (err) {
              if (err instanceof AttemptFailure && err.error.status === 404)
                throw badAnswer('pinata', base, 'the TUS upload is gone (404 on HEAD): it cannot be resumed');
              throw err;
            }
            const at = serverOffset(head.headers, head.url);
            if (at >= end) return { offset: at, cid: head.headers.get('upload-cid') };
            offset = at;
            return undefined;
          },
        },
      );
      if (done.offset <= offset)
        throw badAnswer('pinata', base, `the TUS upload did not advance past byte ${offset}`);
      offset = done.offset;
      if (done.cid !== null && done.cid !== '') cid = done.cid;
    }
    progress.done();
    return expectRoot('pinata', base, car.root, cid === undefined ? [] : [cid], secrets, cid ?? '');
  };

  return {
    kind: 'pinata',
    origin: new URL(base).origin,
    async upload(car, up) {
      const root = car.bytes > tusAbove ? await viaTus(car, up) : await viaMultipart(car, up);
      return { root, pinned: true, bytes: car.bytes };
    },
  };
}

function serverOffset(headers: Headers, where: string): number {
  const raw = headers.get('upload-offset');
  const n = raw === null ? Number.NaN : Number(raw);
  if (!Number.isSafeInteger(n) || n < 0)
    throw badAnswer('pinata', where, 'the TUS answer has no valid Upload-Offset');
  return n;
}
