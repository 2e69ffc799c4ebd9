export {
  CONTROL_TIMEOUT_MS,
  type ControlCodes,
  type ControlledChild,
  type ControlledChildOptions,
  STARTUP_TIMEOUT_MS,
  startControlledChild,
} from './control';
export {
  type FdNeed,
  type FdPreflightInput,
  type FileLimits,
  fdNeed,
  fdPreflight,
  fileLimits,
  fileLimitWrapper,
} from './fd-limits';
export {
  channelToParent,
  PARENT_GONE_EXIT_CODE,
  type ParentChannel,
  type ParentProcess,
  parentChannel,
} from './parent-channel';
export {
  exitOnSignals,
  liveChildren,
  type PinningPlan,
  pinningPlan,
  placements,
  resetPlacements,
  type SpawnNodeOptions,
  type SpawnPinnedOptions,
  type StopSignal,
  spawnNode,
  spawnPinned,
  stopChild,
} from './placement';
export { announceListening, ControlRefusal, type ControlRequest, failFatal, serveControl } from './serve';
export { ipcTransport, jsonLinesTransport, type WorkerTransport } from './transport';
export {
  defaultStoreDir,
  findStoredVersion,
  type InstallOptions,
  installVersion,
  integrityPrefix,
  isStorePackage,
  npmPackageFor,
  parseVersionsView,
  REGISTRY_MAX_AGE_MS,
  type RegistryMetadata,
  registryMetadata,
  STORE_PACKAGES,
  type StoredVersion,
  type StorePackage,
} from './version-store';
