/** The Bitswap protocol ids we serve, newest first (kubo accepts all three). */
export const BITSWAP_120 = '/ipfs/bitswap/1.2.0';
export const BITSWAP_110 = '/ipfs/bitswap/1.1.0';
export const BITSWAP_100 = '/ipfs/bitswap/1.0.0';
export const PROTOCOLS = [BITSWAP_120, BITSWAP_110, BITSWAP_100] as const;

/** Only 1.2.0 has want-have, HAVE and DONT_HAVE. */
export const hasPresences = (protocol: string): boolean => protocol === BITSWAP_120;
/** 1.0.0 sends blocks as bare bytes (CIDv0), 1.1.0 and up with their CID prefix. */
export const isLegacy = (protocol: string): boolean => protocol === BITSWAP_100;

/**
 * The largest message read from a peer: go-libp2p's `network.MessageSizeMax` (4 MiB), what
 * kubo reads and writes at most. A wantlist is far smaller; a longer declared length is
 * refused before any of it is buffered.
 */
export const MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

/**
 * Blocks go out in messages of about this many bytes, a bigger block alone: boxo's
 * `targetMessageSize`. A receiver hands a message's blocks to its DAG walk only once the
 * whole message has arrived, and kubo's walk has 32 blocks in flight: small messages keep
 * wants and blocks flowing (#12: one 4 MiB answer per batch left the link idle a round
 * trip each time).
 */
export const TARGET_MESSAGE_BYTES = 16 * 1024;

/**
 * A want-have of a block at most this big is answered with the block itself, saving the
 * round trip of the want-block that would follow a HAVE (boxo does the same up to 1 KiB).
 */
export const REPLACE_HAVE_WITH_BLOCK_BYTES = 1024;
