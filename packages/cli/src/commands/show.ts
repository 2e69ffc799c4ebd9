import * as fs from 'node:fs';
import { resolveRecord, supersededLine } from '@casebook/citing';
import {
  type AnyRecord,
  correctionFor,
  findRepoRoot,
  readCorrections,
  readRecord,
  resultsRoot,
  UsageError,
} from '@casebook/results';
import { formatBenchSummary } from '../bench-summary';

/**
 * A record file is read as it is (any kind); a run id (looked up in results/ first, then results/local/) or a
 * case-study run folder goes through resolveRecord.
 */
function load(ref: string): AnyRecord {
  const isFile = fs.existsSync(ref) ? fs.statSync(ref).isFile() : ref.includes('/') || ref.endsWith('.json');
  return isFile ? readRecord(ref) : resolveRecord(ref).record;
}

function headline(record: AnyRecord): string {
  switch (record.kind) {
    case 'bench':
      return formatBenchSummary(record);
    case 'case-study': {
      const lines = [
        `${record.caseStudy} (${record.profile}) — ${record.status}, run ${record.runId}, ${record.measurements.length} measurements`,
      ];
      for (const v of record.verdicts) lines.push(`  ${v.holds ? 'holds' : 'does not hold'}: ${v.claim}`);
      return lines.join('\n');
    }
    default:
      return `${record.kind} record, run ${record.runId} (--json prints it whole)`;
  }
}

/** Read a record back (refusing invalid records) and print its headline, after a superseded warning if any. */
export function showCommand(positionals: readonly string[], json: boolean): number {
  const [ref, ...extra] = positionals;
  if (ref === undefined) throw new UsageError('record', ref, 'usage: casebook show <run-id | record.json>');
  if (extra.length > 0) throw new UsageError('argument', extra[0], 'show takes one run id or record');
  const record = load(ref);
  if (json) {
    process.stdout.write(`${JSON.stringify(record, null, 2)}\n`);
    return 0;
  }
  const correction = correctionFor(record.runId, readCorrections(resultsRoot(findRepoRoot(), 'publish')));
  const warning =
    correction === undefined
      ? ''
      : `${supersededLine({ runId: correction.supersededBy, reason: correction.reason, date: correction.date })}\n`;
  process.stdout.write(`${warning}${headline(record)}\n`);
  return 0;
}
