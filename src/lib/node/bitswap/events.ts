import type { CID } from 'multiformats/cid';
import type { ProgressEvent } from '../../progress.js';
import type { WantType } from './ledger.js';

/**
 * What the serving engine does, as it happens. The node hands these to whoever subscribed
 * (the pin flow's wait derives its rules from them); they are not progress for people.
 * `at` is ms since the epoch.
 */
export type BitswapEvent =
  /** A peer sent a message: wants, cancels, or both (a fetcher cancels each want as its block lands). */
  | ProgressEvent<'bitswap:message:received', { peer: string; wants: number; cancels: number; at: number }>
  | ProgressEvent<'bitswap:want:received', { peer: string; cid: CID; want: WantType }>
  /** A block went to a peer's stream (handed to the muxer; it may still be on the wire). */
  | ProgressEvent<'bitswap:block:sent', { peer: string; cid: CID; bytes: number; at: number }>
  | ProgressEvent<
      'bitswap:presence:sent',
      { peer: string; cid: CID; presence: 'have' | 'dont-have'; asked: boolean }
    >
  /** Every want the peer had sent was answered (it may send more). */
  | ProgressEvent<'bitswap:wantlist:empty', { peer: string; at: number }>
  /** A peer the engine had state for disconnected: its state is gone; so should a listener's. */
  | ProgressEvent<'bitswap:peer:gone', { peer: string }>;

export type BitswapEventType = BitswapEvent['type'];
