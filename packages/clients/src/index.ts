export { ADAPTERS, clientVersions, getAdapter, isClientName, resolveClientOptions } from './registry';
export {
  CLIENT_NAMES,
  type ClientAdapter,
  type ClientCapabilities,
  type ClientName,
  type ClientOptions,
  type ClientSession,
  DEFAULT_CLIENT_OPTIONS,
  type LookupSpec,
  type ResolvedClientOptions,
  type ResponseInfo,
  type TlsSpec,
} from './types';
export { errorCode, installedVersion } from './version';
