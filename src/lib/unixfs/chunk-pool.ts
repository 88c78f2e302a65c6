/**
 * Chunk buffers lent to a file's reader and handed back once the chunk's block is built
 * (and stored, when the store keeps nothing). A fresh 1 MiB buffer per chunk is garbage
 * that V8 collects late (external memory) and that malloc keeps after it is freed: on a
 * 4 GiB tree that was most of the peak RSS.
 */
export interface ChunkPool {
  /** A buffer of `size` bytes (at most `capacity`), pooled or new. */
  take: (size: number) => Buffer;
  /** Hands a buffer back when it came from `take`; anything else is ignored. */
  give: (bytes: Uint8Array) => void;
}

export function createChunkPool(capacity: number, maxFree: number): ChunkPool {
  const free: ArrayBuffer[] = [];
  const lent = new WeakSet<ArrayBufferLike>();
  return {
    take: (size) => {
      if (size > capacity) return Buffer.allocUnsafe(size);
      const buffer = free.pop() ?? Buffer.allocUnsafeSlow(capacity).buffer;
      lent.add(buffer);
      return Buffer.from(buffer, 0, size);
    },
    give: (bytes) => {
      const buffer = bytes.buffer;
      if (!lent.delete(buffer)) return;
      if (free.length < maxFree) free.push(buffer as ArrayBuffer);
    },
  };
}

/**
 * Buffers for whole small files (one chunk or less), in power-of-two size classes, handed
 * back once the file's block is built. A site of thousands of 1-100 KiB files otherwise
 * leaves tens of MiB of dead buffers between collections (V8 only collects them when
 * external memory has grown a lot), and malloc keeps the pages. At most `maxFreeBytes`
 * wait on the free lists.
 */
export function createSizeClassPool(maxFreeBytes: number): ChunkPool {
  const free = new Map<number, ArrayBuffer[]>();
  const lent = new WeakSet<ArrayBufferLike>();
  let freeBytes = 0;
  return {
    take: (size) => {
      const capacity = size <= 1024 ? 1024 : 2 ** Math.ceil(Math.log2(size));
      const pooled = free.get(capacity)?.pop();
      if (pooled) freeBytes -= capacity;
      const buffer = pooled ?? Buffer.allocUnsafeSlow(capacity).buffer;
      lent.add(buffer);
      return Buffer.from(buffer, 0, size);
    },
    give: (bytes) => {
      const buffer = bytes.buffer;
      if (!lent.delete(buffer)) return;
      if (freeBytes + buffer.byteLength > maxFreeBytes) return;
      let list = free.get(buffer.byteLength);
      if (!list) free.set(buffer.byteLength, (list = []));
      list.push(buffer as ArrayBuffer);
      freeBytes += buffer.byteLength;
    },
  };
}
