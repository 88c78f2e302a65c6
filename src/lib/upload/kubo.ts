import { snippet } from '../psa/text.js';
import { sameCid } from '../psa/same-cid.js';
import { AttemptFailure } from '../psa/retry.js';
import { cidText, expectRoot, inlineError, jsonValues } from './answer.js';
import { isObject } from '../psa/failure.js';
import { byteProgress, carFileName, multipart } from './car-body.js';
import {
  asUploadError,
  badAnswer,
  checkUploadToken,
  parseServiceUrl,
  uploadCall,
  uploadContext,
} from './http.js';
import { call } from '../psa/retry.js';
import type { UploadConfig, Uploader, UploaderOptions } from './types.js';

/**
 * Kubo's RPC API: `POST /api/v0/dag/import?pin-roots=true` with the CAR as a multipart
 * file (written here: kubo-rpc-client's dag.import drops extra query parameters). The
 * answer streams one JSON object a line; the root's line carries `PinErrorMsg` when the
 * pin failed. An error after the 200 goes into a trailer fetch cannot read, so an answer
 * without our root counts as failed.
 */
export function createKuboUploader(config: UploadConfig, options: UploaderOptions = {}): Uploader {
  if (config.url === undefined || config.url.trim() === '')
    throw badAnswer('kubo', 'kubo', 'give the RPC API URL, e.g. http://127.0.0.1:5001');
  const url = parseServiceUrl('kubo', config.url);
  const base = url.base.replace(/\/api\/v0$/, '');
  const token = checkUploadToken('kubo', config.token);
  const auth = {
    ...(token === undefined ? {} : { token }),
    ...(url.user === undefined || token !== undefined
      ? {}
      : { basic: { user: url.user, password: url.password ?? '' } }),
  };
  const ctx = uploadContext(base, auth, options);
  const secrets = [ctx.token, ...(ctx.secrets ?? [])];
  return {
    kind: 'kubo',
    origin: new URL(base).origin,
    async upload(car, up) {
      const progress = byteProgress('kubo', car.bytes, up);
      const result = await uploadCall(
        'kubo',
        ctx,
        {
          method: 'POST',
          path: '/api/v0/dag/import',
          query: new URLSearchParams({ 'pin-roots': 'true' }).toString(),
          payload: () => multipart([], { field: 'file', filename: carFileName(up.name), car }, progress.sent),
        },
        {
          ...(up.signal === undefined ? {} : { signal: up.signal }),
          ...(up.onProgress === undefined ? {} : { onProgress: up.onProgress }),
        },
        {
          parse: (res) => {
            const values = jsonValues(res.text);
            const error = inlineError(values);
            if (error !== undefined)
              throw badAnswer('kubo', res.url, `kubo reported: ${snippet(error, secrets, 200)}`);
            const roots = values.flatMap((v) => {
              const r = isObject(v) && isObject(v['Root']) ? v['Root'] : undefined;
              const cid = r === undefined ? undefined : cidText(r['Cid']);
              return cid === undefined || r === undefined
                ? []
                : [{ cid, pinError: typeof r['PinErrorMsg'] === 'string' ? r['PinErrorMsg'] : '' }];
            });
            const root = expectRoot(
              'kubo',
              res.url,
              car.root,
              roots.map((r) => r.cid),
              secrets,
              res.text,
            );
            const ours = roots.find((r) => sameCid(r.cid, car.root));
            if (ours !== undefined && ours.pinError !== '')
              throw badAnswer(
                'kubo',
                res.url,
                `kubo took the blocks but did not pin the root: ${snippet(ours.pinError, secrets, 200)}`,
              );
            return root;
          },
        },
      );
      progress.done();
      return { root: result, pinned: true, bytes: car.bytes };
    },

    async isPinned(root, callOptions) {
      const query = new URLSearchParams({ arg: root, type: 'recursive' }).toString();
      try {
        return await call(
          {
            ...ctx,
            policy: { ...ctx.policy, maxAttempts: 1, callTimeoutMs: 60_000, requestTimeoutMs: 60_000 },
          },
          { method: 'POST', path: '/api/v0/pin/ls', query },
          { ...(callOptions.signal === undefined ? {} : { signal: callOptions.signal }) },
          {
            parse: (res) => {
              const [value] = jsonValues(res.text);
              const keys = isObject(value) && isObject(value['Keys']) ? value['Keys'] : {};
              return Object.keys(keys).some((k) => sameCid(k, root));
            },
          },
        );
      } catch (err) {
        // kubo answers 500 "... is not pinned" for a CID it holds no pin of.
        const failure = err instanceof AttemptFailure ? err.error : err;
        if (failure instanceof Error && /not pinned/i.test(failure.message)) return false;
        throw asUploadError('kubo', ctx, failure);
      }
    },
  };
}
