import type { Verdict } from '@casebook/results';
import type { MedianInterval } from '@casebook/stats';

/**
 * Verdicts that can fail. Every verdict says what kind it is:
 * - `claim`: a falsifiable hypothesis whose threshold is stated in its text before the measurement;
 * - `sanity`: an identity or a bound the harness or the server enforces (shown, never counted as a finding);
 * - `exploratory`: not counted as a finding, and labelled so: added after seeing the data, unless its evidence says it
 *   was declared before the run (`declaredBeforeRun`): then it reads as declared before the run, not counted, or as
 *   descriptive when it has no threshold.
 * A claim about a measured quantity carries the statistic and its 95 % interval, and its outcome is decided by the
 * interval: `holds` when the whole interval is on the claimed side of the threshold, `fails` when the whole interval
 * is on the other side, `unresolved` when the interval straddles it (the data's precision cannot decide) or when the
 * guards kept the comparison out (then its evidence has `comparable: false` and the guard's `reason`, which the
 * notebook's headline prints instead of "cannot decide at this precision").
 */

export type VerdictKind = 'claim' | 'sanity' | 'exploratory';
export type Outcome = 'holds' | 'fails' | 'unresolved';
export type Evidence = Record<string, number | string | boolean | null>;

export interface Statistic {
  name: string;
  value: number;
  ci95: [number, number] | null;
}

/** A verdict as the record stores it (`holds` is true exactly when the outcome is `holds`). */
export type VerdictData = Verdict;

function verdict(
  base: { id: string; claim: string; kind: VerdictKind; evidence: Evidence; statistic?: Statistic },
  outcome: Outcome,
): Verdict {
  // A number that could not be computed (no rounds, a zero denominator) is recorded as null: JSON has no NaN, and
  // the record schema refuses it.
  const evidence: Evidence = Object.fromEntries(
    Object.entries(base.evidence).map(([k, v]) => [k, typeof v === 'number' && !Number.isFinite(v) ? null : v]),
  );
  const b = { ...base, evidence };
  return outcome === 'holds' ? { ...b, outcome, holds: true } : { ...b, outcome, holds: false };
}

export interface Threshold {
  /** The claim is that the quantity is above this value… */
  above?: number;
  /** …or below this value (give one, or both for a band). */
  below?: number;
}

/** A threshold as the evidence of a verdict states it: "above 1", "below 0.5", "between 0.85 and 1.15". */
export const thresholdText = (t: Threshold): string =>
  t.above !== undefined && t.below !== undefined
    ? `between ${t.above} and ${t.below}`
    : t.above !== undefined
      ? `above ${t.above}`
      : `below ${t.below}`;

/** Decide an interval against a threshold: the whole interval must be on one side. */
export function decide(interval: Pick<MedianInterval, 'low' | 'high'>, t: Threshold): Outcome {
  if (t.above === undefined && t.below === undefined) throw new RangeError('a threshold needs above or below');
  const inside =
    (t.above === undefined || interval.low > t.above) && (t.below === undefined || interval.high < t.below);
  const outside =
    (t.above !== undefined && interval.high <= t.above) || (t.below !== undefined && interval.low >= t.below);
  return inside ? 'holds' : outside ? 'fails' : 'unresolved';
}

/** A claim about a measured quantity, decided by its 95 % interval against a threshold stated in the claim. */
export function quantityClaim(input: {
  id: string;
  claim: string;
  statistic: string;
  /** A median's order-statistics interval, or any other 95 % interval (a binomial proportion's) with its point value as `median`. */
  interval: Pick<MedianInterval, 'median' | 'low' | 'high' | 'coverage' | 'n'>;
  threshold: Threshold;
  evidence?: Evidence;
  kind?: 'claim' | 'exploratory';
  /** Record no low and high when the interval cannot decide (06's rule since its method review; other studies keep them). */
  nullUndecided?: boolean;
}): VerdictData {
  // An interval that does not reach 95 % coverage (too few rounds for order statistics), or that has no number
  // (no rounds at all), cannot decide a claim; a missing number is recorded as null, never NaN.
  const finite = [input.interval.low, input.interval.high, input.interval.median].every(Number.isFinite);
  const decidable = finite && input.interval.coverage >= 0.95;
  const outcome = decidable ? decide(input.interval, input.threshold) : 'unresolved';
  const ci95: [number, number] | null = decidable ? [input.interval.low, input.interval.high] : null;
  const num = (x: number): number | null => (Number.isFinite(x) ? x : null);
  return verdict(
    {
      id: input.id,
      claim: input.claim,
      kind: input.kind ?? 'claim',
      evidence: {
        threshold: thresholdText(input.threshold),
        low: decidable || input.nullUndecided !== true ? num(input.interval.low) : null,
        high: decidable || input.nullUndecided !== true ? num(input.interval.high) : null,
        coverage: num(input.interval.coverage),
        n: input.interval.n,
        ...(input.evidence ?? {}),
      },
      ...(Number.isFinite(input.interval.median)
        ? { statistic: { name: input.statistic, value: input.interval.median, ci95 } }
        : {}),
    },
    outcome,
  );
}

/** A claim about exact counts (sockets, handshakes, streams): no interval, the counts are the evidence. */
export function countClaim(input: {
  id: string;
  claim: string;
  holds: boolean;
  /** Too few observations to decide (fewer rounds than the claim asks for) and none against it: unresolved. */
  unresolved?: boolean;
  evidence: Evidence;
  kind?: 'claim' | 'exploratory';
}): VerdictData {
  return verdict(
    { id: input.id, claim: input.claim, kind: input.kind ?? 'claim', evidence: input.evidence },
    input.unresolved === true ? 'unresolved' : input.holds ? 'holds' : 'fails',
  );
}

/**
 * An identity or a bound the harness enforces: shown so a reader sees the lab worked, never counted as a finding.
 * `unresolved`: the data the check needs is missing (say why in the evidence), so it neither holds nor fails.
 */
export function sanityCheck(input: {
  id: string;
  claim: string;
  holds: boolean;
  unresolved?: boolean;
  evidence: Evidence;
}): VerdictData {
  return verdict(
    { id: input.id, claim: input.claim, kind: 'sanity', evidence: input.evidence },
    input.unresolved === true ? 'unresolved' : input.holds ? 'holds' : 'fails',
  );
}

const r3 = (x: number): number => Number(x.toPrecision(3));

/**
 * How far a part's 95 % CI sits inside the threshold, in the statistic's units: the smaller distance from an end of
 * the CI to the bound it must clear (negative when the CI reaches or crosses it); null without a CI.
 */
function marginInside(part: VerdictData, t: Threshold): number | null {
  const ci = part.statistic?.ci95;
  if (!ci) return null;
  return Math.min(
    t.above === undefined ? Number.POSITIVE_INFINITY : ci[0] - t.above,
    t.below === undefined ? Number.POSITIVE_INFINITY : t.below - ci[1],
  );
}

const OUTCOME_RANK: Readonly<Record<Outcome, number>> = { fails: 0, unresolved: 1, holds: 2 };

/**
 * Whether `p` binds the combined outcome rather than `worst`: a worse outcome (fails, then unresolved, then holds);
 * at the same outcome a part with a CI over one without (a part with no CI decided nothing, so it cannot be the point
 * nearest the threshold); between two CIs the one nearer to (or further across) the threshold.
 */
function bindsOver(p: VerdictData, worst: VerdictData, t: Threshold): boolean {
  const rank = OUTCOME_RANK[p.outcome];
  const worstRank = OUTCOME_RANK[worst.outcome];
  if (rank !== worstRank) return rank < worstRank;
  const mp = marginInside(p, t);
  const mw = marginInside(worst, t);
  if (mp === null) return false;
  return mw === null || mp < mw;
}

/**
 * Combine per-item verdicts (per client, per point) into one: holds if all hold, fails if any fails, otherwise (or
 * with none) unresolved. The evidence lists every part's outcome with its statistic and CI. Given the threshold the
 * parts were decided against, the evidence states it and names the binding part (see `bindsOver`), and the combined
 * verdict carries that part's statistic and CI, named with its part, so a reader of the record alone sees the number
 * that decided it and what it was held to; with no binding statistic (no data) it carries none. Without a threshold
 * (parts decided against different ones, or counts) it carries only the parts' outcomes.
 */
export function combineParts(
  parts: readonly VerdictData[],
  input: { id: string; claim: string; threshold?: Threshold; evidence?: Evidence; kind?: VerdictKind },
): VerdictData {
  const evidence: Evidence = { ...(input.evidence ?? {}) };
  for (const p of parts) {
    const ci = p.statistic?.ci95;
    evidence[p.id] = p.statistic
      ? `${p.outcome} (${r3(p.statistic.value)}${ci ? `, CI ${r3(ci[0])}–${r3(ci[1])}` : ''})`
      : p.outcome;
  }
  const outcome: Outcome = parts.some((p) => p.outcome === 'fails')
    ? 'fails'
    : parts.length > 0 && parts.every((p) => p.outcome === 'holds')
      ? 'holds'
      : 'unresolved';
  const t = input.threshold;
  let statistic: Statistic | undefined;
  if (t) {
    evidence['threshold'] = `every part's 95 % CI ${thresholdText(t)}`;
    const binding = parts.reduce<VerdictData | null>((w, p) => (w === null || bindsOver(p, w, t) ? p : w), null);
    if (binding) evidence['binding'] = binding.id;
    if (binding?.statistic)
      statistic = { ...binding.statistic, name: `${binding.statistic.name} at ${binding.id} (the binding point)` };
  }
  return verdict(
    {
      id: input.id,
      claim: input.claim,
      kind: input.kind ?? 'claim',
      evidence,
      ...(statistic ? { statistic } : {}),
    },
    outcome,
  );
}

/** The evidence entry of an exploratory verdict declared before the run (see `declaredBeforeRun`). */
const DECLARED_BEFORE_RUN = { key: 'declared', value: 'before the run' } as const;

/** The evidence key of a claim its design cannot decide (`notDecidableAtDesign`). */
const UNDECIDABLE_AT_DESIGN = 'undecidableAtDesign';

/**
 * Mark an exploratory verdict as declared before the run (stated in the notebook's claims table before it measures),
 * so it is not read as added after seeing the data. Claims and sanity checks are returned unchanged.
 */
export function declaredBeforeRun(v: VerdictData): VerdictData {
  if (v.kind !== 'exploratory') return v;
  return { ...v, evidence: { ...v.evidence, [DECLARED_BEFORE_RUN.key]: DECLARED_BEFORE_RUN.value } };
}

/**
 * A verdict whose outcome an earlier run already showed (`run`, which measured `text`) before this run stated it: a
 * replication, exploratory (not counted among the findings), its claim text naming the run and its evidence keeping it
 * (`replicates`), so it reads "declared before this run: a replication of <run>" and never as added after seeing the
 * data. With `outcome` (the outcome that run decided: holds or fails, or unresolved for a void it replicates), the
 * evidence keeps it too (`replicatesOutcome`), and the headline counts this verdict as replicated only when its outcome
 * here is the same (stated before the run after versions-33c58fd8: "replicated" is the same outcome as the run named,
 * not "holds"). A sanity check is returned unchanged.
 */
export function replicationOf(
  v: VerdictData,
  r: {
    run: string;
    text: string;
    outcome?: Outcome | undefined;
    /**
     * Since versions-a69647ac (its second reader's finding 4): the machine the named run ran on and this run's machine
     * (anonymous ids). Both given and different: the claim text says "a replication of <run>, on machine 89a6b0ea…, not
     * this run's" and the evidence keeps it (`replicatesMachine`, `replicatesOtherMachine`).
     */
    machine?: string | null | undefined;
    thisMachine?: string | null | undefined;
    /**
     * Why this claim can never be compared with the run it names (Node's fetch at 2 sockets, Bun's at 1): the headline
     * counts it "not comparable", never among the replications that reproduce (evidence `replicationNotComparable`).
     */
    notComparable?: string | undefined;
  },
): VerdictData {
  if (v.kind === 'sanity') return v;
  const other =
    r.machine !== undefined && r.machine !== null && r.thisMachine !== undefined && r.thisMachine !== null
      ? r.machine !== r.thisMachine
      : null;
  const where = other === true ? `, on machine ${r.machine?.slice(0, 8)}…, not this run's` : '';
  return {
    ...v,
    kind: 'exploratory',
    claim: `Replication of ${r.run}${where} (which measured ${r.text} before this run; not a finding${r.notComparable === undefined ? '' : `; not comparable: ${r.notComparable}`}): ${v.claim}`,
    evidence: {
      ...v.evidence,
      replicates: r.run,
      ...(r.outcome === undefined ? {} : { replicatesOutcome: r.outcome }),
      ...(r.machine === undefined || r.machine === null ? {} : { replicatesMachine: r.machine }),
      ...(other === null ? {} : { replicatesOtherMachine: other }),
      ...(r.notComparable === undefined ? {} : { replicationNotComparable: r.notComparable }),
    },
  };
}

/** One earlier committed run's verdicts, as the replication rule reads them (its record.json). */
export interface EarlierVerdicts {
  run: string;
  verdicts: readonly Pick<Verdict, 'id' | 'kind' | 'outcome' | 'statistic' | 'evidence'>[];
}

/** An earlier verdict's value as text: `0.826 (0.689–0.867)`, or its outcome alone when it has no statistic. */
function earlierValueText(v: EarlierVerdicts['verdicts'][number]): string {
  const s = v.statistic;
  if (s === undefined || s === null) return v.outcome;
  const ci = s.ci95;
  return `${r3(s.value)}${ci ? ` (${r3(ci[0])}–${r3(ci[1])})` : ''}: ${v.outcome}`;
}

/**
 * The replication rule, applied uniformly (stated before the run after versions-33c58fd8): a counted claim whose
 * outcome an earlier committed run of the same notebook on the same machine already decided (its verdict of the same id
 * holds or fails, counted or not) is a replication of that run (`replicationOf`: exploratory, not counted, naming the
 * run, the value there and its outcome). Of several such runs the latest is named (`earlier` in run order, oldest
 * first); every earlier decision is listed in the evidence (`earlierDecisions`). A claim no earlier run decided, and
 * any verdict that is not a claim, is returned unchanged. The caller passes only runs on this machine.
 */
export function replicationRule(v: VerdictData, earlier: readonly EarlierVerdicts[]): VerdictData {
  if (v.kind !== 'claim') return v;
  const decided = decidedEarlier(v.id, earlier);
  const latest = decided.at(-1);
  if (latest === undefined) return v;
  const replicated = replicationOf(v, {
    run: latest.run,
    text: `${v.id} = ${earlierValueText(latest.verdict)}`,
    outcome: latest.verdict.outcome,
  });
  return {
    ...replicated,
    evidence: {
      ...replicated.evidence,
      earlierDecisions: decided.map((d) => `${d.run}: ${earlierValueText(d.verdict)}`).join('; '),
    },
  };
}

/** The earlier runs (in the order given, oldest first) whose verdict of `id` (not a sanity check) held or failed. */
function decidedEarlier(
  id: string,
  earlier: readonly EarlierVerdicts[],
): { run: string; verdict: EarlierVerdicts['verdicts'][number] }[] {
  return earlier.flatMap((e) => {
    const found = e.verdicts.find((x) => x.id === id && x.kind !== 'sanity');
    return found !== undefined && (found.outcome === 'holds' || found.outcome === 'fails')
      ? [{ run: e.run, verdict: found }]
      : [];
  });
}

/**
 * The run a hand-labelled replication names (stated before the next run after versions-0cfdd43a, its second reader's
 * finding 6: `undici-6-throughput-parity` read "Replication of versions-115bbbac, on machine 89a6b0ea…, not this run's"
 * although versions-a69647ac, on this run's machine, had decided it: the hand label overrode the replication rule). Of
 * the earlier committed runs on this machine (`earlierHere`, oldest first, as `replicationRule` takes them), the latest
 * whose verdict of the same id held or failed is named, with its value and outcome, and the hand label is kept in the
 * evidence (`replicatesFirst`); only when none decided it is the hand-labelled run named, with its machine when that
 * is another (`replicationOf`). `named.thisMachine` is this run's machine; the named run's `machine` is the hand
 * label's. A sanity check is returned unchanged.
 */
export function replicationPreferringThisMachine(
  v: VerdictData,
  named: Parameters<typeof replicationOf>[1],
  earlierHere: readonly EarlierVerdicts[],
): VerdictData {
  if (v.kind === 'sanity') return v;
  const latest = latestDecisionHere(v.id, earlierHere);
  if (latest === null) return replicationOf(v, named);
  const here = named.thisMachine ?? null;
  const replicated = replicationOf(v, {
    run: latest.run,
    text: latest.text,
    outcome: latest.outcome,
    machine: here,
    thisMachine: here,
    ...(named.notComparable === undefined ? {} : { notComparable: named.notComparable }),
  });
  const elsewhere =
    named.machine !== undefined && named.machine !== null && named.machine !== here
      ? `, machine ${named.machine.slice(0, 8)}…`
      : '';
  return {
    ...replicated,
    evidence: {
      ...replicated.evidence,
      earlierDecisions: latest.earlierDecisions,
      ...(named.run === latest.run ? {} : { replicatesFirst: `${named.run}${elsewhere}: ${named.text}` }),
    },
  };
}

/**
 * The latest of `earlierHere` (the committed runs on this machine, oldest first) whose verdict of `id` held or failed:
 * its run, "id = value (interval): outcome" and outcome, and every such decision (`run: value`, joined by "; "); null
 * when none decided it. What `replicationPreferringThisMachine` names, and what a notebook passes as the `replicates`
 * of a count verdict (`singleSocketVerdict`) so that it names the same run.
 */
export function latestDecisionHere(
  id: string,
  earlierHere: readonly EarlierVerdicts[],
): { run: string; text: string; outcome: Outcome; earlierDecisions: string } | null {
  const decided = decidedEarlier(id, earlierHere);
  const latest = decided.at(-1);
  if (latest === undefined) return null;
  return {
    run: latest.run,
    text: `${id} = ${earlierValueText(latest.verdict)}`,
    outcome: latest.verdict.outcome,
    earlierDecisions: decided.map((d) => `${d.run}: ${earlierValueText(d.verdict)}`).join('; '),
  };
}

/** The run a replication replicates (its evidence's `replicates`), or null. */
const replicatedRun = (evidence: Verdict['evidence'] | undefined): string | null =>
  typeof evidence?.['replicates'] === 'string' ? evidence['replicates'] : null;

/**
 * How a verdict's kind reads in a notebook. An exploratory verdict reads "added after seeing the data" unless it was
 * declared before the run: then "declared before the run, not counted" when it has a threshold, and "Descriptive
 * (declared before the run, no threshold)" when it has none; a replication of an earlier run (evidence `replicates`)
 * reads "declared before this run: a replication of <run>, not counted".
 */
export function verdictKindText(v: Pick<Verdict, 'kind' | 'evidence'>): string {
  if (v.kind === 'claim') return 'Claim';
  if (v.kind === 'sanity') return 'Sanity check (not a finding)';
  if (v.kind === 'unclassified') return 'Unclassified';
  const replicates = replicatedRun(v.evidence);
  if (replicates !== null) return `Exploratory (declared before this run: a replication of ${replicates}, not counted)`;
  const undecidable = v.evidence[UNDECIDABLE_AT_DESIGN];
  if (typeof undecidable === 'string') return `Exploratory (declared before this run: ${undecidable}, not counted)`;
  if (v.evidence[DECLARED_BEFORE_RUN.key] !== DECLARED_BEFORE_RUN.value)
    return 'Exploratory (added after seeing the data)';
  return v.evidence['threshold'] === undefined
    ? 'Descriptive (declared before the run, no threshold)'
    : 'Exploratory (declared before the run, not counted)';
}

/** Headline counts: only claims count as findings. */
export function claimTally(verdicts: readonly Pick<VerdictData, 'kind' | 'outcome'>[]): {
  claims: number;
  holds: number;
  fails: number;
  unresolved: number;
  sanity: number;
  sanityFailed: number;
  /** Sanity checks the data could not decide (their evidence says why). */
  sanityUnresolved: number;
  exploratory: number;
} {
  const claims = verdicts.filter((v) => v.kind === 'claim');
  const sanity = verdicts.filter((v) => v.kind === 'sanity');
  return {
    claims: claims.length,
    holds: claims.filter((v) => v.outcome === 'holds').length,
    fails: claims.filter((v) => v.outcome === 'fails').length,
    unresolved: claims.filter((v) => v.outcome === 'unresolved').length,
    sanity: sanity.length,
    sanityFailed: sanity.filter((v) => v.outcome === 'fails').length,
    sanityUnresolved: sanity.filter((v) => v.outcome === 'unresolved').length,
    exploratory: verdicts.filter((v) => v.kind === 'exploratory').length,
  };
}

/**
 * Why claims are unresolved, when their evidence says: ` (11 not measured, 2 voided by guards, 1 comparison-dependent,
 * 1 ill-posed, 2 imprecise)`. Not measured: `notMeasured` or `noData`; ill-posed: `illPosed` (the statistic is not
 * what the claim is about, e.g. a "share" of a gap far smaller than the rows); voided by guards: `comparable: false`, a
 * failed sanity check or an `unguardedOutcome`; comparison-dependent: `comparisonDependent` (the pair, measured in two
 * comparisons of one run, was decided differently by them); imprecise: the rest (the interval straddles the threshold). '' when no verdict has
 * evidence.
 */
function unresolvedSplit(vs: readonly { evidence?: Verdict['evidence'] }[]): string {
  if (vs.every((v) => v.evidence === undefined)) return '';
  let notMeasured = 0;
  let illPosed = 0;
  let guard = 0;
  let dependent = 0;
  for (const { evidence: e = {} } of vs) {
    if (typeof e['notMeasured'] === 'string' || e['noData'] === true) notMeasured++;
    // A claim a guard or a failed sanity check made unresolved is voided by it, whatever else is wrong with it.
    else if ('sanityFailed' in e || 'unguardedOutcome' in e) guard++;
    else if (typeof e['illPosed'] === 'string') illPosed++;
    else if (e['comparable'] === false || 'sanityFailed' in e || 'unguardedOutcome' in e) guard++;
    else if (typeof e['comparisonDependent'] === 'string') dependent++;
  }
  const imprecise = vs.length - notMeasured - illPosed - guard - dependent;
  const parts = [
    ...(notMeasured > 0 ? [`${notMeasured} not measured`] : []),
    ...(guard > 0 ? [`${guard} voided by guards`] : []),
    ...(dependent > 0 ? [`${dependent} comparison-dependent`] : []),
    ...(illPosed > 0 ? [`${illPosed} ill-posed`] : []),
    ...(imprecise > 0 ? [`${imprecise} imprecise`] : []),
  ];
  return ` (${parts.join(', ')})`;
}

/**
 * What the data alone decide of the claims a guard voided (stated after seed-894dfcb9, its second reader's finding 6:
 * "2 voided by guards" hid that one of them would have been unresolved without the guard): over the claims that are
 * unresolved with `unguardedOutcome` in their evidence (guarded, voidedBySanity), or `outcomeWithoutPremise` (a
 * premise absent), how many their data alone say hold, fail or leave unresolved. `text`: `2 voided by guards, their
 * data alone: 0 hold, 1 fails, 1 unresolved (closes-uvloop-gather unresolved, …)`, or '' when none was voided.
 */
export function voidedClaimsSplit(verdicts: readonly Pick<Verdict, 'id' | 'kind' | 'outcome' | 'evidence'>[]): {
  voided: number;
  holds: number;
  fails: number;
  unresolved: number;
  text: string;
} {
  const voided = verdicts.flatMap((v) => {
    const e = v.evidence ?? {};
    if (v.kind !== 'claim' || v.outcome !== 'unresolved') return [];
    const alone = e['unguardedOutcome'] ?? e['outcomeWithoutPremise'];
    return typeof alone === 'string' ? [{ id: v.id, alone }] : [];
  });
  const count = (o: string) => voided.filter((x) => x.alone === o).length;
  const holds = count('holds');
  const fails = count('fails');
  const unresolved = voided.length - holds - fails;
  const text = voided.length
    ? `${voided.length} voided by guards, their data alone: ${holds} hold, ${fails} fail${fails === 1 ? 's' : ''}, ${unresolved} unresolved (${voided.map((x) => `\`${x.id}\` ${x.alone}`).join(', ')})`
    : '';
  return { voided: voided.length, holds, fails, unresolved, text };
}

/**
 * The one-line headline of a set of verdicts, as cite and the results index print it: only claims count as findings;
 * sanity checks are reported apart; verdicts of records made before verdicts had kinds say so.
 */
export function verdictHeadline(
  verdicts: readonly (Pick<Verdict, 'kind' | 'outcome'> & { evidence?: Verdict['evidence'] })[],
): string {
  const t = claimTally(verdicts);
  const unclassified = verdicts.filter((v) => v.kind === 'unclassified');
  if (t.claims === 0 && unclassified.length > 0) {
    const held = unclassified.filter((v) => v.outcome === 'holds').length;
    return `${held} of ${unclassified.length} verdicts hold (unclassified: recorded before claims and sanity checks were told apart)`;
  }
  // Replications of earlier runs (evidence `replicates`) are exploratory, not counted; when there are any, the headline
  // says how many hold again beside the new holds, so "4 hold" never reads as four new findings.
  const allReplications = verdicts.filter((v) => v.kind === 'exploratory' && replicatedRun(v.evidence) !== null);
  // Since versions-a69647ac: a replication that can never be compared (evidence `replicationNotComparable`) is counted
  // apart, "not comparable", never among those that reproduce; all from another machine says so.
  const notComparable = allReplications.filter(
    (v) => typeof v.evidence?.['replicationNotComparable'] === 'string',
  ).length;
  const replications = allReplications.filter((v) => typeof v.evidence?.['replicationNotComparable'] !== 'string');
  const replicated = replications.filter(reproducesEarlierOutcome).length;
  const allElsewhere =
    replications.length > 0 && replications.every((v) => v.evidence?.['replicatesOtherMachine'] === true);
  // Since versions-33c58fd8 a replication records the outcome of the run it names: "replicated" is then the same
  // outcome there and here, said in words; a record made before keeps its headline ("replicated": holds again).
  const withOutcome = allReplications.some((v) => typeof v.evidence?.['replicatesOutcome'] === 'string');
  const plural = replications.length === 1 ? 'replication' : 'replications';
  const elsewhereText = allElsewhere ? ', all from another machine' : '';
  const notComparableText = notComparable === 0 ? '' : `; ${notComparable} not comparable by design`;
  const parts =
    allReplications.length === 0
      ? [`${t.holds} of ${t.claims} claims hold`]
      : [
          `${t.holds} new holds of ${t.claims} claims`,
          withOutcome
            ? `${replicated} of ${replications.length} ${plural} of earlier runs${elsewhereText} reproduce the outcome of the run they name (not counted${notComparableText})`
            : `${replicated} replicated (of ${replications.length} ${plural} of earlier runs${elsewhereText}, not counted${notComparableText})`,
        ];
  if (t.fails > 0) parts.push(`${t.fails} do not hold`);
  if (t.unresolved > 0) {
    const why = unresolvedSplit(verdicts.filter((v) => v.kind === 'claim' && v.outcome === 'unresolved'));
    parts.push(`${t.unresolved} unresolved${why}`);
  }
  if (t.sanity > 0) {
    const off = [
      ...(t.sanityFailed > 0 ? [`${t.sanityFailed} failed`] : []),
      ...(t.sanityUnresolved > 0 ? [`${t.sanityUnresolved} unresolved`] : []),
    ];
    parts.push(`${t.sanity} sanity checks${off.length > 0 ? ` (${off.join(', ')})` : ''}`);
  }
  if (t.exploratory > 0) {
    const undecidable = verdicts.filter(
      (v) => v.kind === 'exploratory' && typeof v.evidence?.[UNDECIDABLE_AT_DESIGN] === 'string',
    ).length;
    const of = [
      ...(allReplications.length === 0
        ? []
        : [`${allReplications.length} of them ${allReplications.length === 1 ? 'a replication' : 'replications'}`]),
      ...(undecidable === 0 ? [] : [`${undecidable} not decidable at this design`]),
    ];
    parts.push(`${t.exploratory} exploratory${of.length === 0 ? '' : ` (${of.join(', ')})`}`);
  }
  return parts.join(', ');
}

/**
 * Whether a replication reproduces the run it names: the same outcome here as its evidence's `replicatesOutcome`, or,
 * in a record made before replications kept that outcome, holds.
 */
function reproducesEarlierOutcome(v: Pick<Verdict, 'outcome'> & { evidence?: Verdict['evidence'] }): boolean {
  const earlier = v.evidence?.['replicatesOutcome'];
  return typeof earlier === 'string' ? v.outcome === earlier : v.outcome === 'holds';
}

/**
 * A claim its design cannot decide (stated before the run after versions-33c58fd8; `designReach` in design-reach.ts
 * says which): exploratory, not counted, its claim text and evidence (`undecidableAtDesign`) saying why, "cannot
 * decide at this design (about N rounds needed)". Its outcome is still computed and printed. A verdict that is not a
 * claim is returned unchanged.
 */
export function notDecidableAtDesign(v: VerdictData, why: string): VerdictData {
  if (v.kind !== 'claim') return v;
  return {
    ...v,
    kind: 'exploratory',
    claim: `Not counted: ${why} (stated before this run): ${v.claim}`,
    evidence: { ...v.evidence, [UNDECIDABLE_AT_DESIGN]: why },
  };
}

/**
 * When an exploratory verdict was stated: 'added after seeing the data' unless its evidence says it was declared
 * before the run (`declaredBeforeRun`) or replicates an earlier run (`replicates`: 'declared before this run: a
 * replication of <run>, not counted'); null for every other kind. A line that names an exploratory verdict carries
 * it, so a post-hoc observation never reads as one stated in advance.
 */
export function exploratoryProvenance(v: Pick<Verdict, 'kind'> & { evidence?: Verdict['evidence'] }): string | null {
  if (v.kind !== 'exploratory') return null;
  const replicates = replicatedRun(v.evidence);
  if (replicates !== null) return `declared before this run: a replication of ${replicates}, not counted`;
  const undecidable = v.evidence?.[UNDECIDABLE_AT_DESIGN];
  if (typeof undecidable === 'string') return `declared before this run: ${undecidable}, not counted`;
  return v.evidence?.[DECLARED_BEFORE_RUN.key] === DECLARED_BEFORE_RUN.value
    ? 'declared before the run, not counted'
    : 'added after seeing the data';
}

/**
 * How one verdict reads in a list: its kind and its outcome first; an exploratory verdict given with its evidence
 * also says when it was stated (`❔ holds (exploratory, added after seeing the data)`).
 */
export function verdictLabel(v: Pick<Verdict, 'kind' | 'outcome'> & { evidence?: Verdict['evidence'] }): string {
  const outcome = v.outcome === 'holds' ? '✅ holds' : v.outcome === 'fails' ? '❌ does not hold' : '❔ unresolved';
  const provenance = v.evidence === undefined ? null : exploratoryProvenance(v);
  const kind =
    v.kind === 'claim'
      ? ''
      : ` (${v.kind === 'sanity' ? 'sanity check' : v.kind}${provenance === null ? '' : `, ${provenance}`})`;
  return `${outcome}${kind}`;
}

/**
 * The label of a verdict's interval: its actual coverage where the evidence records one other than 95 % (the
 * order-statistics interval of a median covers at least 95 %, often more: `98.7 % interval`), else `95 % CI` (no
 * coverage recorded, or exactly 95 %). The record's field keeps its name, `statistic.ci95`.
 */
export function intervalLabel(evidence: Verdict['evidence'] | undefined): string {
  const c = evidence?.['coverage'];
  if (typeof c !== 'number' || !Number.isFinite(c) || c <= 0 || Math.abs(c - 0.95) < 5e-4) return '95 % CI';
  return `${(c * 100).toFixed(1)} % interval`;
}
