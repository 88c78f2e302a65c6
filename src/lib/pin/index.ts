export { pinDirectory } from './flow.js';
export { removePins } from './remove-pins.js';
export type {
  RemovePinsOptions,
  RemovePinsResult,
  RemoveServiceResult,
  RemoveProgressEvent,
} from './remove-pins.js';
export { verifyCid, DEFAULT_VERIFY_TIMEOUT_MS, DEFAULT_VERIFY_LIMITS } from './verify.js';
export type { VerifyOptions, VerifyResult, VerifyProgressEvent } from './verify.js';
export {
  waitForPinned,
  DEFAULT_TIMEOUT_MS,
  DEFAULT_POLL_MIN_MS,
  DEFAULT_POLL_MAX_MS,
  pollDelay,
} from './wait.js';
export {
  gatewayUrl,
  checkGatewayTemplate,
  parseDuration,
  parseMeta,
  parsePolicy,
  requiredPins,
  defaultPinName,
  truncateUtf8,
  MAX_NAME_BYTES,
} from './inputs.js';
export { DEFAULT_MIN_INTERVAL_MS } from './services.js';
export type {
  PinDirectoryOptions,
  PinDirectoryResult,
  ServiceResult,
  WaitOptions,
  PinFlowProgressEvent,
  ServiceConfig,
  PinPolicy,
  Delivery,
  UploadReport,
} from './types.js';
