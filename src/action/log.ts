import type { PinFlowProgressEvent } from '../lib/index.js';

export type Phase = 'import' | 'pin' | 'wait';

export const PHASE_ORDER: readonly Phase[] = ['import', 'pin', 'wait'];

/** The phase an event starts; undefined for events that belong to whatever phase is on. */
export function phaseOf(type: string): Phase | undefined {
  if (type.startsWith('unixfs:') || type === 'pin:import:done' || type === 'node:start:done') return 'import';
  // Service requests start after the import: the first ones look for an existing pin.
  if (
    type === 'pin:existing:found' ||
    type === 'pin:submit:done' ||
    type.startsWith('psa:') ||
    type.startsWith('pin:upload:') ||
    type.startsWith('upload:')
  )
    return 'pin';
  if (type.startsWith('pin:status:') || type === 'pin:delegate:dialled' || type === 'pin:service:done')
    return 'wait';
  return undefined;
}

/** Phases only move forward: a late event of an earlier phase stays in the current group. */
export function nextPhase(current: Phase | undefined, type: string): Phase | undefined {
  const p = phaseOf(type);
  if (p === undefined) return current;
  if (current === undefined) return p;
  return PHASE_ORDER.indexOf(p) > PHASE_ORDER.indexOf(current) ? p : current;
}

/** Import progress goes to the debug log once per this many files (and at the end). */
export const IMPORT_PROGRESS_EVERY = 1000;

/**
 * Keeps the debug log to a line per {@link IMPORT_PROGRESS_EVERY} imported files (the
 * importer reports every file: 20,000 lines for a 20,000-file site otherwise) and the last.
 */
export function createImportProgressFilter(): (event: PinFlowProgressEvent) => boolean {
  let next = IMPORT_PROGRESS_EVERY;
  let ended = false;
  return (event) => {
    if (event.type !== 'unixfs:import:progress') return true;
    const { files, totalFiles } = event.detail;
    const last = totalFiles !== undefined && files >= totalFiles;
    if (ended || (files < next && !last)) return false;
    next = (Math.floor(files / IMPORT_PROGRESS_EVERY) + 1) * IMPORT_PROGRESS_EVERY;
    ended = last;
    return true;
  };
}

/**
 * A line for `core.info`, which writes to stdout as it is: the runner executes any line
 * that starts with `::` as a workflow command. Line breaks (every kind) become spaces, so
 * service text cannot start a line of its own, and a leading `::` is broken with a
 * zero-width space. `core.warning`/`debug`/`notice` escape their text themselves.
 */
export function commandSafe(text: string): string {
  // eslint-disable-next-line no-control-regex
  const flat = text.replace(/[\r\n\u000b\u000c\u0085\u2028\u2029]+/g, ' ');
  return flat.replace(/^(\s*):(?=:)/, '$1:\u200b');
}
