import * as fs from 'node:fs';
import type { CaseStudyRecord, Correction } from '@casebook/results';
import { correctionFor } from '@casebook/results';
import { loadMeasurement, locateRunFile } from '../records';

/**
 * The compact per-run JSON the site writes as `data/<run-id>.json`: what compare.html needs to put two runs side by
 * side in the browser (claims, measurement medians with their intervals, environment), without the full records.
 */
export interface RunData {
  runId: string;
  caseStudy: string;
  title: string;
  profile: string;
  status: string;
  startedAt: string;
  commit: string | null;
  supersededBy: { runId: string; reason: string; date: string } | null;
  environment: {
    node: string;
    cpuModel: string;
    cpuCores: number;
    os: string;
    pinning: string;
    clientVersions: Record<string, string>;
  };
  claims: {
    id: string;
    kind: string;
    outcome: string;
    claim: string;
    statistic: { name: string; value: number; ci95: [number, number] | null } | null;
  }[];
  measurements: {
    label: string;
    client: string;
    clientVersion: string;
    status: string;
    throughputRps: number;
    /** 95 % interval of the median throughput, from the bench record; null with too few rounds or no bench file. */
    throughputCi95: [number, number] | null;
    p50Ms: number;
    p99Ms: number;
    cpuMicrosPerRequest: number;
    errors: number;
  }[];
}

export type CaseStudyLoaded = { file: string; record: CaseStudyRecord };

/** The interval of one measurement's median throughput, read from its bench record when the file is there. */
function throughputCi95(
  loaded: CaseStudyLoaded,
  m: CaseStudyRecord['measurements'][number],
  repoRoot: string,
): [number, number] | null {
  if (!fs.existsSync(locateRunFile(loaded.file, loaded.record.runId, m.file, repoRoot))) return null;
  const ci = loadMeasurement(loaded, m, repoRoot).throughputSpread?.ci95 ?? null;
  return ci === null ? null : [ci[0], ci[1]];
}

export function runData(loaded: CaseStudyLoaded, corrections: readonly Correction[], repoRoot: string): RunData {
  const r = loaded.record;
  const e = r.environment;
  const correction = correctionFor(r.runId, corrections);
  return {
    runId: r.runId,
    caseStudy: r.caseStudy,
    title: r.title,
    profile: r.profile,
    status: r.status,
    startedAt: r.startedAt,
    commit: e.git.commit,
    supersededBy:
      correction === undefined
        ? null
        : { runId: correction.supersededBy, reason: correction.reason, date: correction.date },
    environment: {
      node: e.node,
      cpuModel: e.cpuModel,
      cpuCores: e.cpuCores,
      os: `${e.platform} ${e.arch} ${e.osRelease}`,
      pinning: e.pinning.reason,
      clientVersions: { ...e.clientVersions },
    },
    claims: r.verdicts.map((v) => ({
      id: v.id,
      kind: v.kind,
      outcome: v.outcome,
      claim: v.claim,
      statistic:
        v.statistic === undefined
          ? null
          : {
              name: v.statistic.name,
              value: v.statistic.value,
              ci95: v.statistic.ci95 === null ? null : [v.statistic.ci95[0], v.statistic.ci95[1]],
            },
    })),
    measurements: r.measurements.map((m) => ({
      label: m.label,
      client: m.client,
      clientVersion: m.clientVersion,
      status: m.status,
      throughputRps: m.throughputRps,
      throughputCi95: throughputCi95(loaded, m, repoRoot),
      p50Ms: m.p50Ms,
      p99Ms: m.p99Ms,
      cpuMicrosPerRequest: m.cpuMicrosPerRequest,
      errors: m.errors,
    })),
  };
}
