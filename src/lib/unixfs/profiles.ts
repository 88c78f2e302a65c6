import { IpfsPinError } from '../errors.js';
import type { ProfileName, ProfileOverrides, ProfileParams } from './types.js';

/** The parameters behind each profile, as in ../shared/cid-vectors/vectors.json. */
export const PROFILES: Readonly<Record<ProfileName, Readonly<ProfileParams>>> = {
  'unixfs-v1-2025': {
    cidVersion: 1,
    rawLeaves: true,
    chunkSize: 1_048_576,
    maxLinks: 1024,
    hamtFanout: 256,
    hamtThresholdBytes: 262_144,
    hamtEstimation: 'block-bytes',
  },
  'unixfs-v0-2015': {
    cidVersion: 0,
    rawLeaves: false,
    chunkSize: 262_144,
    maxLinks: 174,
    hamtFanout: 256,
    hamtThresholdBytes: 262_144,
    hamtEstimation: 'links-bytes',
  },
  'kubo-cidv1': {
    cidVersion: 1,
    rawLeaves: true,
    chunkSize: 262_144,
    maxLinks: 174,
    hamtFanout: 256,
    hamtThresholdBytes: 262_144,
    hamtEstimation: 'links-bytes',
  },
};

export const DEFAULT_PROFILE: ProfileName = 'unixfs-v1-2025';

export function isProfileName(value: unknown): value is ProfileName {
  return typeof value === 'string' && Object.hasOwn(PROFILES, value);
}

function positiveInteger(name: string, value: number | undefined, max: number): void {
  if (value === undefined) return;
  if (!Number.isSafeInteger(value) || value < 1 || value > max) {
    throw new IpfsPinError(
      'INVALID_INPUT',
      `${name} must be an integer from 1 to ${max}, got ${String(value)}`,
    );
  }
}

export function resolveProfile(
  profile: ProfileName | undefined,
  overrides: ProfileOverrides = {},
): ProfileParams {
  const name = profile ?? DEFAULT_PROFILE;
  if (!isProfileName(name)) {
    throw new IpfsPinError(
      'INVALID_INPUT',
      `Unknown profile '${String(name)}': use one of ${Object.keys(PROFILES).join(', ')}`,
    );
  }
  // A chunk over 1 MiB (the bitswap block limit) could not be fetched by any peer.
  positiveInteger('overrides.chunkSize', overrides.chunkSize, 1_048_576);
  positiveInteger('overrides.maxLinks', overrides.maxLinks, 1 << 16);
  positiveInteger('overrides.hamtThresholdBytes', overrides.hamtThresholdBytes, Number.MAX_SAFE_INTEGER);
  return {
    ...PROFILES[name],
    ...(overrides.chunkSize === undefined ? {} : { chunkSize: overrides.chunkSize }),
    ...(overrides.maxLinks === undefined ? {} : { maxLinks: overrides.maxLinks }),
    ...(overrides.hamtThresholdBytes === undefined
      ? {}
      : { hamtThresholdBytes: overrides.hamtThresholdBytes }),
  };
}
