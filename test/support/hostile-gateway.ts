// A trustless gateway of our own on loopback that answers ?format=car with what no honest
// gateway sends: a section declaring 4 GiB and then streaming, endless tiny valid blocks,
// endless dag-pb blocks of 20,000 bogus links each, a CAR naming another root, a redirect.
// Streams go as fast as the client reads, until it hangs up.
import { createHash, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { CarWriter } from '@ipld/car/writer';
import { varint } from 'multiformats';
import { CID } from 'multiformats/cid';

export type HostileMode =
  | { kind: 'huge-section' }
  | { kind: 'tiny-blocks' }
  | { kind: 'bogus-links'; links?: number }
  /** `car` with its header rewritten to name `root` (the blocks stay those of `car`). */
  | { kind: 'wrong-root'; car: Uint8Array; root: CID }
  | { kind: 'redirect'; location: string }
  /** `car` as it is (an honest gateway). */
  | { kind: 'honest'; car: Uint8Array };

export interface HostileGateway extends AsyncDisposable {
  /** http://127.0.0.1:port, a template base (`/ipfs/{cid}/` goes after it). */
  url: string;
  /** Requests seen, and bytes written to clients. */
  readonly requests: number;
  readonly bytesSent: number;
  close(): Promise<void>;
}

/** A CARv1 header section naming `roots`. */
export async function carHeaderBytes(roots: CID[]): Promise<Uint8Array> {
  const { writer, out } = CarWriter.create(roots);
  const parts: Uint8Array[] = [];
  const collect = (async () => {
    for await (const p of out) parts.push(p);
  })();
  await writer.close();
  await collect;
  return Buffer.concat(parts);
}

/** A CAR's header section length (varint + header). */
function headerLength(car: Uint8Array): number {
  const [len, size] = varint.decode(car);
  return len + size;
}

function section(cid: Uint8Array, data: Uint8Array): Buffer {
  const len = cid.byteLength + data.byteLength;
  return Buffer.concat([varint.encodeTo(len, new Uint8Array(varint.encodingLength(len))), cid, data]);
}

/** Endless raw blocks of 16 random bytes, each a valid block of its own CID. */
function tinyBlocks(): Buffer {
  const parts: Buffer[] = [];
  for (let i = 0; i < 500; i++) {
    const data = randomBytes(16);
    const digest = createHash('sha256').update(data).digest();
    parts.push(section(Buffer.concat([Buffer.from([0x01, 0x55, 0x12, 0x20]), digest]), data));
  }
  return Buffer.concat(parts);
}

/** One dag-pb block (links only, no Data) of `n` links to random CIDv0s: valid, and linking nowhere. */
function bogusLinksBlock(n: number): Buffer {
  const link = 38; // 0x12 len { 0x0a 0x22 <0x12 0x20 digest> }
  const block = randomBytes(n * link);
  for (let i = 0; i < n; i++) {
    const at = i * link;
    block[at] = 0x12;
    block[at + 1] = 36;
    block[at + 2] = 0x0a;
    block[at + 3] = 34;
    block[at + 4] = 0x12;
    block[at + 5] = 0x20;
  }
  const digest = createHash('sha256').update(block).digest();
  return section(Buffer.concat([Buffer.from([0x01, 0x70, 0x12, 0x20]), digest]), block);
}

/** Writes `next()` until the client hangs up, waiting for the socket to drain. */
function stream(
  res: ServerResponse,
  first: Uint8Array,
  next: () => Uint8Array,
  count: (n: number) => void,
): void {
  let open = true;
  res.on('close', () => (open = false));
  const pump = (): void => {
    while (open) {
      const chunk = next();
      count(chunk.byteLength);
      if (!res.write(chunk)) {
        res.once('drain', pump);
        return;
      }
    }
  };
  count(first.byteLength);
  res.write(first);
  pump();
}

export async function startHostileGateway(mode: HostileMode): Promise<HostileGateway> {
  let requests = 0;
  let bytesSent = 0;
  const count = (n: number): void => {
    bytesSent += n;
  };
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    requests++;
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const cid = CID.parse(path.split('/')[2] ?? '');
    if (mode.kind === 'redirect') {
      res.writeHead(302, { location: mode.location }).end();
      return;
    }
    if (mode.kind === 'honest' || mode.kind === 'wrong-root') {
      void (async () => {
        const car =
          mode.kind === 'honest'
            ? mode.car
            : Buffer.concat([await carHeaderBytes([mode.root]), mode.car.subarray(headerLength(mode.car))]);
        count(car.byteLength);
        res.writeHead(200, { 'content-type': 'application/vnd.ipld.car' }).end(car);
      })();
      return;
    }
    void (async () => {
      // Every flood starts with a header naming the CID asked for, and says it sends
      // depth-first, as boxo (kubo's gateway) does.
      const header = await carHeaderBytes([cid]);
      res.writeHead(200, { 'content-type': 'application/vnd.ipld.car; version=1; order=dfs; dups=n' });
      if (mode.kind === 'huge-section') {
        const zeros = new Uint8Array(256 * 1024);
        stream(res, Buffer.concat([header, varint.encodeTo(2 ** 32, new Uint8Array(5))]), () => zeros, count);
      } else if (mode.kind === 'tiny-blocks') {
        stream(res, header, tinyBlocks, count);
      } else {
        const n = mode.links ?? 20_000;
        stream(res, header, () => bogusLinksBlock(n), count);
      }
    })();
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const close = async (): Promise<void> => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return {
    url: `http://127.0.0.1:${port}`,
    get requests() {
      return requests;
    },
    get bytesSent() {
      return bytesSent;
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
