// The built CLI against a hostile service: nothing it says reaches the terminal as an escape
// sequence, and the token shows in no form.
import { describe, expect, it } from 'vitest';
import { ANSI, startHostilePsa } from '../support/hostile-psa.js';
import { ipfsPin, makeSite } from './pin-helpers.js';

const TOKEN = 'cli-hostile-token-5e6f7a8b9c';

describe('ipfs-pin pin against a hostile service', () => {
  it('prints no ANSI or OSC escape, no raw line break of the service, and no form of the token', async () => {
    const site = await makeSite(3);
    const hostile = await startHostilePsa({
      statusOnPoll: (poll) => (poll >= 2 ? 'failed' : `pinning ${ANSI}`),
    });
    try {
      const run = await ipfsPin(['pin', site, '--endpoint', hostile.url, '--timeout', '60s'], {
        env: { IPFS_PIN_TOKEN: `Bearer ${TOKEN}\n` },
      });
      expect(run.code).not.toBe(0);
      expect(run.stderr).toContain('PIN_FAILED');
      for (const out of [run.stdout, run.stderr]) {
        expect(out).not.toContain('\u001b');
        expect(out).not.toContain('\u0007');
        expect(out).not.toMatch(/(^|\n)\s*::/);
        for (const form of [
          TOKEN,
          Buffer.from(TOKEN).toString('base64'),
          Buffer.from(`user:${TOKEN}`).toString('base64'),
        ])
          expect(out).not.toContain(form);
      }
    } finally {
      await hostile.close();
    }
  }, 120_000);
});
