import { readRecord, UsageError } from '@casebook/results';
import type { BenchRecord } from '@casebook/runner';
import type { CaseStudyRecord } from '@casebook/study';
import { formatBenchSummary } from '@casebook/study';

/** Read a record back (refusing invalid JSON and other schema versions) and print its headline. */
export function showCommand(positionals: string[], json: boolean): number {
  const file = positionals[0];
  if (!file) throw new UsageError('record', file, 'usage: casebook show <record.json>');
  const record = readRecord<BenchRecord | CaseStudyRecord>(file);
  if (json) {
    process.stdout.write(`${JSON.stringify(record, null, 2)}\n`);
    return 0;
  }
  if (record.kind === 'bench') {
    process.stdout.write(`${formatBenchSummary(record as BenchRecord)}\n`);
  } else {
    const r = record as CaseStudyRecord;
    const lines = [
      `${r.caseStudy} (${r.profile}) — ${r.status}, run ${r.runId}, ${r.measurements.length} measurements`,
    ];
    for (const v of r.verdicts) lines.push(`  ${v.holds ? 'holds' : 'does not hold'}: ${v.claim}`);
    process.stdout.write(`${lines.join('\n')}\n`);
  }
  return 0;
}
