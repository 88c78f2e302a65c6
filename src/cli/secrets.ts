/**
 * Tokens never reach the terminal: every text a command writes goes through `mask`,
 * which replaces each known secret (and its URL-encoded form) with `***`.
 */
export function mask(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    // Very short values would blot out ordinary words; no real token is that short.
    if (secret.length < 4) continue;
    for (const form of new Set([secret, encodeURIComponent(secret)])) out = out.split(form).join('***');
  }
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
