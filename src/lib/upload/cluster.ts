import { snippet } from '../psa/text.js';
import { cidText, expectRoot, inlineError, jsonValues } from './answer.js';
import { isObject } from '../psa/failure.js';
import { byteProgress, carFileName, multipart } from './car-body.js';
import { badAnswer, checkUploadToken, parseServiceUrl, uploadCall, uploadContext } from './http.js';
import type { UploadConfig, Uploader, UploaderOptions } from './types.js';

/**
 * IPFS Cluster's REST API (default port 9094): `POST /add?format=car&local=true` with the
 * CAR as a multipart file. `stream-channels=false` makes the cluster buffer its output and
 * answer an error with a 500 and a JSON body, instead of a 200 whose error comes in an
 * `X-Stream-Error` trailer (which fetch cannot read). The answer must still name our root:
 * one that does not is a failed upload, whatever its status.
 */
export function createClusterUploader(config: UploadConfig, options: UploaderOptions = {}): Uploader {
  if (config.url === undefined || config.url.trim() === '')
    throw badAnswer('cluster', 'the cluster', 'give the REST API URL, e.g. http://user:password@host:9094');
  const url = parseServiceUrl('cluster', config.url);
  const token = checkUploadToken('cluster', config.token);
  const ctx = uploadContext(
    url.base,
    {
      ...(token === undefined ? {} : { token }),
      ...(url.user === undefined || token !== undefined
        ? {}
        : { basic: { user: url.user, password: url.password ?? '' } }),
    },
    options,
  );
  const origin = new URL(url.base).origin;
  return {
    kind: 'cluster',
    origin,
    async upload(car, up) {
      const query = new URLSearchParams({
        format: 'car',
        local: 'true',
        'stream-channels': 'false',
        name: up.name,
      });
      for (const [key, value] of Object.entries(up.meta ?? {})) query.set(`meta-${key}`, value);
      const progress = byteProgress('cluster', car.bytes, up);
      const secrets = [ctx.token, ...(ctx.secrets ?? [])];
      const root = await uploadCall(
        'cluster',
        ctx,
        {
          method: 'POST',
          path: '/add',
          query: query.toString(),
          payload: () => multipart([], { field: 'file', filename: carFileName(up.name), car }, progress.sent),
        },
        {
          ...(up.signal === undefined ? {} : { signal: up.signal }),
          ...(up.onProgress === undefined ? {} : { onProgress: up.onProgress }),
        },
        {
          parse: (res) => {
            const streamError = res.headers.get('x-stream-error');
            if (streamError !== null && streamError !== '')
              throw badAnswer(
                'cluster',
                res.url,
                `the cluster reported: ${snippet(streamError, secrets, 200)}`,
              );
            const values = jsonValues(res.text);
            const error = inlineError(values);
            if (error !== undefined)
              throw badAnswer('cluster', res.url, `the cluster reported: ${snippet(error, secrets, 200)}`);
            const seen = values.flatMap((v) => {
              const cid = isObject(v) ? cidText(v['cid']) : undefined;
              return cid === undefined ? [] : [cid];
            });
            return expectRoot('cluster', res.url, car.root, seen, secrets, res.text);
          },
        },
      );
      progress.done();
      return { root, pinned: true, bytes: car.bytes };
    },
  };
}
