import { describe, expect, it } from 'vitest';
import { matchPullRequest, repoFromApiUrl, sameRepo } from '../../src/action/pull-match.js';
import type { PullCandidate, RunHead } from '../../src/action/pull-match.js';

const HEAD = 'feedfacefeedfacefeedfacefeedfacefeedface';
const OTHER = 'abcdef0123456789abcdef0123456789abcdef01';
const ACME = { id: 1, fullName: 'acme/site' };
const FORK = { id: 2, fullName: 'someone/site' };

/** A fork's run in acme/site. */
const run: RunHead = { headSha: HEAD, headRepo: FORK, baseRepo: ACME };

const pr = (number: number, over: Partial<PullCandidate> = {}): PullCandidate => ({
  number,
  headSha: HEAD,
  headRepo: FORK,
  baseRepo: ACME,
  ...over,
});

describe('matchPullRequest', () => {
  it("takes the one PR whose head commit, head repository and base are the run's", () => {
    expect(matchPullRequest([pr(9)], run)).toEqual({ pull: pr(9), passed: [9], refused: [] });
  });

  it('refuses a PR whose head is another commit (stacked on it, or moved on)', () => {
    const m = matchPullRequest([pr(10, { headSha: OTHER })], run);
    expect(m.pull).toBeUndefined();
    expect(m.refused).toEqual([{ number: 10, why: "its head is abcdef0, not this run's feedfac" }]);
  });

  it("refuses a PR whose head is the same commit in another repository (a maintainer's)", () => {
    const m = matchPullRequest([pr(10, { headRepo: ACME })], run);
    expect(m.pull).toBeUndefined();
    expect(m.refused[0]?.why).toBe("its head is in acme/site, not in this run's someone/site");
  });

  it('refuses a PR opened in another repository', () => {
    const m = matchPullRequest([pr(7, { baseRepo: { id: 3, fullName: 'other/site' } })], run);
    expect(m.pull).toBeUndefined();
    expect(m.refused[0]?.why).toBe('its base is other/site, not acme/site');
  });

  it('refuses a PR whose head repository is gone (a deleted fork)', () => {
    const { headRepo: _gone, ...rest } = pr(9);
    expect(matchPullRequest([rest], run).pull).toBeUndefined();
  });

  it('refuses everything when the run has no head sha or no head repository', () => {
    expect(matchPullRequest([pr(9, { headSha: '' })], { ...run, headSha: '' }).pull).toBeUndefined();
    const { headRepo: _none, ...noRepo } = run;
    expect(matchPullRequest([pr(9)], noRepo).pull).toBeUndefined();
  });

  it('takes none when two PRs pass (which one the run was for is not known)', () => {
    const m = matchPullRequest([pr(9), pr(12)], run);
    expect(m.pull).toBeUndefined();
    expect(m.passed).toEqual([9, 12]);
  });

  it('counts the same PR listed twice once, and picks it out of refused ones', () => {
    const m = matchPullRequest([pr(10, { headSha: OTHER }), pr(9), pr(9)], run);
    expect(m.pull?.number).toBe(9);
    expect(m.refused.map((r) => r.number)).toEqual([10]);
  });

  it('finds none in an empty list', () => {
    expect(matchPullRequest([], run)).toEqual({ passed: [], refused: [] });
  });
});

describe('sameRepo', () => {
  it('compares every identifier both give, names without case', () => {
    expect(sameRepo({ id: 1, fullName: 'Acme/Site' }, { id: 1, fullName: 'acme/site' })).toBe(true);
    expect(sameRepo({ id: 1 }, { id: 1, fullName: 'acme/site' })).toBe(true);
    expect(sameRepo({ fullName: 'acme/site' }, { id: 9, fullName: 'acme/site' })).toBe(true);
  });

  it('is false when one identifier differs, even if the other agrees', () => {
    expect(sameRepo({ id: 1, fullName: 'acme/site' }, { id: 2, fullName: 'acme/site' })).toBe(false);
    expect(sameRepo({ id: 1, fullName: 'acme/site' }, { id: 1, fullName: 'someone/site' })).toBe(false);
  });

  it('is false with nothing to compare', () => {
    expect(sameRepo({ id: 1 }, { fullName: 'acme/site' })).toBe(false);
    expect(sameRepo({}, {})).toBe(false);
    expect(sameRepo(undefined, ACME)).toBe(false);
  });
});

describe('repoFromApiUrl', () => {
  it('reads owner/name from the API url the payload gives', () => {
    expect(repoFromApiUrl('https://api.github.com/repos/acme/site')).toBe('acme/site');
    expect(repoFromApiUrl('https://ghe.example/api/v3/repos/acme/site/')).toBe('acme/site');
  });

  it('gives none for any other url', () => {
    expect(repoFromApiUrl('https://api.github.com/repos/acme/site/pulls/7')).toBeUndefined();
    expect(repoFromApiUrl('https://api.github.com/users/acme')).toBeUndefined();
  });
});
