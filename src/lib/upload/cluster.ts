import { IpfsPinError } from '../errors.js';
import { snippet } from '../psa/text.js';
import { cidText, expectRoot, inlineError, jsonValues } from './answer.js';
import { isObject } from '../psa/failure.js';
import { byteProgress, carFileName, multipart } from './car-body.js';
import { badAnswer, checkUploadToken, parseServiceUrl, uploadCall, uploadContext } from './http.js';
import type { UploadConfig, Uploader, UploaderOptions } from './types.js';

/**
 * What the cluster's `/add` takes for the pin it makes, from the upload URL's query:
 * `?replication-min=2&replication-max=3&expire-in=720h`.
 */
export const CLUSTER_OPTIONS = ['replication-min', 'replication-max', 'expire-in'] as const;

/** Go's time.ParseDuration syntax, positive: `720h`, `1h30m`, `90s`. */
const GO_DURATION = /^(?:\d+(?:\.\d+)?(?:ns|us|\u00b5s|ms|s|m|h))+$/;

function clusterPinOptions(given: Map<string, string>): [string, string][] {
  const out: [string, string][] = [];
  for (const [key, value] of given) {
    if (key === 'expire-in') {
      if (!GO_DURATION.test(value))
        throw new IpfsPinError(
          'INVALID_INPUT',
          'upload cluster: expire-in is a duration such as 720h, 1h30m or 90s',
        );
    } else if (!/^(?:-1|\d{1,4})$/.test(value)) {
      throw new IpfsPinError(
        'INVALID_INPUT',
        `upload cluster: ${key} is a whole number of peers (-1: every peer, 0: the cluster's default)`,
      );
    }
    out.push([key, value]);
  }
  const min = given.get('replication-min');
  const max = given.get('replication-max');
  if (
    min !== undefined &&
    max !== undefined &&
    Number(min) > 0 &&
    Number(max) > 0 &&
    Number(min) > Number(max)
  )
    throw new IpfsPinError('INVALID_INPUT', 'upload cluster: replication-min is above replication-max');
  return out;
}

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
  const url = parseServiceUrl('cluster', config.url, CLUSTER_OPTIONS);
  const pinOptions = clusterPinOptions(url.options);
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
      for (const [key, value] of pinOptions) query.set(key, value);
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
