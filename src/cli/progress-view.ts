import { describeProgress } from '../lib/index.js';
import type { PinFlowProgressEvent } from '../lib/index.js';
import { formatBytes, formatMs, plural } from './format.js';
import { mask } from './secrets.js';

export interface ProgressView {
  onProgress(event: PinFlowProgressEvent): void;
  /** A permanent line (above the live status on a TTY). */
  line(text: string): void;
  /** Clears the live status line and stops the clock. */
  close(): void;
}

interface ServiceState {
  status: string;
  since: number;
}

/**
 * Progress on stderr. On a TTY: one status line redrawn in place (import counts, each
 * service's status, blocks served), with the events that matter as lines above it.
 * Elsewhere (CI logs, pipes): the same events as plain lines, no redraws.
 */
export function createProgressView(
  stream: NodeJS.WritableStream & { isTTY?: boolean; columns?: number },
  secrets: readonly string[],
  now: () => number = Date.now,
): ProgressView {
  const tty = stream.isTTY === true;
  const started = now();
  const services = new Map<string, ServiceState>();
  let phase: 'start' | 'import' | 'pin' = 'start';
  let imported = { files: 0, bytes: 0, totalFiles: undefined as number | undefined };
  let served = { blocks: 0, bytes: 0, peers: 0 };
  let drawn = false;
  let lastDraw = 0;
  let timer: NodeJS.Timeout | undefined;

  const write = (text: string): void => void stream.write(mask(text, secrets));

  const statusLine = (): string => {
    const t = formatMs(now() - started);
    if (phase !== 'pin') {
      const of = imported.totalFiles === undefined ? '' : `/${imported.totalFiles}`;
      return `[${t}] importing: ${imported.files}${of} files, ${formatBytes(imported.bytes)}`;
    }
    const parts = [...services].map(([name, s]) => `${name} ${s.status} ${formatMs(now() - s.since)}`);
    parts.push(
      `served ${plural(served.blocks, 'block')} ${formatBytes(served.bytes)} to ${plural(served.peers, 'peer')}`,
    );
    return `[${t}] ${parts.join(' | ')}`;
  };

  const draw = (force = false): void => {
    if (!tty) return;
    const at = now();
    if (!force && at - lastDraw < 100) return;
    lastDraw = at;
    const width = Math.max(20, (stream.columns ?? 100) - 1);
    let text = statusLine();
    if (text.length > width) text = `${text.slice(0, width - 1)}…`;
    write(`\r\x1b[2K${text}`);
    drawn = true;
    timer ??= setInterval(() => draw(true), 1000).unref();
  };

  const line = (text: string): void => {
    if (tty && drawn) write('\r\x1b[2K');
    write(`${text}\n`);
    drawn = false;
    draw(true);
  };

  const setStatus = (service: string, status: string): void => {
    const prev = services.get(service);
    if (prev?.status !== status) services.set(service, { status, since: now() });
  };

  /** Every service known so far is pinned or failed: a disconnect then is the end, not news. */
  const allDone = (): boolean =>
    services.size > 0 && [...services.values()].every((s) => s.status === 'pinned' || s.status === 'failed');

  /** The shared words for the event, as a line (debug ones are the action's debug log only). */
  const say = (event: PinFlowProgressEvent): void => {
    const said = describeProgress(event);
    if (said !== undefined && said.level !== 'debug') line(said.text);
  };

  const onProgress = (event: PinFlowProgressEvent): void => {
    switch (event.type) {
      case 'node:start:done':
        say(event);
        // A node started late (after an upload) must not take the line back to the import.
        if (phase === 'start') phase = 'import';
        break;
      case 'unixfs:walk:done':
        imported = { ...imported, totalFiles: event.detail.files };
        draw();
        break;
      case 'unixfs:import:progress':
        imported = { ...imported, files: event.detail.files, bytes: event.detail.bytes };
        draw();
        break;
      case 'pin:import:done': {
        say(event);
        const d = event.detail;
        if (d.car !== undefined) line(`wrote the CAR ${d.car}`);
        const hidden = d.skipped.filter((s) => s.reason === 'hidden');
        if (hidden.length > 0) {
          const names = hidden
            .slice(0, 5)
            .map((s) => s.path)
            .join(', ');
          line(
            `notice: skipped ${plural(hidden.length, 'hidden entry', 'hidden entries')} (${names}${hidden.length > 5 ? ', ...' : ''}): pass --hidden to include them (a site's .well-known/ needs it)`,
          );
        }
        const other = d.skipped.length - hidden.length;
        if (other > 0)
          line(
            `notice: skipped ${plural(other, 'other entry', 'other entries')} (ignored, special files, symlinks leaving the tree)`,
          );
        phase = 'pin';
        break;
      }
      case 'pin:existing:found':
      case 'pin:submit:done':
        setStatus(event.detail.service, event.detail.status);
        say(event);
        break;
      case 'pin:status:changed': {
        const known = services.get(event.detail.service)?.status;
        setStatus(event.detail.service, event.detail.status);
        // pinned and failed get their line from pin:service:done, with the time and the requestid.
        if (
          known !== event.detail.status &&
          event.detail.status !== 'pinned' &&
          event.detail.status !== 'failed'
        )
          say(event);
        break;
      }
      case 'node:peer:disconnected':
        // Once every service is done, a disconnect is the end, not news.
        if (!allDone()) say(event);
        break;
      case 'node:blocks:served':
        served = {
          blocks: event.detail.blocksServed,
          bytes: event.detail.bytesServed,
          peers: event.detail.peers,
        };
        draw();
        break;
      case 'pin:service:done':
        setStatus(event.detail.service, event.detail.error === undefined ? event.detail.status : 'error');
        say(event);
        break;
      case 'pin:replace:done':
        if (event.detail.removed.length > 0) say(event);
        break;
      default:
        say(event);
        break;
    }
  };

  return {
    onProgress,
    line,
    close() {
      if (timer !== undefined) clearInterval(timer);
      if (tty && drawn) write('\r\x1b[2K');
      drawn = false;
    },
  };
}
