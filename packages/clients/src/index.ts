export { BUN_DEFAULT_MAX_HTTP_REQUESTS } from './adapters/runtime-fetch';
export { clientSecureContext, delayedLookup, openClientSession, perRequestSession } from './adapters/tls-common';
export { prepareUploadBuffer, releaseUploadBuffer } from './adapters/upload-source';
export { clientPackageRoot, useClientPackages } from './client-modules';
export {
  caresLookup,
  createLookup,
  LOOKUP_SUPPORT,
  type LookupHandle,
  resolveLookupSpec,
  type SocketLookup,
  withUndiciLookup,
} from './lookup';
export { nodeGlobalDispatcherSettings, symbolValue, undiciLiveSettings } from './pool-introspection';
export {
  checkRetryChoice,
  openRaceSession,
  RACE_METHODS,
  type RaceMethod,
  type RaceRequest,
  type RaceResponse,
  type RaceSession,
  type RaceSessionOptions,
  RETRY_CHOICES,
  type RetryChoice,
} from './race-session';
export { ADAPTERS, clientVersions, getAdapter, isClientName, resolveClientOptions } from './registry';
export {
  BODY_CONSUMPTIONS,
  type BodyConsumption,
  type BodyResponse,
  CLIENT_NAMES,
  type ClientAdapter,
  type ClientCapabilities,
  type ClientName,
  type ClientOptions,
  type ClientSession,
  DEFAULT_CLIENT_OPTIONS,
  H2_CLIENT_NAMES,
  LOOKUP_STRATEGIES,
  type LookupSpec,
  type LookupStrategy,
  type ResolvedClientOptions,
  type ResponseInfo,
  RUNTIME_FETCH_CLIENT_NAMES,
  type TlsSpec,
  UPLOAD_MODES,
  type UploadMode,
  type UploadResponse,
} from './types';
export { errorCode, installedVersion } from './version';
export {
  CLIENT_VERSION_SUPPORT,
  checkClientVersion,
  checkFetchRuntimeVersion,
  checkRuntimeVersion,
  clientEnginesProblem,
  FETCH_RUNTIME_SUPPORT,
  type FetchRuntime,
  fetchRuntimeOf,
  RUNTIME_SUPPORT,
  type VersionSupport,
} from './version-support';
