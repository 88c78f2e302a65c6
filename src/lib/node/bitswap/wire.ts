/**
 * The Bitswap wire format: protobuf messages (boxo's `bitswap/message/pb/message.proto`),
 * each sent with a uvarint length in front of it. Written by hand because the schema is
 * small and stable, and a serving node needs only part of it at full speed: decoding
 * wantlists, and encoding blocks and presences without copying block bytes.
 *
 *   Message        { Wantlist wantlist = 1; repeated bytes blocks = 2;
 *                    repeated Block payload = 3; repeated BlockPresence blockPresences = 4;
 *                    int32 pendingBytes = 5; }
 *   Wantlist       { repeated Entry entries = 1; bool full = 2; }
 *   Entry          { bytes block = 1; int32 priority = 2; bool cancel = 3;
 *                    WantType wantType = 4 (Block = 0, Have = 1); bool sendDontHave = 5; }
 *   Block          { bytes prefix = 1; bytes data = 2; }
 *   BlockPresence  { bytes cid = 1; BlockPresenceType type = 2 (Have = 0, DontHave = 1); }
 *
 * Bitswap 1.0.0 sends blocks as plain bytes in `blocks` (CIDv0 implied); 1.1.0 and 1.2.0
 * send `payload` (the CID prefix beside the data); only 1.2.0 has want-have, presences
 * and sendDontHave.
 */
import { Uint8ArrayList } from 'uint8arraylist';

export const WANT_BLOCK = 0;
export const WANT_HAVE = 1;
export const PRESENCE_HAVE = 0;
export const PRESENCE_DONT_HAVE = 1;

export interface WireEntry {
  /** CID bytes (a bare sha2-256 multihash for a CIDv0). */
  cid: Uint8Array;
  priority: number;
  cancel: boolean;
  wantType: number;
  sendDontHave: boolean;
}

export interface WirePresence {
  cid: Uint8Array;
  type: number;
}

export interface WireBlock {
  /** CID prefix (version, codec, hash function, digest length); empty for a 1.0.0 block. */
  prefix: Uint8Array;
  data: Uint8Array;
}

export interface WireMessage {
  wantlist?: { entries: WireEntry[]; full: boolean };
  blocks: WireBlock[];
  presences: WirePresence[];
  pendingBytes: number;
}

export class WireError extends Error {
  override name = 'WireError';
}

/** Reads a protobuf message; unknown fields are skipped, as protobuf readers do. */
class Reader {
  pos = 0;
  readonly buf: Uint8Array;
  readonly end: number;
  constructor(buf: Uint8Array) {
    this.buf = buf;
    this.end = buf.byteLength;
  }

  done(): boolean {
    return this.pos >= this.end;
  }

  /** An unsigned varint (a tag, a length, a bool or an enum), exact up to 2^53. */
  varint(): number {
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new WireError('truncated varint');
      const b = this.buf[this.pos++] as number;
      result += (b & 0x7f) * scale;
      if (b < 0x80) return result;
      scale *= 128;
    }
    throw new WireError('varint longer than 10 bytes');
  }

  /** An int32: its low 32 bits, signed (a negative one is sent as 10 bytes). */
  int32(): number {
    let low = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new WireError('truncated varint');
      const b = this.buf[this.pos++] as number;
      if (i < 5) low += (b & 0x7f) * scale;
      if (b < 0x80) {
        low %= 2 ** 32;
        return low >= 2 ** 31 ? low - 2 ** 32 : low;
      }
      scale *= 128;
    }
    throw new WireError('varint longer than 10 bytes');
  }

  bytes(): Uint8Array {
    const len = this.varint();
    if (len < 0 || this.pos + len > this.end)
      throw new WireError('length-delimited field runs past the message');
    const out = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return out;
  }

  /** A nested message's reader, over its bytes. */
  sub(): Reader {
    const b = this.bytes();
    return new Reader(b);
  }

  skip(wireType: number): void {
    switch (wireType) {
      case 0:
        this.varint();
        return;
      case 1:
        this.advance(8);
        return;
      case 2:
        this.bytes();
        return;
      case 5:
        this.advance(4);
        return;
      default:
        throw new WireError(`unsupported protobuf wire type ${wireType}`);
    }
  }

  private advance(n: number): void {
    if (this.pos + n > this.end) throw new WireError('fixed-width field runs past the message');
    this.pos += n;
  }
}

/** Decodes one message (without its length prefix). Throws WireError on malformed bytes. */
export function decodeMessage(buf: Uint8Array): WireMessage {
  const r = new Reader(buf);
  const message: WireMessage = { blocks: [], presences: [], pendingBytes: 0 };
  while (!r.done()) {
    const tag = r.varint();
    const field = Math.floor(tag / 8);
    const type = tag & 7;
    if (field === 1 && type === 2) message.wantlist = decodeWantlist(r.sub(), message.wantlist);
    else if (field === 2 && type === 2) message.blocks.push({ prefix: new Uint8Array(0), data: r.bytes() });
    else if (field === 3 && type === 2) message.blocks.push(decodeBlock(r.sub()));
    else if (field === 4 && type === 2) message.presences.push(decodePresence(r.sub()));
    else if (field === 5 && type === 0) message.pendingBytes = r.int32();
    else r.skip(type);
  }
  return message;
}

function decodeWantlist(r: Reader, into: WireMessage['wantlist']): NonNullable<WireMessage['wantlist']> {
  // Protobuf merges a repeated sub-message field: entries add up, the last `full` wins.
  const list = into ?? { entries: [], full: false };
  while (!r.done()) {
    const tag = r.varint();
    const field = Math.floor(tag / 8);
    const type = tag & 7;
    if (field === 1 && type === 2) list.entries.push(decodeEntry(r.sub()));
    else if (field === 2 && type === 0) list.full = r.varint() !== 0;
    else r.skip(type);
  }
  return list;
}

function decodeEntry(r: Reader): WireEntry {
  const entry: WireEntry = {
    cid: new Uint8Array(0),
    priority: 1,
    cancel: false,
    wantType: 0,
    sendDontHave: false,
  };
  let priority: number | undefined;
  while (!r.done()) {
    const tag = r.varint();
    const field = Math.floor(tag / 8);
    const type = tag & 7;
    if (field === 1 && type === 2) entry.cid = r.bytes();
    else if (field === 2 && type === 0) priority = r.int32();
    else if (field === 3 && type === 0) entry.cancel = r.varint() !== 0;
    else if (field === 4 && type === 0) entry.wantType = r.varint();
    else if (field === 5 && type === 0) entry.sendDontHave = r.varint() !== 0;
    else r.skip(type);
  }
  // proto3 omits a zero; boxo reads a missing priority as 0 too.
  entry.priority = priority ?? 0;
  return entry;
}

function decodeBlock(r: Reader): WireBlock {
  let prefix: Uint8Array = new Uint8Array(0);
  let data: Uint8Array = new Uint8Array(0);
  while (!r.done()) {
    const tag = r.varint();
    const field = Math.floor(tag / 8);
    const type = tag & 7;
    if (field === 1 && type === 2) prefix = r.bytes();
    else if (field === 2 && type === 2) data = r.bytes();
    else r.skip(type);
  }
  return { prefix, data };
}

function decodePresence(r: Reader): WirePresence {
  const presence: WirePresence = { cid: new Uint8Array(0), type: PRESENCE_HAVE };
  while (!r.done()) {
    const tag = r.varint();
    const field = Math.floor(tag / 8);
    const type = tag & 7;
    if (field === 1 && type === 2) presence.cid = r.bytes();
    else if (field === 2 && type === 0) presence.type = r.varint();
    else r.skip(type);
  }
  return presence;
}

// Encoding -----------------------------------------------------------------------------

/** The number of bytes `n` takes as a uvarint. */
export function varintLength(n: number): number {
  let len = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 128);
    len++;
  }
  return len;
}

function putVarint(out: Uint8Array, pos: number, n: number): number {
  while (n >= 0x80) {
    out[pos++] = (n % 128) | 0x80;
    n = Math.floor(n / 128);
  }
  out[pos++] = n;
  return pos;
}

/** A small head of tag/length bytes in front of a field's content. */
function head(...parts: (number | Uint8Array)[]): Uint8Array {
  let len = 0;
  for (const p of parts) len += typeof p === 'number' ? varintLength(p) : p.byteLength;
  const out = new Uint8Array(len);
  let pos = 0;
  for (const p of parts) {
    if (typeof p === 'number') pos = putVarint(out, pos, p);
    else {
      out.set(p, pos);
      pos += p.byteLength;
    }
  }
  return out;
}

const TAG_WANTLIST = (1 << 3) | 2;
const TAG_BLOCKS = (2 << 3) | 2;
const TAG_PAYLOAD = (3 << 3) | 2;
const TAG_PRESENCE = (4 << 3) | 2;
const TAG_BYTES_1 = (1 << 3) | 2;
const TAG_BYTES_2 = (2 << 3) | 2;
const TAG_VARINT_2 = (2 << 3) | 0;

export interface OutgoingMessage {
  /**
   * Blocks: 1.1.0/1.2.0 send `payload` entries (prefix and data); 1.0.0 (`legacy`) sends
   * the data alone in `blocks`.
   */
  blocks: WireBlock[];
  presences: WirePresence[];
  /** For tests and tools: a wantlist to send (the engine never asks for blocks). */
  wantlist?: { entries: WireEntry[]; full: boolean };
}

/**
 * Encodes a message with its uvarint length prefix, as a list of chunks: block bytes are
 * referenced, not copied (a 1 MiB block goes out as the slice the store handed over).
 */
export function encodeMessage(message: OutgoingMessage, options: { legacy?: boolean } = {}): Uint8ArrayList {
  const parts = new Uint8ArrayList();
  if (message.wantlist !== undefined) {
    const entries = message.wantlist.entries.map(encodeEntry);
    let len = 0;
    for (const e of entries) len += e.byteLength;
    const full = message.wantlist.full ? head(2 << 3, 1) : new Uint8Array(0);
    const inner = len + full.byteLength;
    parts.append(head(TAG_WANTLIST, inner));
    for (const e of entries) parts.append(e);
    if (full.byteLength > 0) parts.append(full);
  }
  for (const block of message.blocks) {
    if (options.legacy === true) {
      parts.append(head(TAG_BLOCKS, block.data.byteLength));
      parts.append(block.data);
      continue;
    }
    const inner =
      1 +
      varintLength(block.prefix.byteLength) +
      block.prefix.byteLength +
      1 +
      varintLength(block.data.byteLength) +
      block.data.byteLength;
    parts.append(
      head(
        TAG_PAYLOAD,
        inner,
        TAG_BYTES_1,
        block.prefix.byteLength,
        block.prefix,
        TAG_BYTES_2,
        block.data.byteLength,
      ),
    );
    parts.append(block.data);
  }
  for (const p of message.presences) {
    // Have is the enum's zero: left out, as protobuf encoders do.
    const type = p.type === PRESENCE_HAVE ? new Uint8Array(0) : head(TAG_VARINT_2, p.type);
    const inner = 1 + varintLength(p.cid.byteLength) + p.cid.byteLength + type.byteLength;
    parts.append(head(TAG_PRESENCE, inner, TAG_BYTES_1, p.cid.byteLength, p.cid, type));
  }
  const body = parts.byteLength;
  parts.prepend(head(body));
  return parts;
}

function encodeEntry(e: WireEntry): Uint8Array {
  const fields: (number | Uint8Array)[] = [TAG_BYTES_1, e.cid.byteLength, e.cid];
  // Only tests and tools send wantlists, and with positive priorities (as kubo does).
  if (e.priority < 0 || !Number.isInteger(e.priority))
    throw new WireError('only whole priorities of 0 or more are encoded');
  if (e.priority !== 0) fields.push(2 << 3, e.priority);
  if (e.cancel) fields.push(3 << 3, 1);
  if (e.wantType !== 0) fields.push(4 << 3, e.wantType);
  if (e.sendDontHave) fields.push(5 << 3, 1);
  const inner = head(...fields);
  return head(TAG_BYTES_1, inner.byteLength, inner);
}

/** Bytes a block adds to a 1.1.0+ message, prefix and framing included. */
export function blockWireSize(prefixBytes: number, dataBytes: number): number {
  const inner = 2 + varintLength(prefixBytes) + prefixBytes + varintLength(dataBytes) + dataBytes;
  return 1 + varintLength(inner) + inner;
}

// Length-prefixed framing on a byte stream ----------------------------------------------

/**
 * Splits a byte stream into uvarint-length-prefixed messages. `push` takes what arrived and
 * returns the messages now complete; a declared length over `maxBytes` throws before any
 * of it is buffered.
 */
export function createFrameReader(maxBytes: number): {
  push(chunk: Uint8Array | Uint8ArrayList): Uint8Array[];
  buffered(): number;
} {
  const buf = new Uint8ArrayList();
  let want: number | undefined;
  return {
    push(chunk) {
      buf.append(chunk);
      const out: Uint8Array[] = [];
      for (;;) {
        if (want === undefined) {
          const header = readVarintPrefix(buf);
          if (header === undefined) break;
          if (header.value > maxBytes)
            throw new WireError(`a message of ${header.value} bytes is over the ${maxBytes}-byte limit`);
          buf.consume(header.bytes);
          want = header.value;
        }
        if (buf.byteLength < want) break;
        out.push(buf.subarray(0, want));
        buf.consume(want);
        want = undefined;
      }
      return out;
    },
    buffered: () => buf.byteLength,
  };
}

function readVarintPrefix(buf: Uint8ArrayList): { value: number; bytes: number } | undefined {
  let value = 0;
  let scale = 1;
  for (let i = 0; i < 8; i++) {
    if (i >= buf.byteLength) return undefined;
    const b = buf.get(i);
    value += (b & 0x7f) * scale;
    if (b < 0x80) return { value, bytes: i + 1 };
    scale *= 128;
  }
  throw new WireError('message length prefix longer than 8 bytes');
}
