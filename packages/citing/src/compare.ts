import { type BenchRecord, type CaseStudyRecord, findRepoRoot, UsageError } from '@casebook/results';
import { bootstrapRatio, median } from '@casebook/stats';
import { type BodyComparison, bodyComparisonMarkdown, compareBodies } from './body-compare';
import { code, num, table } from './markdown';
import { diffParams, type ParamDiff, paramAllowed } from './params';
import { type LoadedRecord, loadMeasurement } from './records';

type TrialRecord = BenchRecord['trials'][number];

export interface MetricSpec {
  id: 'throughput' | 'p50' | 'p99' | 'cpu';
  title: string;
  /** Higher throughput is better; lower latency and CPU per request are better. */
  higherIsBetter: boolean;
  perTrial: (t: TrialRecord) => number;
}

export const METRICS: readonly MetricSpec[] = [
  { id: 'throughput', title: 'throughput (req/s)', higherIsBetter: true, perTrial: (t) => t.throughputRps },
  { id: 'p50', title: 'p50 latency (ms)', higherIsBetter: false, perTrial: (t) => t.latencyMs.p50 },
  { id: 'p99', title: 'p99 latency (ms)', higherIsBetter: false, perTrial: (t) => t.latencyMs.p99 },
  { id: 'cpu', title: 'client CPU (µs/req)', higherIsBetter: false, perTrial: (t) => t.cpuMicrosPerRequest },
];

/** Fewer trials than this per side and the bootstrap cannot tell noise from a difference: no verdict. */
const MIN_TRIALS = 3;
/** Default noise floor: a change smaller than this is "no difference" even if the interval excludes 1. */
export const DEFAULT_MIN_CHANGE = 0.05;
const CONFIDENCE = 0.95;
const RESAMPLES = 2000;

export type CompareVerdict = 'faster' | 'slower' | 'no difference' | 'too few trials' | 'errored' | 'not comparable';

export interface MetricComparison {
  measurement: string;
  metric: MetricSpec['id'];
  title: string;
  higherIsBetter: boolean;
  a: { median: number; n: number; min: number; max: number };
  b: { median: number; n: number; min: number; max: number };
  /** median(b) / median(a) over per-trial values. */
  ratio: number | null;
  ciLow: number | null;
  ciHigh: number | null;
  /** What b is relative to a. */
  verdict: CompareVerdict;
}

export interface CompareOptions {
  /** Parameter names allowed to differ (dotted, last part, or bench flag spelling). */
  allowParamDiff?: readonly string[];
  /** Noise floor as a fraction (0.05 = 5%). */
  minChange?: number;
  metrics?: readonly MetricSpec['id'][];
  repoRoot?: string;
}

export interface Comparison {
  a: { runId: string; kind: string; title: string };
  b: { runId: string; kind: string; title: string };
  test: string;
  confidence: number;
  minChange: number;
  /** Parameters that differ and were allowed to. */
  paramDiffs: ParamDiff[];
  environmentDiffs: ParamDiff[];
  onlyInA: string[];
  onlyInB: string[];
  rows: MetricComparison[];
  /** Two bodies runs: their body summaries matched by direction, client, size and mode ([] otherwise). */
  bodies: BodyComparison[];
  /**
   * Each verdict's outcome in a and in b, when both are case-study runs (empty otherwise): numbers can all move
   * while every claim still holds, and that is what a reader of two runs needs first. In a's order, then b's.
   */
  claims: ClaimOutcomes[];
}

type VerdictOutcome = CaseStudyRecord['verdicts'][number]['outcome'];

export interface ClaimOutcomes {
  id: string;
  kind: CaseStudyRecord['verdicts'][number]['kind'];
  a: VerdictOutcome | 'missing';
  b: VerdictOutcome | 'missing';
}

/** Each verdict of two case-study runs, matched by id. */
export function claimOutcomes(a: CaseStudyRecord, b: CaseStudyRecord): ClaimOutcomes[] {
  const inB = new Map(b.verdicts.map((v) => [v.id, v]));
  const idsA = new Set(a.verdicts.map((v) => v.id));
  return [
    ...a.verdicts.map(
      (v): ClaimOutcomes => ({ id: v.id, kind: v.kind, a: v.outcome, b: inB.get(v.id)?.outcome ?? 'missing' }),
    ),
    ...b.verdicts
      .filter((v) => !idsA.has(v.id))
      .map((v): ClaimOutcomes => ({ id: v.id, kind: v.kind, a: 'missing', b: v.outcome })),
  ];
}

/** Environment fields a reader needs to judge a cross-machine or cross-version comparison (no host names). */
function environmentView(e: LoadedRecord['record']['environment']): Record<string, unknown> {
  return {
    node: e.node,
    v8: e.v8,
    os: `${e.platform} ${e.arch} ${e.osRelease}`,
    cpuModel: e.cpuModel,
    cpuCores: e.cpuCores,
    uvThreadpoolSize: e.uvThreadpoolSize,
    pinning: { method: e.pinning.method, clientCpu: e.pinning.clientCpu, targetCpu: e.pinning.targetCpu },
    clientVersions: e.clientVersions,
    git: e.git,
  };
}

function sideSummary(values: readonly number[]): MetricComparison['a'] {
  return {
    median: values.length ? median(values) : Number.NaN,
    n: values.length,
    min: values.length ? Math.min(...values) : Number.NaN,
    max: values.length ? Math.max(...values) : Number.NaN,
  };
}

/**
 * Compare one metric of two measurements: the percentile-bootstrap interval of median(b)/median(a), resampling
 * trials within each side. A difference is called when the interval excludes 1 and the change reaches the noise
 * floor; its direction respects the metric (more throughput, less latency or CPU is "faster").
 */
/**
 * The independent units of a record: its trials, or — for a steady-state record, whose windows within a block are
 * consecutive slices of one load and not independent — its blocks (the metric over the block's windows, summarised
 * by their median; throughput and CPU per request as the block computed them from sums).
 */
export function sampleUnits(record: BenchRecord, spec: MetricSpec): number[] {
  const blocks = record.method?.blocks;
  if (!blocks || blocks.length === 0) return record.trials.map(spec.perTrial);
  if (spec.id === 'throughput') return blocks.map((b) => b.throughputRps);
  if (spec.id === 'cpu') return blocks.map((b) => b.cpuMicrosPerRequest);
  return blocks.map((b) => {
    const windows = record.trials.filter((t) => 'block' in t && t.block === b.index).map(spec.perTrial);
    return windows.length ? median(windows) : Number.NaN;
  });
}

export function compareMetric(
  measurement: string,
  spec: MetricSpec,
  a: BenchRecord,
  b: BenchRecord,
  minChange: number,
): MetricComparison {
  const va = sampleUnits(a, spec).filter(Number.isFinite);
  const vb = sampleUnits(b, spec).filter(Number.isFinite);
  const base = {
    measurement,
    metric: spec.id,
    title: spec.title,
    higherIsBetter: spec.higherIsBetter,
    a: sideSummary(va),
    b: sideSummary(vb),
  };
  if (a.status !== 'completed' || b.status !== 'completed')
    return { ...base, ratio: null, ciLow: null, ciHigh: null, verdict: 'errored' };
  if (va.length === 0 || vb.length === 0)
    return { ...base, ratio: null, ciLow: null, ciHigh: null, verdict: 'too few trials' };
  const ci = bootstrapRatio(va, vb, { resamples: RESAMPLES, confidence: CONFIDENCE, seed: 1 });
  const ratio = Number.isFinite(ci.ratio) ? ci.ratio : null;
  const low = Number.isFinite(ci.low) ? ci.low : null;
  const high = Number.isFinite(ci.high) ? ci.high : null;
  let verdict: CompareVerdict;
  if (ratio === null || low === null || high === null) verdict = 'not comparable';
  else if (va.length < MIN_TRIALS || vb.length < MIN_TRIALS) verdict = 'too few trials';
  else if ((low > 1 || high < 1) && Math.abs(ratio - 1) >= minChange)
    verdict = ratio > 1 === spec.higherIsBetter ? 'faster' : 'slower';
  else verdict = 'no difference';
  return { ...base, ratio, ciLow: low, ciHigh: high, verdict };
}

const describe = (l: LoadedRecord) => ({
  runId: l.record.runId,
  kind: l.kind,
  title:
    l.kind === 'case-study' ? l.record.title : `${l.record.label} (${l.record.client.name} ${l.record.client.version})`,
});

/** Compare two records (two bench records, or two runs of case studies with measurements matched by label). */
export function compareRecords(a: LoadedRecord, b: LoadedRecord, options: CompareOptions = {}): Comparison {
  const repoRoot = options.repoRoot ?? findRepoRoot();
  const allowed = options.allowParamDiff ?? [];
  const minChange = options.minChange ?? DEFAULT_MIN_CHANGE;
  const metrics = METRICS.filter((m) => !options.metrics || options.metrics.includes(m.id));
  if (a.kind !== b.kind)
    throw new UsageError(
      'records',
      [a.record.runId, b.record.runId],
      `cannot compare a ${a.kind} record with a ${b.kind} record; compare two case-study runs, two bench records, or two measurements (by their run ids)`,
    );
  const pairs: { label: string; a: BenchRecord; b: BenchRecord }[] = [];
  let diffs: ParamDiff[] = [];
  const onlyInA: string[] = [];
  const onlyInB: string[] = [];
  let bodies: BodyComparison[] = [];
  if (a.kind === 'bench' && b.kind === 'bench') {
    const label = a.record.label === b.record.label ? a.record.label : `${a.record.label} → ${b.record.label}`;
    pairs.push({ label, a: a.record, b: b.record });
    diffs = diffParams(a.record.params, b.record.params);
  } else if (a.kind === 'case-study' && b.kind === 'case-study') {
    diffs = diffParams(
      { caseStudy: a.record.caseStudy, profile: a.record.profile, parameters: a.record.parameters },
      { caseStudy: b.record.caseStudy, profile: b.record.profile, parameters: b.record.parameters },
    );
    if (a.record.caseStudy !== b.record.caseStudy)
      diffs.unshift({
        name: 'caseStudy',
        a: JSON.stringify(a.record.caseStudy),
        b: JSON.stringify(b.record.caseStudy),
      });
    const byLabel = new Map(b.record.measurements.map((m) => [m.label, m]));
    for (const ma of a.record.measurements) {
      const mb = byLabel.get(ma.label);
      if (!mb) {
        onlyInA.push(ma.label);
        continue;
      }
      const ra = loadMeasurement(a, ma, repoRoot);
      const rb = loadMeasurement(b, mb, repoRoot);
      pairs.push({ label: ma.label, a: ra, b: rb });
      for (const d of diffParams(ra.params, rb.params, 'measurement'))
        if (!diffs.some((x) => x.name === d.name)) diffs.push(d);
    }
    const labelsA = new Set(a.record.measurements.map((m) => m.label));
    for (const mb of b.record.measurements) if (!labelsA.has(mb.label)) onlyInB.push(mb.label);
    const body = compareBodies(a.record, b.record);
    bodies = body.rows;
    onlyInA.push(...body.onlyInA);
    onlyInB.push(...body.onlyInB);
    if (pairs.length === 0 && bodies.length === 0)
      throw new UsageError('records', [a.record.runId, b.record.runId], 'no measurement labels in common');
  }
  const refused = diffs.filter((d) => !paramAllowed(d.name, allowed));
  if (refused.length > 0) {
    const list = refused.map((d) => `${d.name} ${shortValue(d.name, d.a)} → ${shortValue(d.name, d.b)}`).join('; ');
    const flagName = (n: string) => (n.split('.').pop() ?? n).replace(/[A-Z]/g, (ch) => `-${ch.toLowerCase()}`);
    const names = [...new Set(refused.map((d) => flagName(d.name)))].join(',');
    throw new UsageError(
      'parameters',
      list,
      `the two runs were measured with different parameters; to compare them anyway pass --allow-param-diff ${names}`,
    );
  }
  const rows: MetricComparison[] = [];
  for (const p of pairs) for (const m of metrics) rows.push(compareMetric(p.label, m, p.a, p.b, minChange));
  return {
    a: describe(a),
    b: describe(b),
    test:
      `percentile bootstrap ${CONFIDENCE * 100}% CI of median(b)/median(a) over per-trial values (per-block for steady-state records) ` +
      `(${RESAMPLES} resamples, seeded); a difference is called when the CI excludes 1 and the change is at least ` +
      `${num(minChange * 100)}%; at least ${MIN_TRIALS} trials per side`,
    confidence: CONFIDENCE,
    minChange,
    paramDiffs: diffs,
    environmentDiffs: diffParams(environmentView(a.record.environment), environmentView(b.record.environment)),
    onlyInA,
    onlyInB,
    rows,
    bodies,
    claims: a.kind === 'case-study' && b.kind === 'case-study' ? claimOutcomes(a.record, b.record) : [],
  };
}

function shortValue(name: string, v: string | null): string {
  if (v === null) return 'unset';
  if (name === 'git.commit' && v.length > 14) return v.slice(1, 13);
  return v.replace(/^"(.*)"$/, '$1');
}

/** Markdown for a terminal or an issue comment. */
export function comparisonMarkdown(c: Comparison): string {
  const out = [
    `**a** = ${code(c.a.runId)} ${c.a.title} · **b** = ${code(c.b.runId)} ${c.b.title}`,
    '',
    table(
      ['measurement', 'metric', 'a median', 'b median', 'b / a', `${c.confidence * 100}% CI`, 'b is'],
      c.rows.map((r) => [
        r.measurement,
        r.title,
        `${num(r.a.median)} (n=${r.a.n})`,
        `${num(r.b.median)} (n=${r.b.n})`,
        r.ratio === null ? '—' : `${r.ratio.toFixed(3)}×`,
        r.ciLow === null || r.ciHigh === null ? '—' : `${r.ciLow.toFixed(3)}–${r.ciHigh.toFixed(3)}`,
        r.verdict === 'faster' || r.verdict === 'slower'
          ? `**${r.verdict}**`
          : r.verdict === 'no difference'
            ? 'no difference within noise'
            : r.verdict,
      ]),
      ['l', 'l', 'r', 'r', 'r', 'r', 'l'],
    ),
    '',
    `Test: ${c.test}. "faster" means more throughput, or less latency or CPU per request.`,
  ];
  if (c.paramDiffs.length > 0)
    out.push(
      '',
      `Parameters that differ (allowed): ${c.paramDiffs.map((d) => `${d.name} ${shortValue(d.name, d.a)} → ${shortValue(d.name, d.b)}`).join('; ')}`,
    );
  out.push(
    '',
    c.environmentDiffs.length === 0
      ? 'Environment: identical (Node, CPU, OS, pinning, client versions, git commit).'
      : `Environment differences: ${c.environmentDiffs.map((d) => `${d.name} ${shortValue(d.name, d.a)} → ${shortValue(d.name, d.b)}`).join('; ')}`,
  );
  if (c.claims.length > 0) {
    const changed = c.claims.filter((x) => x.a !== x.b).length;
    out.push(
      '',
      `Claims (${changed === 0 ? 'every outcome the same in a and b' : `${changed} outcome${changed === 1 ? '' : 's'} differ`}):`,
      '',
      table(
        ['verdict', 'kind', 'a', 'b', ''],
        c.claims.map((x) => [x.id, x.kind, x.a, x.b, x.a === x.b ? 'same' : '**differs**']),
      ),
    );
  }
  if (c.bodies.length > 0) out.push('', bodyComparisonMarkdown(c.bodies));
  if (c.onlyInA.length > 0) out.push('', `Only in a (not compared): ${c.onlyInA.join(', ')}`);
  if (c.onlyInB.length > 0) out.push('', `Only in b (not compared): ${c.onlyInB.join(', ')}`);
  return `${out.join('\n')}\n`;
}
