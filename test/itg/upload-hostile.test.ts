import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUploader, importDirectory } from '../../src/lib/index.js';
import type { CarSource, IpfsPinError } from '../../src/lib/index.js';
import { makeTree } from '../support/make-tree.js';

type Handler = (req: IncomingMessage, res: ServerResponse, body: Buffer, index: number) => void;

/** A hostile upload endpoint: what no real Cluster or kubo does on demand. */
async function hostile(handler: Handler, options: { cutAfter?: number } = {}) {
  const seen: { method: string; url: string; bytes: number; auth?: string }[] = [];
  const server = createServer((req, res) => {
    const index = seen.length;
    const record = {
      method: req.method ?? '',
      url: req.url ?? '',
      bytes: 0,
      auth: req.headers.authorization,
    };
    seen.push(record);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => {
      chunks.push(c);
      record.bytes += c.length;
      if (options.cutAfter !== undefined && record.bytes >= options.cutAfter && !res.headersSent) {
        // A 500 while the CAR is still coming in, then the connection goes.
        res.writeHead(500, { 'content-type': 'application/json', connection: 'close' });
        res.end('{"code":500,"message":"disk full"}');
        req.socket.destroy();
      }
    });
    req.on('end', () => {
      if (!res.headersSent) handler(req, res, Buffer.concat(chunks), index);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    async [Symbol.asyncDispose]() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('a hostile upload endpoint', () => {
  let work: string;
  let car: CarSource;
  let carBytes: Buffer;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'ipfs-pin-upload-hostile-'));
    const site = (await makeTree({ files: 12, bytes: 400_000, parent: work })).dir;
    const path = join(work, 'site.car');
    const imported = await importDirectory(site, { car: path });
    car = { root: imported.cid.toString(), path, bytes: (await stat(path)).size };
    carBytes = await readFile(path);
  });
  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  const fail = async (url: string, kind: 'cluster' | 'kubo' = 'cluster'): Promise<IpfsPinError> => {
    const err = await createUploader({ kind, url }, { random: () => 0, maxAttempts: 2 })
      .upload(car, { name: 'site', service: 'x' })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err, 'the upload must fail').toBeDefined();
    expect(err).toMatchObject({ code: 'UPLOAD_FAILED' });
    return err as IpfsPinError;
  };

  it('an X-Stream-Error trailer after a 200 (no root in the answer) fails the upload', async () => {
    await using server = await hostile((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', trailer: 'X-Stream-Error' });
      res.write('[');
      res.addTrailers({ 'X-Stream-Error': 'error adding: more than one root' });
      res.end();
    });
    const err = await fail(server.url);
    expect(err.message).toMatch(/names no root/);
  });

  it('an X-Stream-Error header, or an error object inside a 200, fails it too', async () => {
    await using header = await hostile((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'x-stream-error': 'context canceled' });
      res.end(`[{"cid":{"/":"${car.root}"}}]`);
    });
    expect((await fail(header.url)).message).toMatch(/context canceled/);
    await using inline = await hostile((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"Message":"blockstore: write failed","Code":0,"Type":"error"}\n');
    });
    expect((await fail(inline.url, 'kubo')).message).toMatch(/blockstore: write failed/);
  });

  it('a 500 in mid-stream is retried, then reported', async () => {
    await using server = await hostile(() => undefined, { cutAfter: 64 * 1024 });
    const err = await fail(server.url);
    expect(server.seen).toHaveLength(2);
    expect(err.message).toMatch(/500|disk full|socket|other side closed|ECONNRESET|EPIPE/i);
  });

  it('garbage and a body past the cap are refused, a wrong root too', async () => {
    await using garbage = await hostile((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html><title>\u001b]0;pwned\u0007 Welcome</title></html>');
    });
    const g = await fail(garbage.url);
    expect(g.message).toMatch(/names no root/);
    expect(g.message).not.toContain('\u001b');
    await using huge = await hostile((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(Buffer.alloc(17 * 1024 * 1024, 0x20));
    });
    expect((await fail(huge.url)).message).toMatch(/larger than/);
    await using other = await hostile((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('[{"cid":{"/":"bafkqaaa"}}]');
    });
    expect((await fail(other.url)).message).toMatch(/reports root bafkqaaa, not/);
  });

  it('a redirect inward (to a link-local metadata address) is not followed, and the credentials stay home', async () => {
    await using server = await hostile((_req, res) => {
      res.writeHead(307, { location: 'http://169.254.169.254/latest/meta-data/' });
      res.end();
    });
    const url = new URL(server.url);
    url.username = 'admin';
    url.password = 'cluster-rest-pass';
    const err = await fail(url.toString());
    expect(err.message).toMatch(/another origin/);
    expect(JSON.stringify(err) + err.message).not.toContain('cluster-rest-pass');
    expect(server.seen).toHaveLength(1);
  });

  it('a TUS Location pointing inward (Pinata above the threshold) is not followed, and no byte goes there', async () => {
    await using server = await hostile((_req, res) => {
      res.writeHead(201, { location: 'http://169.254.169.254/v3/files/abc', 'tus-resumable': '1.0.0' });
      res.end();
    });
    const err = await createUploader(
      { kind: 'pinata', url: server.url, token: 'pinata-jwt-0123456789' },
      { tusAboveBytes: 0 },
    )
      .upload(car, { name: 'site', service: 'x' })
      .catch((e: unknown) => e as IpfsPinError);
    expect(err).toMatchObject({ code: 'UPLOAD_FAILED' });
    expect((err as IpfsPinError).message).toMatch(/another origin/);
    expect(server.seen.map((s) => s.method)).toEqual(['POST']);
  });

  it('a same-origin 307 is followed with the whole CAR sent again', async () => {
    await using server = await hostile((req, res, body) => {
      if (req.url?.startsWith('/add')) {
        res.writeHead(307, { location: '/v2/add?format=car' });
        res.end();
        return;
      }
      // The multipart body holds the CAR whole: the stream was made afresh for this hop.
      const ok = body.includes(carBytes);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(ok ? `[{"cid":{"/":"${car.root}"}}]` : '[]');
    });
    const result = await createUploader({ kind: 'cluster', url: server.url }).upload(car, {
      name: 'site',
      service: 'x',
    });
    expect(result.root).toBe(car.root);
    expect(server.seen.map((s) => s.url.split('?')[0])).toEqual(['/add', '/v2/add']);
  });
});
