import { designReach } from './design-reach';
import { notDecidableAtDesign, type Threshold, type VerdictData } from './verdicts';

/**
 * Notebook 07's design check (stated before the run after versions-33c58fd8): for each counted claim, the standard
 * deviation of its comparison's per-round log ratio, pooled (weighted by rounds − 1) over the committed standard runs of
 * the notebook on the machine they ran on (`VERSIONS_DESIGN_RUNS`, machine 89a6b0ea…), and which comparison of the
 * notebook measures it (the notebook maps it to that comparison's most rounds). Read from earlier runs, before the run:
 * a power calculation, not a reading of the run it is applied to. test/analysis-design-reach.test.ts recomputes every
 * value from the committed benches (method.blocks).
 */
export const VERSIONS_DESIGN_RUNS: readonly string[] = [
  'versions-bc356a56',
  'versions-115bbbac',
  'versions-8cdc0db4',
  'versions-7cff4048',
  'versions-670dac55',
  'versions-33c58fd8',
];

/**
 * The machine `VERSIONS_DESIGN_RUNS` ran on (anonymous id): the per-round spread is a property of a machine (stated
 * before the run after versions-a69647ac, its second reader's finding 2: on c6b1b4ab… the spreads were a quarter to
 * two thirds of these). `designRule` applies the spread on this machine only.
 */
export const VERSIONS_DESIGN_MACHINE = '89a6b0eadf6dc5bf';

/** The notebook's comparisons a counted claim is measured in (each has its own design: rounds). */
export type VersionsComparison =
  | 'fetch'
  | 'undici'
  | 'sequential'
  | 'runtimes'
  | 'runtimesUndici'
  | 'runtimesSequential'
  | 'sweep';

export const VERSIONS_DESIGN_SPREAD: Readonly<Record<string, { sigma: number; comparison: VersionsComparison }>> = {
  'fetch-throughput-parity': { sigma: 0.229, comparison: 'fetch' },
  'undici-7-throughput-parity': { sigma: 0.172, comparison: 'undici' },
  'seq-undici-6-cpu-parity': { sigma: 0.239, comparison: 'sequential' },
  'seq-undici-6-throughput-parity': { sigma: 0.233, comparison: 'sequential' },
  'seq-undici-7-cpu-parity': { sigma: 0.221, comparison: 'sequential' },
  'seq-undici-7-throughput-parity': { sigma: 0.205, comparison: 'sequential' },
  'runtime-node-fetch-node22-throughput-parity': { sigma: 0.22, comparison: 'runtimes' },
  'runtime-seq-node-fetch-node22-cpu-parity': { sigma: 0.27, comparison: 'runtimesSequential' },
  'runtime-node-fetch-node26-throughput-parity': { sigma: 0.244, comparison: 'runtimes' },
  'runtime-seq-node-fetch-node26-cpu-parity': { sigma: 0.265, comparison: 'runtimesSequential' },
  'runtime-undici-request-node22-throughput-parity': { sigma: 0.187, comparison: 'runtimesUndici' },
  'runtime-seq-undici-request-node22-cpu-parity': { sigma: 0.341, comparison: 'runtimesSequential' },
  'runtime-undici-request-node26-throughput-parity': { sigma: 0.167, comparison: 'runtimesUndici' },
  'runtime-seq-undici-request-node26-cpu-parity': { sigma: 0.309, comparison: 'runtimesSequential' },
  'runtime-node-http-node22-throughput-parity': { sigma: 0.228, comparison: 'runtimes' },
  'runtime-seq-node-http-node22-cpu-parity': { sigma: 0.261, comparison: 'runtimesSequential' },
  'runtime-node-http-node26-throughput-parity': { sigma: 0.265, comparison: 'runtimes' },
  'runtime-seq-node-http-node26-cpu-parity': { sigma: 0.197, comparison: 'runtimesSequential' },
  'undici-sweep-7-ends-throughput-parity': { sigma: 0.153, comparison: 'sweep' },
  'undici-sweep-8-ends-throughput-parity': { sigma: 0.224, comparison: 'sweep' },
};

/** What the design rule knows about the run it is applied to (stated before the run after versions-a69647ac). */
export interface DesignContext {
  /** This run's machine (anonymous id): on a machine other than `VERSIONS_DESIGN_MACHINE` the reach is not assessed. */
  machineId?: string | null | undefined;
}

/**
 * "designed for at most 8 rounds; this comparison ran 7": the rounds a claim's comparison actually ran (its evidence
 * `n`) beside the design's most, so a configured maximum never reads as the rounds run. Empty when `n` is not recorded.
 */
export function roundsRanText(v: Pick<VerdictData, 'evidence'>, designed: number): string {
  const n = v.evidence['n'];
  return typeof n === 'number' && Number.isFinite(n)
    ? `designed for at most ${designed} rounds; this comparison ran ${n}`
    : '';
}

/**
 * The design rule applied to one counted claim: with its spread from earlier runs and the rounds its comparison runs at
 * most, a claim `designReach` finds undecidable is not counted (`notDecidableAtDesign`, "cannot decide at this design
 * (about N rounds needed)"); a decidable one stays a claim, its evidence saying what the design reaches
 * (`designReach`). No spread known (a claim not in the table): returned unchanged, as is any verdict that is not a
 * claim.
 *
 * Since versions-a69647ac (stated before the next run): with `context.machineId` given and not the machine the spread
 * was measured on (`VERSIONS_DESIGN_MACHINE`), the reach is not assessed: the claim stays a counted claim decided by its
 * interval, its evidence saying "spread measured on 89a6b0ea…, not this machine (c6b1b4ab…): design reach not
 * assessed". Either way the evidence says the rounds the comparison ran beside the design's most (`roundsRan`).
 */
export function designRule(
  v: VerdictData,
  design: { sigma: number; rounds: number } | undefined,
  threshold: Threshold,
  context: DesignContext = {},
): VerdictData {
  if (v.kind !== 'claim' || design === undefined) return v;
  const ran = roundsRanText(v, design.rounds);
  const ranEvidence = ran === '' ? {} : { roundsRan: ran };
  const here = context.machineId;
  if (here !== undefined && here !== null && here !== VERSIONS_DESIGN_MACHINE)
    return {
      ...v,
      evidence: {
        ...v.evidence,
        ...ranEvidence,
        designReach: `spread measured on ${VERSIONS_DESIGN_MACHINE.slice(0, 8)}…, not this machine (${here.slice(0, 8)}…): design reach not assessed; decided by its interval as a counted claim`,
      },
    };
  const reach = designReach({ sigma: design.sigma, rounds: design.rounds, threshold });
  const why = ran === '' ? reach.text : `${reach.text} (${ran})`;
  if (!reach.decidable) return notDecidableAtDesign({ ...v, evidence: { ...v.evidence, ...ranEvidence } }, why);
  return { ...v, evidence: { ...v.evidence, ...ranEvidence, designReach: why } };
}
