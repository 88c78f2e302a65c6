import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { carHeader } from '../unixfs/car-file.js';
import { varint } from 'multiformats';
import type { CID } from 'multiformats/cid';
import type { BlockSink } from '../unixfs/types.js';

/**
 * A block sink that spools CAR sections to a file while the importer runs. The root is
 * only known at the end, so the header is made then and streamed in front of the file.
 */
export interface CarSpool extends BlockSink {
  /** Flushes the file; call once the importer is done. */
  finish(): Promise<void>;
  /** The whole CAR (header for `root`, then every block), read from disk as it streams. */
  car(root: CID): AsyncIterable<Uint8Array>;
  blocks(): number;
}

export function createCarSpool(dir: string): CarSpool {
  const path = join(dir, 'blocks.car-sections');
  const out = createWriteStream(path);
  let failure: Error | undefined;
  out.on('error', (err) => (failure = err));
  let count = 0;
  // One shared wait: the importer may have many puts waiting on the same drain.
  let drained: Promise<unknown> | undefined;

  return {
    async put(cid, bytes) {
      if (failure !== undefined) throw failure;
      const len = cid.bytes.byteLength + bytes.byteLength;
      const prefix = varint.encodeTo(len, new Uint8Array(varint.encodingLength(len)));
      out.write(prefix);
      out.write(cid.bytes);
      count++;
      // The importer waits on put: that is the back-pressure when the disk is slower.
      if (!out.write(bytes)) {
        drained ??= once(out, 'drain').finally(() => (drained = undefined));
        await drained;
      }
    },
    async finish() {
      out.end();
      await once(out, 'close');
      if (failure !== undefined) throw failure;
    },
    async *car(root) {
      yield await carHeader(root);
      yield* createReadStream(path, { highWaterMark: 1 << 20 });
    },
    blocks: () => count,
  };
}
