import {
  type BenchRecord,
  type CaseStudyRecord,
  type Environment,
  newRunId,
  type ReproductionRecord,
  SCHEMA_VERSION,
} from '@casebook/results';
import { code, num, table, times } from './markdown';

/**
 * A reproduction: one case-study run set beside a rerun of it (same case study, same profile, another machine or
 * day), judged per claim. Absolute throughput moves a lot between machines of one kind (0.46–0.91× measured for
 * 512-at-once) while every claim still holds, so the question "did it reproduce?" is answered by the claims'
 * outcomes; the numbers are reported as drift ratios, never as "slower". Pure: records in, record out (only the
 * reproduction's own run id and its createdAt come from the random source and the clock).
 */

/** A case-study run and the bench records of its measurements (any subset: a record copied without its benches). */
export interface ReproductionSide {
  record: CaseStudyRecord;
  benches: readonly BenchRecord[];
}

export type ReproducedClaim = ReproductionRecord['claims'][number];
export type Drift = ReproductionRecord['drift'][number];
export type DriftMetric = Drift['metric'];
export type EnvironmentDifference = ReproductionRecord['environmentDiff'][number];
type Scalar = EnvironmentDifference['original'];

/** Evidence longer than this is cut: the report is a table, the full evidence stays in both records. */
const EVIDENCE_MAX_CHARS = 160;

/** Verdict kinds that count: sanity checks and exploratory observations are listed but not counted. */
const COUNTED_KIND = 'claim';

/** A verdict's evidence as one short line: the statistic with its interval first, then the evidence entries. */
export function evidenceText(v: CaseStudyRecord['verdicts'][number]): string {
  const parts: string[] = [];
  if (v.statistic !== undefined) {
    const ci = v.statistic.ci95 === null ? '' : ` (CI ${num(v.statistic.ci95[0], 3)}–${num(v.statistic.ci95[1], 3)})`;
    parts.push(`${num(v.statistic.value, 3)}${ci}`);
  }
  for (const [key, value] of Object.entries(v.evidence)) {
    if (v.statistic !== undefined && (key === 'low' || key === 'high')) continue;
    parts.push(`${key}: ${typeof value === 'number' ? num(value, 3) : String(value)}`);
  }
  const text = parts.join('; ');
  return text.length <= EVIDENCE_MAX_CHARS ? text : `${text.slice(0, EVIDENCE_MAX_CHARS - 1)}…`;
}

function compareClaims(original: CaseStudyRecord, reproduced: CaseStudyRecord): ReproducedClaim[] {
  const here = new Map(reproduced.verdicts.map((v) => [v.id, v]));
  const rows = original.verdicts.map((v): ReproducedClaim => {
    const r = here.get(v.id);
    return {
      id: v.id,
      kind: v.kind,
      original: v.outcome,
      reproduced: r === undefined ? 'missing' : r.outcome,
      status: r === undefined ? 'missing' : r.outcome === v.outcome ? 'reproduced' : 'not-reproduced',
      originalEvidence: evidenceText(v),
      reproducedEvidence: r === undefined ? '' : evidenceText(r),
    };
  });
  // Claims first (they are what a reproduction is judged on), then the rest, each in the original's order.
  return [...rows.filter((c) => c.kind === COUNTED_KIND), ...rows.filter((c) => c.kind !== COUNTED_KIND)];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Client-to-reference throughput ratios a run recorded, by measurement label: the interleaved designs write
 * `notes.interleaved[<design>].ratios[] = { label, reference, ratio: { median } }`. Notes are open-ended, so each
 * level is checked; anything else is ignored.
 */
export function referenceRatios(record: CaseStudyRecord): Map<string, number> {
  const out = new Map<string, number>();
  const interleaved = record.notes['interleaved'];
  if (!isObject(interleaved)) return out;
  for (const design of Object.values(interleaved)) {
    if (!isObject(design) || !Array.isArray(design['ratios'])) continue;
    for (const entry of design['ratios']) {
      if (!isObject(entry) || typeof entry['label'] !== 'string' || !isObject(entry['ratio'])) continue;
      const median = entry['ratio']['median'];
      if (typeof median === 'number' && Number.isFinite(median)) out.set(entry['label'], median);
    }
  }
  return out;
}

type MeasurementValues = Map<string, Record<DriftMetric, number | null>>;

/** Median throughput and CPU per request of each completed measurement (from its bench record when present). */
function measurementValues(side: ReproductionSide): MeasurementValues {
  const ratios = referenceRatios(side.record);
  const out: MeasurementValues = new Map();
  for (const m of side.record.measurements) {
    const bench = side.benches.find((b) => b.label === m.label);
    const completed = (bench?.status ?? m.status) === 'completed';
    out.set(m.label, {
      throughputRps: completed ? (bench?.throughputRps ?? m.throughputRps) : null,
      cpuMicrosPerRequest: completed ? (bench?.cpuMicrosPerRequest ?? m.cpuMicrosPerRequest) : null,
      ratioToReference: ratios.get(m.label) ?? null,
    });
  }
  return out;
}

const DRIFT_METRICS: readonly DriftMetric[] = ['throughputRps', 'cpuMicrosPerRequest', 'ratioToReference'];

function driftRows(original: ReproductionSide, reproduced: ReproductionSide): Drift[] {
  const a = measurementValues(original);
  const b = measurementValues(reproduced);
  const labels = [...a.keys(), ...[...b.keys()].filter((l) => !a.has(l))];
  const anyRatios = [...a.values(), ...b.values()].some((v) => v.ratioToReference !== null);
  const rows: Drift[] = [];
  for (const label of labels) {
    for (const metric of DRIFT_METRICS) {
      const x = a.get(label)?.[metric] ?? null;
      const y = b.get(label)?.[metric] ?? null;
      // Ratios exist for the non-reference members of interleaved designs only: no empty rows for the others.
      if (metric === 'ratioToReference' && (!anyRatios || (x === null && y === null))) continue;
      rows.push({
        measurement: label,
        metric,
        original: x,
        reproduced: y,
        ratio: x !== null && y !== null && x !== 0 ? y / x : null,
      });
    }
  }
  return rows;
}

/** Client versions that differ between two environments (a client only on one side counts, with null). */
export function clientVersionDiff(
  original: Readonly<Record<string, string>>,
  reproduced: Readonly<Record<string, string>>,
): EnvironmentDifference[] {
  const names = [...new Set([...Object.keys(original), ...Object.keys(reproduced)])].sort();
  return names
    .map((n) => ({ field: `clientVersions.${n}`, original: original[n] ?? null, reproduced: reproduced[n] ?? null }))
    .filter((d) => d.original !== d.reproduced);
}

/** The fields a reader needs to judge a cross-machine rerun: no host names, no git (the original's commit is kept). */
function environmentFields(e: Environment): Map<string, Scalar> {
  const out = new Map<string, Scalar>([
    ['node', e.node],
    ['cpuModel', e.cpuModel],
    ['cpuCores', e.cpuCores],
    ['osRelease', e.osRelease],
    ['pinning.method', e.pinning.method],
    ['pinning.clientCpu', e.pinning.clientCpu],
    ['pinning.targetCpu', e.pinning.targetCpu],
    ['uvThreadpoolSize', e.uvThreadpoolSize],
  ]);
  // Null in records migrated from schemaVersion 3: those fields are then absent on that side (compared with null).
  if (e.limits !== null) {
    out.set('limits.openFilesSoft', e.limits.openFilesSoft);
    out.set('limits.openFilesHard', e.limits.openFilesHard);
    out.set('limits.openFilesForChildren', e.limits.openFilesForChildren);
    const ports = e.limits.ephemeralPorts;
    out.set('limits.ephemeralPorts', ports === null ? null : `${ports[0]}–${ports[1]}`);
  }
  return out;
}

export function environmentDiff(original: Environment, reproduced: Environment): EnvironmentDifference[] {
  const a = environmentFields(original);
  const b = environmentFields(reproduced);
  const fields = [...a.keys(), ...[...b.keys()].filter((f) => !a.has(f))];
  const diffs = fields
    .map((field) => ({ field, original: a.get(field) ?? null, reproduced: b.get(field) ?? null }))
    .filter((d) => d.original !== d.reproduced);
  return [...diffs, ...clientVersionDiff(original.clientVersions, reproduced.clientVersions)];
}

/**
 * The counted claims split by what the original decided. A claim decided in the original (holds or fails) is
 * reproduced when the rerun gives the same outcome; a claim unresolved in the original has no finding to reproduce,
 * so unresolved again is not a reproduction and decided here is a new finding, not a failure to reproduce.
 */
interface ClaimTally {
  decided: number;
  decidedReproduced: number;
  decidedNotReproduced: number;
  decidedMissing: number;
  undecided: number;
  undecidedAgain: number;
  undecidedDecidedHere: number;
  undecidedMissing: number;
}

const isDecided = (outcome: ReproducedClaim['reproduced']): boolean => outcome === 'holds' || outcome === 'fails';

function tallyClaims(claims: readonly ReproducedClaim[]): ClaimTally {
  const counted = claims.filter((c) => c.kind === COUNTED_KIND);
  const decided = counted.filter((c) => isDecided(c.original));
  const undecided = counted.filter((c) => !isDecided(c.original));
  const count = (rows: readonly ReproducedClaim[], status: ReproducedClaim['status']) =>
    rows.filter((c) => c.status === status).length;
  return {
    decided: decided.length,
    decidedReproduced: count(decided, 'reproduced'),
    decidedNotReproduced: count(decided, 'not-reproduced'),
    decidedMissing: count(decided, 'missing'),
    undecided: undecided.length,
    undecidedAgain: undecided.filter((c) => c.reproduced === 'unresolved').length,
    undecidedDecidedHere: undecided.filter((c) => isDecided(c.reproduced)).length,
    undecidedMissing: count(undecided, 'missing'),
  };
}

/** Judge a rerun against the run it reproduces. */
export function reproductionReport(original: ReproductionSide, reproduced: ReproductionSide): ReproductionRecord {
  const o = original.record;
  const claims = compareClaims(o, reproduced.record);
  const counted = claims.filter((c) => c.kind === COUNTED_KIND);
  const tally = tallyClaims(claims);
  return {
    schemaVersion: SCHEMA_VERSION,
    kind: 'reproduction',
    runId: newRunId(`${o.runId}-repro`),
    createdAt: new Date().toISOString(),
    original: {
      runId: o.runId,
      caseStudy: o.caseStudy,
      profile: o.profile,
      commit: o.environment.git.commit,
      machineId: o.environment.machineId,
    },
    reproducedRunId: reproduced.record.runId,
    environment: reproduced.record.environment,
    environmentDiff: environmentDiff(o.environment, reproduced.record.environment),
    claims,
    drift: driftRows(original, reproduced),
    summary: {
      claims: counted.length,
      reproduced: counted.filter((c) => c.status === 'reproduced').length,
      notReproduced: counted.filter((c) => c.status === 'not-reproduced').length,
      missing: counted.filter((c) => c.status === 'missing').length,
      decided: tally.decided,
      decidedReproduced: tally.decidedReproduced,
      undecided: tally.undecided,
      undecidedDecidedHere: tally.undecidedDecidedHere,
    },
  };
}

const METRIC_TITLES: Record<DriftMetric, string> = {
  throughputRps: 'throughput (req/s, median)',
  cpuMicrosPerRequest: 'client CPU (µs/req)',
  ratioToReference: 'ratio to reference',
};

const STATUS_TEXT: Record<ReproducedClaim['status'], string> = {
  reproduced: 'reproduced',
  'not-reproduced': '**not reproduced**',
  missing: '**missing**',
};

/** A row's status for people: an outcome unresolved in the original is not reproduced by anything the rerun gives. */
function statusText(c: ReproducedClaim): string {
  if (isDecided(c.original) || c.status === 'missing') return STATUS_TEXT[c.status];
  return c.reproduced === 'unresolved' ? 'unresolved in both' : 'decided here (unresolved in the original)';
}

const plural = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;

/**
 * The report's first line: decided claims reproduced (the finding), then the claims the original left unresolved,
 * which count neither way.
 */
function headline(r: ReproductionRecord): string {
  const t = tallyClaims(r.claims);
  const run = `${code(r.original.runId)} (${r.original.caseStudy}, profile ${code(r.original.profile)}) rerun as ${code(r.reproducedRunId)}`;
  const parts =
    t.decided === 0
      ? [`**no claim was decided in the original: nothing to reproduce** — ${run}`]
      : [
          `**${t.decidedReproduced} of ${plural(t.decided, 'decided claim', 'decided claims')} reproduced** (the same outcome, holds or fails, here) — ${run}`,
          ...(t.decidedNotReproduced > 0 ? [`${t.decidedNotReproduced} not reproduced`] : []),
          ...(t.decidedMissing > 0 ? [`${t.decidedMissing} missing from the rerun`] : []),
        ];
  if (t.undecided > 0) {
    const what = [
      `${t.undecidedAgain} unresolved again`,
      `${t.undecidedDecidedHere} decided here`,
      ...(t.undecidedMissing > 0 ? [`${t.undecidedMissing} missing from the rerun`] : []),
    ];
    parts.push(
      `${plural(t.undecided, 'claim was', 'claims were')} unresolved in the original: ${what.join(', ')} (neither counts as reproduced)`,
    );
  }
  return `${parts.join('; ')}.`;
}

const cellValue = (v: Scalar): string => (v === null ? '—' : String(v));

/** The report `casebook reproduce` prints: the headline, the claims, the drift, the environment differences. */
export function reproductionMarkdown(r: ReproductionRecord): string {
  const out = [headline(r), ''];
  const row = (c: ReproducedClaim) => [
    c.id,
    c.original,
    c.reproduced,
    statusText(c),
    c.originalEvidence,
    c.reproducedEvidence,
  ];
  const header = ['claim', 'original', 'here', 'status', 'original evidence', 'evidence here'];
  const counted = r.claims.filter((c) => c.kind === COUNTED_KIND);
  const others = r.claims.filter((c) => c.kind !== COUNTED_KIND);
  if (counted.length > 0) out.push(table(header, counted.map(row)), '');
  if (others.length > 0)
    out.push(
      'Sanity checks and exploratory observations (not counted):',
      '',
      table(
        ['verdict', 'kind', 'original', 'here', 'status'],
        others.map((c) => [c.id, c.kind, c.original, c.reproduced, statusText(c)]),
      ),
      '',
    );
  if (r.drift.length > 0) {
    const measurements = [...new Set(r.drift.map((d) => d.measurement))];
    const metrics = DRIFT_METRICS.filter((m) => r.drift.some((d) => d.metric === m));
    const cellOf = (label: string, metric: DriftMetric): string => {
      const d = r.drift.find((x) => x.measurement === label && x.metric === metric);
      return d === undefined ? '' : `${num(d.original)} → ${num(d.reproduced)} (${times(d.ratio)})`;
    };
    out.push(
      table(
        ['measurement', ...metrics.map((m) => METRIC_TITLES[m])],
        measurements.map((label) => [label, ...metrics.map((m) => cellOf(label, m))]),
        ['l', ...metrics.map(() => 'r')],
      ),
      '',
      '<sub>Each cell: original → here (here ÷ original). Drift is reported, not judged: absolute numbers move between machines of one kind while the claims hold.</sub>',
      '',
    );
  }
  if (r.environmentDiff.length === 0)
    out.push('Environment: the same Node, CPU, OS release, pinning, limits and client versions.');
  else
    out.push(
      'Environment differences:',
      '',
      table(
        ['field', 'original', 'here'],
        r.environmentDiff.map((d) => [d.field, cellValue(d.original), cellValue(d.reproduced)]),
      ),
    );
  return `${out.join('\n')}\n`;
}
