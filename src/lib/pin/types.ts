import type { CallOptions, ProgressEvent } from '../progress.js';
import type { ImportProgressEvent, ImportResult, ProfileName } from '../unixfs/types.js';
import type { IpfsNode, NodeKind, NodeProgressEvent, DialResult } from '../node/types.js';
import type { PinningClient, PinStatus, PsaProgressEvent } from '../psa/types.js';
import type { IpfsPinError } from '../errors.js';
import type { UploadConfig, UploadKind, UploadProgressEvent } from '../upload/types.js';

export interface ServiceConfig {
  /**
   * The Pinning Service API base URL. Optional only for a bare Kubo RPC target (`upload`
   * of kind `kubo`): then the upload's own pin is the result, checked with `pin ls`.
   */
  endpoint?: string;
  token?: string;
  /** Label for reports (default: the endpoint's host). */
  label?: string;
  /** Least ms between two requests to this service (request budget). Default 1000. */
  minIntervalMs?: number;
  /**
   * Dial delegates on loopback, private and link-local IPs. Default: only when the endpoint
   * itself is on such an address, or its name resolves only to such addresses (a cluster on
   * localhost or on a private network); set true
   * for a service on a public name whose peers are private (a VPN), false to never.
   */
  privateDelegates?: boolean;
  /**
   * Push the CAR to the service before pinning by CID: a Cluster REST API, a Kubo RPC, or
   * Pinata's / Filebase's uploads. `auto` (default): an upload where the endpoint is
   * Pinata's or Filebase's and the token can do it; `off`: bitswap only. A failed upload
   * costs only time (the node serves over bitswap meanwhile) unless `required` is set.
   */
  upload?: UploadConfig | 'auto' | 'off';
}

/** How a service got the data: the upload, bitswap from our node, or both. */
export type Delivery = 'upload' | 'bitswap' | 'both';

export interface UploadReport {
  kind: UploadKind;
  /** Where it went (an origin, no credentials). */
  origin: string;
  ok: boolean;
  bytes: number;
  ms: number;
  /** The root the service reported. */
  root?: string;
  error?: IpfsPinError;
}

/** 'all' (default), 'any', or the least number of services that must pin. */
export type PinPolicy = 'all' | 'any' | number;

export type PinFlowProgressEvent =
  | ImportProgressEvent
  | NodeProgressEvent
  | PsaProgressEvent
  | UploadProgressEvent
  | ProgressEvent<'pin:upload:start', { service: string; kind: UploadKind; origin: string; bytes: number }>
  | ProgressEvent<
      'pin:upload:done',
      { service: string; kind: UploadKind; origin: string; root: string; bytes: number; ms: number }
    >
  | ProgressEvent<
      'pin:upload:failed',
      {
        service: string;
        kind: UploadKind;
        origin: string;
        code: string;
        message: string;
        /** What happens now: bitswap carries on, or the service fails (`required`). */
        then: 'bitswap' | 'fail';
      }
    >
  | ProgressEvent<'pin:import:done', ImportResult>
  | ProgressEvent<'pin:existing:found', { service: string; requestid: string; status: string }>
  | ProgressEvent<
      'pin:submit:done',
      { service: string; requestid: string; status: string; withOrigins: boolean }
    >
  | ProgressEvent<
      'pin:status:changed',
      { service: string; requestid: string; status: string; details?: string }
    >
  | ProgressEvent<'pin:status:unknown', { service: string; requestid: string; status: string }>
  | ProgressEvent<'pin:delegate:dialled', { service: string } & DialResult>
  | ProgressEvent<'pin:service:done', ServiceResult>
  | ProgressEvent<'pin:replace:done', { service: string; removed: string[] }>;

export interface PinDirectoryOptions extends CallOptions<PinFlowProgressEvent> {
  path: string;
  services: ServiceConfig[];
  /** Also write the DAG as a CARv1 file here while importing (see ImportOptions.car). */
  car?: string;
  name?: string;
  meta?: Record<string, string>;
  profile?: ProfileName;
  hidden?: boolean;
  ignore?: string[];
  /** Overall deadline for the wait (ms). Default 10 min. */
  timeoutMs?: number;
  /** false: submit and return the requestids at once. Default true. */
  wait?: boolean;
  policy?: PinPolicy;
  /** After pinned, remove older pins with the same name on that service. */
  replace?: boolean;
  /** Delete the pin when the deadline passes. Default false: it stays. */
  deleteOnTimeout?: boolean;
  /** Leave the node running (returned in the result). Default false. */
  keepNode?: boolean;
  /** Use this node instead of creating one. */
  node?: IpfsNode;
  nodeOptions?: { kind?: NodeKind; apiUrl?: string; binary?: string; tempDir?: string; memoryBytes?: number };
  /** Injected fetch for the clients. */
  fetch?: typeof globalThis.fetch;
  /** Poll delays: first and largest (ms). Defaults 1000 and 30000. */
  pollMinMs?: number;
  pollMaxMs?: number;
  /**
   * Keep serving and waiting on every service until each one finished or the deadline.
   * Default false: stop as soon as the policy is met (or can no longer be met); the pins
   * on the other services stay, they fetch the data from the services that pinned it.
   */
  waitForAll?: boolean;
  /** Source of randomness for the poll jitter (tests). Default Math.random. */
  random?: () => number;
}

export interface ServiceResult {
  service: string;
  endpoint: string;
  requestid?: string;
  status: string;
  /** true when an existing pin was reused. */
  reused: boolean;
  delegates: string[];
  dialled: DialResult[];
  ms: number;
  details?: string;
  error?: IpfsPinError;
  /** With `replace`: requestids of the older pins removed. */
  removed?: string[];
  /** With `replace`: removing older pins failed (the pin itself is fine). */
  replaceError?: IpfsPinError;
  /** true when the flow stopped waiting on this service because the policy was decided. */
  stopped?: boolean;
  /** The CAR upload, when the service has one. */
  upload?: UploadReport;
  /** How the service got the data (set once it pinned or the flow ended with an upload). */
  delivery?: Delivery;
}

export interface PinDirectoryResult {
  cid: string;
  import: ImportResult;
  services: ServiceResult[];
  /** Whether the policy was met. */
  ok: boolean;
  /** What our node served over bitswap; `ms` from its first block to its last (embedded node). */
  served: { blocks: number; bytes: number; ms?: number };
  /** Only with keepNode. */
  node?: IpfsNode;
}

export interface WaitOptions extends CallOptions<PinFlowProgressEvent> {
  timeoutMs?: number;
  pollMinMs?: number;
  pollMaxMs?: number;
  /** Dial the delegates of each status with this node. */
  node?: IpfsNode;
  /** Dial delegates on loopback/private IPs. Default: when the client's endpoint is on such a host (its name resolved). */
  privateDelegates?: boolean;
  service?: string;
  /** Least ms between two requests (request budget). Default 1000. */
  minIntervalMs?: number;
  /** Delete the pin when the deadline passes. Default false: it stays. */
  deleteOnTimeout?: boolean;
  /** Source of randomness for the poll jitter (tests). Default Math.random. */
  random?: () => number;
}

export type { PinningClient, PinStatus };

export type OnProgress = ((event: PinFlowProgressEvent) => void) | undefined;

/** Hands an event to the caller; a broken progress printer must not break a pin. */
export function emit(onProgress: OnProgress, event: PinFlowProgressEvent): void {
  try {
    onProgress?.(event);
  } catch {
    // ignored on purpose
  }
}
