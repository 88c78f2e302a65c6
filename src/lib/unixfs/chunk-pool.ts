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
  const lent = new Set<ArrayBufferLike>();
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
