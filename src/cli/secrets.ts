import { secretForms } from '../lib/index.js';

/**
 * Tokens never reach the terminal: every text a command writes goes through `mask`,
 * which replaces each known secret, in every form it could be echoed in (trimmed, without
 * `Bearer `, URL-encoded, base64, JSON-escaped: see secretForms), with `***`.
 */
export function mask(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) for (const form of secretForms(secret)) out = out.split(form).join('***');
  return out;
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
