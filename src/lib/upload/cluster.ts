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

/** One term of Go's time.ParseDuration: a decimal number and a unit. */
const GO_DURATION_TERM = /(\d+\.?\d*|\.\d+)(ns|us|\u00b5s|\u03bcs|ms|s|m|h)/gy;
const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  '\u00b5s': 1e-3,
  '\u03bcs': 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/** Go's duration syntax (`720h`, `1h30m`, `1.5h`), in ms; undefined when it is not one. */
export function goDurationMs(text: string): number | undefined {
  if (text === '') return undefined;
  GO_DURATION_TERM.lastIndex = 0;
  let total = 0;
  let at = 0;
  for (let m = GO_DURATION_TERM.exec(text); m !== null; m = GO_DURATION_TERM.exec(text)) {
    total += Number(m[1]) * (UNIT_MS[m[2] ?? ''] ?? Number.NaN);
    at = GO_DURATION_TERM.lastIndex;
  }
  return at === text.length && Number.isFinite(total) ? total : undefined;
}

/**
 * The URL's pin options, checked by the rules the cluster applies (api.PinOptions and
 * isReplicationFactorValid in ipfs-cluster 1.1.5), so a value it would refuse fails here,
 * before the import: both replication factors or neither, both -1 (every peer) or both
 * whole numbers of peers with min <= max; an expiry of 1 s or more.
 */
function clusterPinOptions(given: Map<string, string>): [string, string][] {
  const fail = (why: string): never => {
    throw new IpfsPinError('INVALID_INPUT', `upload cluster: ${why}`);
  };
  const expireIn = given.get('expire-in');
  if (expireIn !== undefined) {
    const ms = goDurationMs(expireIn);
    if (ms === undefined) fail('expire-in is a duration such as 720h, 1h30m or 90s');
    if ((ms ?? 0) < 1000) fail('expire-in must be 1s or more (the cluster refuses less)');
  }
  const min = given.get('replication-min');
  const max = given.get('replication-max');
  if ((min === undefined) !== (max === undefined))
    fail(
      'give replication-min and replication-max together (the cluster pairs the one given with its default)',
    );
  if (min !== undefined && max !== undefined) {
    const peers = (v: string): number => (/^(?:-1|[1-9]\d{0,3})$/.test(v) ? Number(v) : Number.NaN);
    const [lo, hi] = [peers(min), peers(max)];
    if (Number.isNaN(lo) || Number.isNaN(hi))
      fail('replication-min and replication-max are whole numbers of peers from 1, or -1 for every peer');
    if ((lo === -1) !== (hi === -1)) fail('replication-min and replication-max must both be -1 when one is');
    if (lo > hi) fail('replication-min is above replication-max');
  }
  return [...given];
}

/** Whether a cluster upload URL sets pin options (then only the upload can honour them). */
export function clusterUrlSetsPinOptions(url: string | undefined): boolean {
  if (url === undefined) return false;
  try {
    const params = new URL(url.trim()).searchParams;
    return CLUSTER_OPTIONS.some((key) => params.has(key));
  } catch {
    return false;
  }
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
