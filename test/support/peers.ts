import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The Go programs `scripts/peers.sh` builds into `.peers/bin`. */
export type PeerName = 'ipfs' | 'ipfs-cluster-service' | 'ipfs-cluster-ctl' | 'toxiproxy-server' | 'act';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
export const peersBin = join(repoRoot, '.peers', 'bin');

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Path of a test peer: `.peers/bin/<name>` first (the versions the tests are written for),
 * then PATH. Throws when it is nowhere: call it in `beforeAll` so a missing peer fails the
 * run instead of skipping it (CI must not pass without the real peers).
 */
export function peerBinary(name: PeerName): string {
  const candidates = [peersBin, ...(process.env.PATH ?? '').split(delimiter).filter(Boolean)];
  for (const dir of candidates) {
    const path = join(dir, name);
    if (executable(path)) return path;
  }
  throw new Error(
    `${name} is not installed: run \`npm run peers\` (needs Go) to build kubo, IPFS Cluster, toxiproxy and act into .peers/bin`,
  );
}
