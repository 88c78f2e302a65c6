import { CarBufferReader } from '@ipld/car/buffer-reader';
import { varint } from 'multiformats';
import { CID } from 'multiformats/cid';
import { formatBytes } from '../util/format.js';
import { errorMessage } from '../errors.js';

/** The largest block a peer sends or takes over bitswap (and the importer makes far smaller ones). */
export const MAX_BLOCK_BYTES = 2 * 1024 * 1024;
/** A CID's bytes at most: version, codec and a multihash of up to 64 bytes, with their varints. */
export const MAX_CID_BYTES = 96;
/** A section (CID + block) at most. */
export const MAX_SECTION_BYTES = MAX_BLOCK_BYTES + MAX_CID_BYTES;
/** A CARv1 header naming one root takes some 60 bytes; a few roots more are fine. */
export const MAX_HEADER_BYTES = 4096;
/** A varint longer than this (2^56 and up) is no length we could take anyway. */
const MAX_VARINT_BYTES = 8;

export interface CarLimits {
  /** Bytes of the whole answer at most (header and every section). */
  maxBytes: number;
}

export interface CarBlock {
  cid: CID;
  bytes: Uint8Array;
}

export interface BoundedCar {
  version: number;
  roots: CID[];
  /** The blocks in the order they came. Stop early with `return()` (the source is left unread). */
  blocks: AsyncGenerator<CarBlock, void, undefined>;
  /** Bytes read so far. */
  readonly bytesRead: number;
  /** Stops reading and cancels the source (call it whatever happened). */
  close(): Promise<void>;
}

/** Why a CAR was refused, in words for the user (a plain Error: the caller decides the code). */
export class CarLimitError extends Error {
  override name = 'CarLimitError';
}

/**
 * Reads a CARv1 from a stream with nothing unbounded in memory: a section's declared length is
 * checked before a byte of it is buffered (a block over 2 MiB + its CID is refused), the
 * header must be small, and the whole answer must stay within `limits.maxBytes`. Only one
 * section is held at a time. Throws CarLimitError naming what was wrong.
 */
export async function readBoundedCar(
  source: AsyncIterable<Uint8Array>,
  limits: CarLimits,
): Promise<BoundedCar> {
  const input = source[Symbol.asyncIterator]();
  const queue: Uint8Array[] = [];
  let buffered = 0;
  let bytesRead = 0;
  let ended = false;

  /** Pulls chunks until `n` bytes are buffered; false if the stream ended before. */
  const fill = async (n: number): Promise<boolean> => {
    while (buffered < n) {
      if (ended) return false;
      const step = await input.next();
      if (step.done === true) {
        ended = true;
        return false;
      }
      const chunk = step.value;
      if (chunk.byteLength === 0) continue;
      bytesRead += chunk.byteLength;
      if (bytesRead > limits.maxBytes)
        throw new CarLimitError(
          `the gateway's CAR is larger than ${formatBytes(limits.maxBytes)}, more than the DAG can take`,
        );
      queue.push(chunk);
      buffered += chunk.byteLength;
    }
    return true;
  };

  /** The first `n` bytes (n <= buffered), removed from the queue. */
  const take = (n: number): Uint8Array => {
    const out = new Uint8Array(n);
    let at = 0;
    while (at < n) {
      const head = queue[0]!;
      const part = Math.min(n - at, head.byteLength);
      out.set(head.subarray(0, part), at);
      at += part;
      if (part === head.byteLength) queue.shift();
      else queue[0] = head.subarray(part);
    }
    buffered -= n;
    return out;
  };

  /** A section's length, or undefined at a clean end of the stream. */
  const readLength = async (
    what: string,
  ): Promise<{ length: number; varintBytes: Uint8Array } | undefined> => {
    if (!(await fill(1))) return undefined;
    const bytes: number[] = [];
    for (;;) {
      if (!(await fill(1))) throw new CarLimitError(`the gateway's CAR ended inside the length of ${what}`);
      const b = take(1)[0]!;
      bytes.push(b);
      if ((b & 0x80) === 0) break;
      if (bytes.length >= MAX_VARINT_BYTES)
        throw new CarLimitError(`the gateway's CAR declared a length of ${what} over 2^56 bytes`);
    }
    const varintBytes = Uint8Array.from(bytes);
    const [length] = varint.decode(varintBytes);
    return { length, varintBytes };
  };

  const readSection = async (length: number, what: string): Promise<Uint8Array> => {
    if (!(await fill(length)))
      throw new CarLimitError(
        `the gateway's CAR ended inside ${what} (${formatBytes(buffered)} of the ${formatBytes(length)} it declared)`,
      );
    return take(length);
  };

  let version: number;
  let roots: CID[];
  try {
    ({ version, roots } = await readHeader());
  } catch (err) {
    await input.return?.().catch(() => undefined);
    throw err;
  }

  async function readHeader(): Promise<{ version: number; roots: CID[] }> {
    const head = await readLength('the header');
    if (head === undefined) throw new CarLimitError('the gateway answered with an empty body, not a CAR');
    if (head.length === 0 || head.length > MAX_HEADER_BYTES)
      throw new CarLimitError(
        `the gateway's CAR declared a ${formatBytes(head.length)} header; at most ${formatBytes(MAX_HEADER_BYTES)} is allowed`,
      );
    const headerBytes = await readSection(head.length, 'the header');
    try {
      const header = CarBufferReader.fromBytes(concat(head.varintBytes, headerBytes));
      return { version: header.version, roots: header.getRoots() };
    } catch (err) {
      throw new CarLimitError(`the gateway's answer does not start with a CAR header (${errorMessage(err)})`);
    }
  }

  async function* blocks(): AsyncGenerator<CarBlock, void, undefined> {
    try {
      for (;;) {
        const section = await readLength('a block');
        if (section === undefined) return;
        if (section.length > MAX_SECTION_BYTES)
          throw new CarLimitError(
            `the gateway's CAR declared a ${formatBytes(section.length)} section; at most ${formatBytes(MAX_BLOCK_BYTES)} + CID is allowed`,
          );
        const bytes = await readSection(section.length, 'a block');
        let cid: CID;
        let data: Uint8Array;
        try {
          [cid, data] = CID.decodeFirst(bytes);
        } catch (err) {
          throw new CarLimitError(
            `the gateway's CAR holds a section that does not start with a CID (${errorMessage(err)})`,
          );
        }
        if (data.byteLength > MAX_BLOCK_BYTES)
          throw new CarLimitError(
            `the gateway's CAR holds a ${formatBytes(data.byteLength)} block ${cid.toString()}; at most ${formatBytes(MAX_BLOCK_BYTES)} is allowed`,
          );
        yield { cid, bytes: data };
      }
    } finally {
      queue.length = 0;
      await input.return?.().catch(() => undefined);
    }
  }

  return {
    version,
    roots,
    blocks: blocks(),
    get bytesRead() {
      return bytesRead;
    },
    async close() {
      queue.length = 0;
      await input.return?.().catch(() => undefined);
    },
  };
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.byteLength + b.byteLength);
  out.set(a, 0);
  out.set(b, a.byteLength);
  return out;
}
