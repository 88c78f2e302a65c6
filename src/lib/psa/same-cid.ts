import { CID } from 'multiformats/cid';

/**
 * Whether two CID strings name the same content address. Services may answer a CID in
 * another form than the one sent (CIDv0 as CIDv1, base58 as base32), so compare the
 * parsed CIDv1; strings that are not CIDs compare as strings.
 */
export function sameCid(a: string, b: string): boolean {
  if (a === b) return true;
  const canonical = (s: string): string | undefined => {
    try {
      return CID.parse(s.trim()).toV1().toString();
    } catch {
      return undefined;
    }
  };
  const ca = canonical(a);
  return ca !== undefined && ca === canonical(b);
}
