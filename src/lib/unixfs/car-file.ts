import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { CarWriter } from '@ipld/car/writer';
import * as dagPb from '@ipld/dag-pb';
import { varint } from 'multiformats';
import { CID } from 'multiformats/cid';
import { create as digest } from 'multiformats/hashes/digest';
import { IpfsPinError } from '../errors.js';
import type { BlockSink } from './types.js';

/**
 * Writes the import as a CARv1 file while the blocks are made: no second pass over the
 * data, and memory flat whatever the tree's size (each distinct block once; the set of CIDs
 * seen is the only thing that grows, some 100 bytes a block). `put` resolves once the
 * block's bytes are written out, so the importer may reuse its buffers.
 *
 * The root is only known at the end, and a CARv1 header names it first. The header is
 * written first for a stand-in root of the same CID version (so of the same byte length:
 * 34 bytes for CIDv0, 36 for a sha2-256 CIDv1, raw or dag-pb), then rewritten in place.
 */
export interface CarFile extends BlockSink {
  readonly path: string;
  /** Rewrites the header for the real root and closes the file. */
  finish(root: CID): Promise<void>;
  /** Closes the file after a failed import (the partial file is removed). */
  abort(): Promise<void>;
}

/** The absolute path, or INVALID_INPUT when its directory does not exist (checked before importing). */
export async function checkCarPath(path: string): Promise<string> {
  if (typeof path !== 'string' || path.trim() === '')
    throw new IpfsPinError('INVALID_INPUT', 'car: give a file path for the CAR file');
  const abs = resolve(path);
  const dir = dirname(abs);
  const s = await stat(dir).catch(() => undefined);
  if (s === undefined || !s.isDirectory()) {
    throw new IpfsPinError(
      'INVALID_INPUT',
      `car: the directory ${dir} does not exist: create it first (mkdir -p), or write the CAR somewhere else`,
    );
  }
  const target = await stat(abs).catch(() => undefined);
  if (target?.isDirectory() === true)
    throw new IpfsPinError(
      'INVALID_INPUT',
      `car: ${abs} is a directory: give a file path such as ${abs}/site.car`,
    );
  return abs;
}

function standIn(cidVersion: 0 | 1): CID {
  const zero = digest(0x12, new Uint8Array(32));
  return cidVersion === 0 ? CID.createV0(zero) : CID.createV1(dagPb.code, zero);
}

/** A CARv1 header naming `root`. */
export async function carHeader(root: CID): Promise<Uint8Array> {
  const { writer, out } = CarWriter.create([root]);
  const chunks: Uint8Array[] = [];
  const collect = (async () => {
    for await (const c of out) chunks.push(c);
  })();
  await writer.close();
  await collect;
  return Buffer.concat(chunks);
}

export async function createCarFile(path: string, cidVersion: 0 | 1): Promise<CarFile> {
  const abs = await checkCarPath(path);
  const placeholder = await carHeader(standIn(cidVersion));
  const out = createWriteStream(abs);
  let failure: Error | undefined;
  out.on('error', (err) => (failure = err));
  const seen = new Set<string>();
  out.write(placeholder);

  const close = async (): Promise<void> => {
    if (!out.closed) {
      out.end();
      await once(out, 'close');
    }
  };

  return {
    path: abs,
    async put(cid, bytes) {
      if (failure !== undefined) throw carError(abs, failure);
      const key = cid.toString();
      if (seen.has(key)) return;
      seen.add(key);
      const len = cid.bytes.byteLength + bytes.byteLength;
      out.write(varint.encodeTo(len, new Uint8Array(varint.encodingLength(len))));
      out.write(cid.bytes);
      // Resolved once the block's bytes are written out, not merely queued: what waits in
      // memory is bounded by the importer's own concurrency, whatever the disk's speed.
      await new Promise<void>((resolve, reject) => {
        out.write(bytes, (err) => (err ? reject(carError(abs, err)) : resolve()));
      });
    },
    async finish(root) {
      await close();
      if (failure !== undefined) throw carError(abs, failure);
      const header = await carHeader(root);
      if (header.byteLength !== placeholder.byteLength) {
        throw new IpfsPinError(
          'IMPORT_FAILED',
          `car: the root ${root.toString()} does not fit the header written for a CIDv${cidVersion}`,
        );
      }
      const fd = await open(abs, 'r+');
      try {
        await fd.write(header, 0, header.byteLength, 0);
      } finally {
        await fd.close();
      }
    },
    async abort() {
      await close().catch(() => {});
      const { rm } = await import('node:fs/promises');
      await rm(abs, { force: true }).catch(() => {});
    },
  };
}

function carError(path: string, cause: Error): IpfsPinError {
  return new IpfsPinError('IMPORT_FAILED', `Writing the CAR file ${path} failed: ${cause.message}`, {
    cause,
  });
}

/** Both sinks get every block: the importer's own, and the CAR file. */
export function teeSink(a: BlockSink, b: BlockSink): BlockSink {
  return {
    async put(cid, bytes, opts) {
      await Promise.all([a.put(cid, bytes, opts), b.put(cid, bytes, opts)]);
    },
  };
}
