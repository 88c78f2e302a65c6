/**
 * ipfs-pin: the public library API. Named exports only.
 */
export { IpfsPinError, isIpfsPinError, ERROR_CODES, errorMessage } from './errors.js';
export type { ErrorCode, IpfsPinErrorOptions } from './errors.js';
export { CustomProgressEvent } from './progress.js';
export { describeProgress, serviceSummary } from './progress-text.js';
export type { ProgressLine } from './progress-text.js';
export type { CallOptions, ProgressEvent, ProgressOptions } from './progress.js';
export { createPinningClient, normaliseEndpoint, MAX_CIDS_PER_QUERY } from './psa/index.js';
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
} from './psa/index.js';
export { createNode, dialable, isPublicAddress, publicOrigins, UNSUPPORTED_TRANSPORT } from './node/index.js';
export type {
  DialResult,
  IpfsNode,
  NodeCallOptions,
  NodeKind,
  NodeOptions,
  NodeProgressEvent,
  NodeStats,
  KeepOptions,
  BitswapEvent,
} from './node/index.js';
export {
  importDirectory,
  importTree,
  treeFromEntries,
  PROFILES,
  DEFAULT_PROFILE,
  isProfileName,
} from './unixfs/index.js';
export type {
  BlockSink,
  ImportOptions,
  ImportProgressEvent,
  ImportResult,
  ProfileName,
  ProfileOverrides,
  ProfileParams,
  SkippedEntry,
  TreeEntry,
  MemoryEntry,
} from './unixfs/index.js';
export {
  removePins,
  verifyCid,
  DEFAULT_VERIFY_TIMEOUT_MS,
  DEFAULT_VERIFY_LIMITS,
  gatewayUrl,
  checkGatewayTemplate,
  pinDirectory,
  waitForPinned,
  parseDuration,
  parseMeta,
  parsePolicy,
  defaultPinName,
  truncateUtf8,
  MAX_NAME_BYTES,
  DEFAULT_TIMEOUT_MS,
  DEFAULT_MIN_INTERVAL_MS,
} from './pin/index.js';
export type {
  RemovePinsOptions,
  RemovePinsResult,
  RemoveServiceResult,
  RemoveProgressEvent,
  VerifyOptions,
  VerifyResult,
  VerifyProgressEvent,
  PinDirectoryOptions,
  PinDirectoryResult,
  ServiceResult,
  WaitOptions,
  PinFlowProgressEvent,
  ServiceConfig,
  PinPolicy,
  Delivery,
  UploadReport,
} from './pin/index.js';
export { createUploader, parseUploadSpec, autoUpload, UPLOAD_KINDS } from './upload/index.js';
export type {
  CarSource,
  UploadConfig,
  UploadKind,
  UploadOptions,
  UploadProgressEvent,
  UploadResult,
  Uploader,
  UploaderOptions,
} from './upload/index.js';
export { formatBytes, formatMs, plural } from './util/format.js';
export { redactSecrets, secretForms } from './util/secret-forms.js';
