/** How the wait loop treats a status word from the service. */
export type StatusKind = 'pinned' | 'failed' | 'pending' | 'unknown';

export function statusKind(status: string): StatusKind {
  switch (status) {
    case 'pinned':
      return 'pinned';
    case 'failed':
      return 'failed';
    case 'queued':
    case 'pinning':
      return 'pending';
    default:
      return 'unknown';
  }
}

/** `status_details` from a status's `info`, if the service gave any. */
export function statusDetails(info: Record<string, string> | undefined): string | undefined {
  const details = info?.['status_details'];
  return typeof details === 'string' && details.trim() !== '' ? details : undefined;
}
