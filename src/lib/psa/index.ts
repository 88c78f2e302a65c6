export { createPinningClient } from './client.js';
export { normaliseEndpoint } from './endpoint.js';
export { MAX_CIDS_PER_QUERY } from './list-query.js';
export type {
  ListQuery,
  Pin,
  PinResults,
  PinStatus,
  PinningClient,
  PinningClientOptions,
  PsaCallOptions,
  PsaProgressEvent,
  Status,
  TextMatchingStrategy,
} from './types.js';
