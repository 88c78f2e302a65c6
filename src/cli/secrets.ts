import { redactSecrets } from '../lib/index.js';

/**
 * Tokens never reach the terminal: every text a command writes goes through `mask`,
 * which replaces each known secret, in every form it could be echoed in (trimmed, without
 * `Bearer `, URL-encoded in any case, base64, JSON-escaped: see redactSecrets), with `***`.
 */
export function mask(text: string, secrets: readonly string[]): string {
  return redactSecrets(text, secrets, '***');
}

export interface MaskedWriter {
  write(text: string): void;
  line(text: string): void;
}

export function maskedWriter(stream: NodeJS.WritableStream, secrets: readonly string[]): MaskedWriter {
  return {
    write: (text) => void stream.write(mask(text, secrets)),
    line: (text) => void stream.write(`${mask(text, secrets)}\n`),
  };
}
