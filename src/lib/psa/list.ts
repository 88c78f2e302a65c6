import { IpfsPinError } from '../errors.js';
import type { ListQuery, PinResults, PinStatus } from './types.js';
import { checkListQuery, splitByCid } from './list-query.js';
import { sameCid } from './same-cid.js';

/** Bounds on what a service can make a listing read: it controls the pages and their count. */
export interface ListBounds {
  /** Pins yielded at most, over every page and CID chunk. Default 100,000. */
  maxItems?: number;
  /** Requests at most, over every page and CID chunk. Default 1,000. */
  maxPages?: number;
}

export const DEFAULT_LIST_BOUNDS = { maxItems: 100_000, maxPages: 1_000 } as const;

/**
 * Every pin matching `query`, across pages and CID chunks, each requestid once.
 *
 * Pages follow the spec (ask again with `before` = the oldest `created` of the page while
 * the page holds fewer results than its own `count`) and stop on whichever comes first:
 * the first page's `count` reached, a page holding its whole `count` (unless it is exactly
 * `limit` long: some services count the page, not the matches), or a page that brings
 * nothing new. The last one ends the loop on services that ignore `limit`, repeat items,
 * or treat `before` as inclusive (ipfs-cluster). When the pages end short of the first
 * `count`, one more request with the largest `limit` (1000) collects what a service that
 * does not sort newest first left out. An empty `cid` list matches nothing.
 *
 * A service that ignores the `cid` filter (the Helia pinning-service-api-server does)
 * answers with other pins and a `count` of all of them: those pins are dropped, and the
 * chunk ends with that page instead of paging through the service's whole history.
 * What a service sends is bounded ({@link ListBounds}): past them the listing fails with
 * PSA_BAD_RESPONSE rather than read forever.
 */
export async function* listAll(
  query: ListQuery,
  fetchPage: (query: ListQuery) => Promise<PinResults>,
  bounds: ListBounds = {},
): AsyncGenerator<PinStatus> {
  checkListQuery(query);
  if (query.cid !== undefined && query.cid.length === 0) return;
  const maxItems = bounds.maxItems ?? DEFAULT_LIST_BOUNDS.maxItems;
  const maxPages = bounds.maxPages ?? DEFAULT_LIST_BOUNDS.maxPages;
  const yielded = new Set<string>();
  let pages = 0;
  const fetchBounded = async (q: ListQuery): Promise<PinResults> => {
    if (++pages > maxPages) throw tooMuch(`${maxPages} pages`);
    return fetchPage(q);
  };
  for (const chunk of splitByCid(query)) {
    const wanted = chunk.cid;
    const matches = (pin: PinStatus): boolean =>
      wanted === undefined || wanted.some((c) => sameCid(c, String(pin.pin?.cid)));
    const seen = new Set<string>();
    let before = chunk.before;
    let total: number | undefined;
    let filterIgnored = false;
    for (;;) {
      const page = await fetchBounded(before === undefined ? chunk : { ...chunk, before });
      total ??= page.count;
      let fresh = 0;
      for (const pin of page.results) {
        if (seen.has(pin.requestid)) continue;
        seen.add(pin.requestid);
        fresh++;
        if (!matches(pin)) {
          filterIgnored = true;
          continue;
        }
        if (yielded.has(pin.requestid)) continue;
        if (yielded.size >= maxItems) throw tooMuch(`${maxItems} pins`);
        yielded.add(pin.requestid);
        yield pin;
      }
      if (fresh === 0 || filterIgnored) break;
      if (page.results.length < page.count) {
        if (seen.size >= total) break;
      } else if (chunk.limit === undefined || page.results.length !== chunk.limit) {
        break;
      }
      // Else the page is exactly full and its count no larger: some services count the
      // page, not the matches. One more page tells (an empty one ends the loop).
      const oldest = oldestCreated(page.results);
      if (oldest === undefined) break;
      before = oldest;
    }
    if (!filterIgnored && total !== undefined && seen.size < total && chunk.limit !== MAX_LIMIT) {
      // `before` paging missed some: the service does not sort newest first (ipfs-cluster
      // returns any `limit` of them). One request for up to 1000 picks up the rest.
      const page = await fetchBounded({ ...chunk, limit: MAX_LIMIT });
      for (const pin of page.results) {
        if (yielded.has(pin.requestid)) continue;
        if (!matches(pin)) continue;
        if (yielded.size >= maxItems) throw tooMuch(`${maxItems} pins`);
        yielded.add(pin.requestid);
        yield pin;
      }
    }
  }
}

const MAX_LIMIT = 1000;

/** The `created` string of the oldest result, as the service wrote it. */
function oldestCreated(results: readonly PinStatus[]): string | undefined {
  let best: { at: number; created: string } | undefined;
  for (const r of results) {
    const at = Date.parse(r.created);
    if (!Number.isNaN(at) && (best === undefined || at < best.at)) best = { at, created: r.created };
  }
  return best?.created;
}

function tooMuch(what: string): IpfsPinError {
  return new IpfsPinError(
    'PSA_BAD_RESPONSE',
    `The service kept sending pins past ${what} for one listing; stopped reading. Narrow the query (status, name, cid) or check the service.`,
  );
}
