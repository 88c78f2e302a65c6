import { createReadStream } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { CustomProgressEvent } from '../progress.js';
import { throttle } from '../util/throttle.js';
import type { CarSource, UploadKind, UploadOptions } from './types.js';

/** One piece of a request body: bytes we made, or a range of the CAR file read as it streams. */
export type BodyPart = Uint8Array | { path: string; start: number; end: number };

export interface StreamedBody {
  body: ReadableStream<Uint8Array>;
  length: number;
}

/**
 * A body streamed from its parts: the CAR is read from disk as the socket takes it, never
 * held whole in memory. `sent` hears the CAR bytes read so far (throttled by the caller).
 */
export function streamParts(parts: readonly BodyPart[], sent?: (carBytes: number) => void): StreamedBody {
  const length = parts.reduce((n, p) => n + (p instanceof Uint8Array ? p.byteLength : p.end - p.start), 0);
  async function* chunks(): AsyncGenerator<Uint8Array> {
    let carBytes = 0;
    for (const part of parts) {
      if (part instanceof Uint8Array) {
        yield part;
        continue;
      }
      if (part.end <= part.start) continue;
      for await (const chunk of createReadStream(part.path, {
        start: part.start,
        end: part.end - 1,
        highWaterMark: 1 << 20,
      }) as AsyncIterable<Buffer>) {
        carBytes += chunk.byteLength;
        sent?.(carBytes);
        yield new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      }
    }
  }
  const it = chunks();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { done, value } = await it.next();
      if (done) controller.close();
      else controller.enqueue(value);
    },
    async cancel() {
      await it.return(undefined);
    },
  });
  return { body, length };
}

/** A multipart/form-data body: text fields, then the CAR as the file field. */
export function multipart(
  fields: readonly [string, string][],
  file: { field: string; filename: string; car: CarSource; start?: number; end?: number },
  sent?: (carBytes: number) => void,
): { body: ReadableStream<Uint8Array>; headers: Record<string, string> } {
  const boundary = `----ipfs-pin-${randomBytes(12).toString('hex')}`;
  const enc = new TextEncoder();
  const head = fields
    .map(
      ([name, value]) =>
        `--${boundary}\r\nContent-Disposition: form-data; name="${quote(name)}"\r\n\r\n${value}\r\n`,
    )
    .join('');
  const fileHead = `--${boundary}\r\nContent-Disposition: form-data; name="${quote(file.field)}"; filename="${quote(file.filename)}"\r\nContent-Type: application/vnd.ipld.car\r\n\r\n`;
  const tail = `\r\n--${boundary}--\r\n`;
  const { body, length } = streamParts(
    [
      enc.encode(head + fileHead),
      { path: file.car.path, start: file.start ?? 0, end: file.end ?? file.car.bytes },
      enc.encode(tail),
    ],
    sent,
  );
  return {
    body,
    headers: {
      'content-type': `multipart/form-data; boundary=${boundary}`,
      'content-length': String(length),
    },
  };
}

/** A quoted-string of a Content-Disposition parameter: no quote, no backslash, no line break. */
function quote(text: string): string {
  return text.replace(/["\\\r\n]/g, '_');
}

/**
 * Progress for the CAR's bytes, at most every 500 ms, and at once when the last byte went
 * out (the pin flow starts a waiting node then, while the service works).
 */
export function byteProgress(
  kind: UploadKind,
  total: number,
  options: Pick<UploadOptions, 'onProgress' | 'service'>,
): { sent: (bytes: number) => void; done: () => void } {
  let bytes = 0;
  const report = throttle(() => {
    try {
      options.onProgress?.(
        new CustomProgressEvent('upload:bytes:sent', { service: options.service, kind, bytes, total }),
      );
    } catch {
      // A broken progress printer must not break an upload.
    }
  }, 500);
  return {
    sent: (n) => {
      bytes = n;
      report.call();
      if (n >= total) report.flush();
    },
    done: () => report.flush(),
  };
}

/**
 * A file name for the CAR from the pin name: one path segment of safe characters (a `/`
 * in a multipart file name makes a Cluster or kubo read a directory, not a file).
 */
export function carFileName(name: string): string {
  const safe = name
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^[.-]+/, '')
    .slice(0, 200);
  return `${safe === '' ? 'ipfs-pin' : safe}.car`;
}
