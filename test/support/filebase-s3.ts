// A stand-in for Filebase's S3 API (s3.filebase.com), written from its documentation:
// PutObject with `x-amz-meta-import: car` imports the CAR into the bucket and answers its
// root in `x-amz-meta-cid`. Each request's SigV4 signature is checked by signing the same
// request again with aws4fetch's own AwsV4Signer (the keys the test gave). Failure
// answers are S3's XML errors (SignatureDoesNotMatch, InvalidAccessKeyId, NoSuchBucket,
// MissingContentLength, SlowDown).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AwsV4Signer } from 'aws4fetch';
import { readCar, type CarSummary } from './car-check.js';

export interface FilebaseS3Options {
  accessKeyId: string;
  secretAccessKey: string;
  bucket: string;
  /** Answer the first N PUTs with 503 SlowDown. */
  slowDownFirst?: number;
}

export interface StoredObject extends CarSummary {
  key: string;
  bytes: Buffer;
  contentType: string;
}

export interface FilebaseS3 extends AsyncDisposable {
  url: string;
  objects: StoredObject[];
  /** Status of each request, in order. */
  statuses: number[];
  close(): Promise<void>;
}

function s3Error(res: ServerResponse, status: number, code: string, message: string): void {
  res.writeHead(status, { 'content-type': 'application/xml' });
  res.end(
    `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>stand-in</RequestId></Error>`,
  );
}

/** Signs the request again with aws4fetch over the headers it says it signed; true when the signatures agree. */
async function signatureMatches(
  req: IncomingMessage,
  options: FilebaseS3Options,
): Promise<'ok' | 'key' | 'signature'> {
  const auth = String(req.headers.authorization ?? '');
  const m =
    /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/s3\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/.exec(
      auth,
    );
  if (m === null) return 'signature';
  if (m[1] !== options.accessKeyId) return 'key';
  const signed = (m[4] ?? '').split(';');
  const headers = new Headers();
  for (const name of signed) {
    if (name === 'host') continue;
    const value = req.headers[name];
    if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(',') : value);
  }
  const again = await new AwsV4Signer({
    method: req.method ?? 'GET',
    url: `http://${req.headers.host ?? ''}${req.url ?? '/'}`,
    headers,
    accessKeyId: options.accessKeyId,
    secretAccessKey: options.secretAccessKey,
    service: 's3',
    region: m[3] ?? 'us-east-1',
    datetime: String(req.headers['x-amz-date'] ?? ''),
  }).authHeader();
  return again === auth ? 'ok' : 'signature';
}

export async function startFilebaseS3(options: FilebaseS3Options): Promise<FilebaseS3> {
  const objects: StoredObject[] = [];
  const statuses: number[] = [];
  let slowDown = options.slowDownFirst ?? 0;
  const server = createServer((req, res) => {
    const finish = res.end.bind(res);
    res.end = ((...args: Parameters<typeof res.end>) => {
      statuses.push(res.statusCode);
      return finish(...args);
    }) as typeof res.end;
    void (async () => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const body = Buffer.concat(chunks);
      const check = await signatureMatches(req, options);
      if (check === 'key') return s3Error(res, 403, 'InvalidAccessKeyId', 'The access key does not exist.');
      if (check === 'signature')
        return s3Error(
          res,
          403,
          'SignatureDoesNotMatch',
          'The request signature we calculated does not match.',
        );
      const [, bucket, ...rest] = (req.url ?? '/').split('?')[0]!.split('/');
      if (bucket !== options.bucket)
        return s3Error(res, 404, 'NoSuchBucket', 'The specified bucket does not exist.');
      if (req.method !== 'PUT') return s3Error(res, 405, 'MethodNotAllowed', 'Only PutObject here.');
      if (req.headers['content-length'] === undefined)
        return s3Error(res, 411, 'MissingContentLength', 'You must provide the Content-Length HTTP header.');
      if (slowDown > 0) {
        slowDown--;
        return s3Error(res, 503, 'SlowDown', 'Please reduce your request rate.');
      }
      if (req.headers['x-amz-meta-import'] !== 'car')
        return s3Error(res, 400, 'InvalidRequest', 'this stand-in only takes CAR imports');
      let summary: CarSummary;
      try {
        summary = await readCar(body);
      } catch (err) {
        return s3Error(res, 400, 'InvalidRequest', `not a valid CAR: ${(err as Error).message}`);
      }
      objects.push({
        ...summary,
        key: decodeURIComponent(rest.join('/')),
        bytes: body,
        contentType: String(req.headers['content-type'] ?? ''),
      });
      res.writeHead(200, { etag: '"stand-in"', 'x-amz-meta-cid': summary.roots[0] ?? '' });
      res.end();
    })().catch((err: unknown) => {
      if (!res.headersSent) s3Error(res, 500, 'InternalError', String(err));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const close = async (): Promise<void> => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return { url: `http://127.0.0.1:${port}`, objects, statuses, close, [Symbol.asyncDispose]: close };
}
