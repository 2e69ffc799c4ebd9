import type { Profile } from './case-studies';
import type { Environment } from './environment';

/** A claim checked against the data: `holds` is computed by the notebook, never typed. */
export interface Verdict {
  id: string;
  claim: string;
  holds: boolean;
  evidence: Record<string, number | string | boolean | null>;
}

export interface MeasurementSummary {
  label: string;
  runId: string;
  status: 'completed' | 'errored';
  error: { code: string; message: string } | null;
  file: string;
  client: string;
  clientVersion: string;
  mode: string;
  concurrency: number;
  rateRps: number | null;
  connections: number | null;
  delayMs: number;
  throughputRps: number;
  throughputMin: number | null;
  throughputMax: number | null;
  p50Ms: number;
  p99Ms: number;
  cpuMicrosPerRequest: number;
  errors: number;
  errorsByCode: Record<string, number>;
  targetConnectionsOpened: number;
  targetConnectionsOpenedWarmup: number;
  targetPeakOpenConnections: number;
}

export interface CaseStudyRecord {
  schemaVersion: number;
  kind: 'case-study';
  runId: string;
  caseStudy: string;
  title: string;
  notebook: string;
  profile: Profile;
  status: 'completed' | 'errored';
  startedAt: string;
  finishedAt: string;
  parameters: Record<string, unknown>;
  environment: Environment;
  measurements: MeasurementSummary[];
  verdicts: Verdict[];
  charts: { name: string; alt: string; png: string; svg: string; spec: string }[];
  notes: Record<string, unknown>;
}
