import type { PinFlowProgressEvent } from './types.js';

export type OnProgress = ((event: PinFlowProgressEvent) => void) | undefined;

/** Hands an event to the caller; a broken progress printer must not break a pin. */
export function emit(onProgress: OnProgress, event: PinFlowProgressEvent): void {
  try {
    onProgress?.(event);
  } catch {
    // ignored on purpose
  }
}
