export { type DnsServerHandle, resolveDnsNames, startDnsServer } from './dns-server';
export { type DnsCounters, type DnsNameConfig, type DnsServerOptions, emptyDnsCounters } from './dns-server-protocol';
export {
  BODY_FRAMINGS,
  type BodyFraming,
  GENERATED_BODY_PATH,
  GENERATED_CHUNK_BYTES,
  type GeneratedBodyRequest,
  generatedBodyPath,
  MAX_GENERATED_BODY_BYTES,
  parseGeneratedBody,
  UPLOAD_PATH,
} from './generated-body';
export {
  DEFAULT_H2_MAX_CONCURRENT_STREAMS,
  type H2Counters,
  type H2TargetOptions,
  h2Alpn,
  MAX_H2_STREAMS,
  type ResolvedH2TargetOptions,
  resolveH2TargetOptions,
} from './h2-target-options';
export {
  DEFAULT_TARGET_OPTIONS,
  MAX_BODY_BYTES,
  MAX_KEEP_ALIVE_TIMEOUT_MS,
  MAX_TARGET_TIME_MS,
  type ResolvedTargetOptions,
  type ResolvedTargetTls,
  resolveTargetOptions,
  resolveTargetTls,
  type TargetOptions,
  type TargetTlsOptions,
  TLS_VERSIONS,
  type TlsVersionChoice,
} from './options';
export type { BodyCounters, ConnectionBytes, TargetCounters, TlsCounters } from './protocol';
export { type ProxyCeiling, type ProxyHandle, proxyCeiling, startProxy } from './proxy';
export { DelayLane } from './proxy-delay';
export {
  type ProxyCounters,
  type ProxyOptions,
  type ResolvedProxyOptions,
  resolveProxyOptions,
} from './proxy-protocol';
export { type RaceTargetHandle, startRaceTarget } from './race-target';
export {
  CONNECTION_ENDS,
  type ConnectionEnd,
  type FirstArrival,
  HINT_MODES,
  type HintMode,
  hintHeader,
  IDLE_CLOSE_MODES,
  type IdleCloseMode,
  LYING_HINT_EXTRA_S,
  MAX_RACE_IDLE_TIMEOUT_MS,
  type RaceConnection,
  type RaceTargetCounters,
  type RaceTargetOptions,
  REQUEST_ID_HEADER,
  type ResolvedRaceTargetOptions,
  resolveRaceTargetOptions,
} from './race-target-protocol';
export { startTarget, type TargetHandle } from './target';
export {
  CERT_TYPES,
  type CertType,
  createPki,
  LAB_HOSTNAMES,
  LAB_IPS,
  type LeafCertificate,
  type Pki,
  resolveCertType,
} from './tls-pki';
