// A stand-in for Pinata's v3 uploads (uploads.pinata.cloud), written from its API reference
// and its SDK: `POST /v3/files` multipart (file, network, car, name, keyvalues) answering
// `{ data: { id, cid, ... } }`, and above the SDK's threshold TUS (POST with Upload-Length
// and Upload-Metadata, PATCH chunks), served by the npm @tus/server on a @tus/file-store,
// the CID in the last PATCH's `upload-cid` header. Every CAR is read block by block and kept.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { Server as TusServer } from '@tus/server';
import { FileStore } from '@tus/file-store';
import { readCar, type CarSummary } from './car-check.js';

export interface PinataUploadsOptions {
  jwt: string;
  /** Answer the first N upload requests (POST or PATCH) with this status (and Retry-After). */
  failFirst?: { count: number; status: number; retryAfter?: string };
  /** Cut the connection of the first PATCH once this many body bytes arrived (a dropped link). */
  cutFirstPatchAfter?: number;
}

export interface ReceivedCar extends CarSummary {
  via: 'multipart' | 'tus';
  bytes: Buffer;
  name: string;
  network: string;
  car: string;
  keyvalues?: string;
}

export interface PinataUploads extends AsyncDisposable {
  url: string;
  received: ReceivedCar[];
  /** Method and path of each request, in order (`HEAD /v3/files/<id>`...). */
  requests: string[];
  close(): Promise<void>;
}

export async function startPinataUploads(options: PinataUploadsOptions): Promise<PinataUploads> {
  const dir = await mkdtemp(join(tmpdir(), 'ipfs-pin-pinata-'));
  const received: ReceivedCar[] = [];
  const requests: string[] = [];
  let failuresLeft = options.failFirst?.count ?? 0;
  let patches = 0;
  const store = new FileStore({ directory: dir });
  const tus = new TusServer({
    path: '/v3/files',
    datastore: store,
    async onUploadCreate(_req, upload) {
      const meta = upload.metadata ?? {};
      if (meta['network'] !== 'public' || meta['car'] !== 'true')
        throw Object.assign(new Error('network must be public and car true'), {
          status_code: 400,
          body: '{"error":"network must be public and car true for this test"}',
        });
      return {};
    },
    async onUploadFinish(_req, upload) {
      const bytes = await readFile(join(dir, upload.id));
      const summary = await readCar(bytes);
      const meta = upload.metadata ?? {};
      received.push({
        ...summary,
        via: 'tus',
        bytes,
        name: meta['name'] ?? '',
        network: meta['network'] ?? '',
        car: meta['car'] ?? '',
        ...(meta['keyvalues'] ? { keyvalues: meta['keyvalues'] } : {}),
      });
      return { headers: { 'upload-cid': summary.roots[0] ?? '' } };
    },
  });

  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };

  const multipart = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const request = new Request('http://stand-in/v3/files', {
      method: 'POST',
      headers: req.headers as Record<string, string>,
      body: Readable.toWeb(req),
      duplex: 'half',
    });
    const form = await request.formData();
    const file = form.get('file');
    if (!(file instanceof File)) return send(res, 400, { error: 'file is required' });
    const bytes = Buffer.from(await file.arrayBuffer());
    let summary: CarSummary;
    try {
      summary = await readCar(bytes);
    } catch (err) {
      return send(res, 400, { error: `not a valid CAR: ${(err as Error).message}` });
    }
    const text = (k: string): string => String(form.get(k) ?? '');
    received.push({
      ...summary,
      via: 'multipart',
      bytes,
      name: text('name'),
      network: text('network'),
      car: text('car'),
      ...(form.get('keyvalues') === null ? {} : { keyvalues: text('keyvalues') }),
    });
    send(res, 200, {
      data: {
        id: `file-${received.length}`,
        name: text('name'),
        cid: summary.roots[0],
        size: bytes.length,
        number_of_files: 1,
        mime_type: 'application/vnd.ipld.car',
        network: text('network'),
        created_at: new Date().toISOString(),
      },
    });
  };

  const server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    void (async () => {
      if (req.headers.authorization !== `Bearer ${options.jwt}`)
        return send(res, 401, {
          error: { reason: 'INVALID_CREDENTIALS', details: 'Invalid or expired JWT' },
        });
      const upload = req.method === 'POST' || req.method === 'PATCH';
      if (upload && failuresLeft > 0) {
        failuresLeft--;
        req.resume();
        const f = options.failFirst!;
        return send(
          res,
          f.status,
          { error: 'try again' },
          f.retryAfter ? { 'retry-after': f.retryAfter } : {},
        );
      }
      if (req.method === 'POST' && req.url === '/v3/files' && !('upload-length' in req.headers))
        return multipart(req, res);
      if (req.method === 'PATCH' && patches++ === 0 && options.cutFirstPatchAfter !== undefined) {
        let seen = 0;
        const limit = options.cutFirstPatchAfter;
        req.on('data', (c: Buffer) => {
          seen += c.length;
          if (seen >= limit) req.socket.destroy();
        });
      }
      await tus.handle(req, res);
    })().catch((err: unknown) => {
      if (!res.headersSent) send(res, 500, { error: String(err) });
      else res.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const close = async (): Promise<void> => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await rm(dir, { recursive: true, force: true });
  };
  return { url: `http://127.0.0.1:${port}`, received, requests, close, [Symbol.asyncDispose]: close };
}
