import * as fs from 'node:fs';
import * as path from 'node:path';
import { type BisectRecord, committedResultsRoot, findRepoRoot, RecordError, readRecord } from '@casebook/results';

/** A committed `casebook bisect` record and where it lies (relative to the repository root, `/` separators). */
export interface CommittedBisect {
  file: string;
  record: BisectRecord;
}

/**
 * Every committed bisect record of one package (`results/bisect/<name>/bisect.json`), each validated against its schema
 * (a record that does not validate throws, naming its file), oldest first by creation time. A notebook reads the bisects
 * it depends on this way instead of restating their figures by hand.
 */
export function committedBisects(packageName: string, repoDir: string = findRepoRoot()): CommittedBisect[] {
  const root = path.join(committedResultsRoot(repoDir), 'bisect');
  if (!fs.existsSync(root)) return [];
  const found: CommittedBisect[] = [];
  for (const name of fs.readdirSync(root).sort()) {
    const file = path.join(root, name, 'bisect.json');
    if (!fs.existsSync(file)) continue;
    const record = readRecord(file);
    if (record.kind !== 'bisect')
      throw new RecordError(
        'CASEBOOK_RECORD_SCHEMA',
        file,
        `expected a bisect record, found kind ${JSON.stringify(record.kind)}`,
      );
    if (record.package === packageName)
      found.push({ file: path.relative(repoDir, file).split(path.sep).join('/'), record: record });
  }
  return found.sort((a, b) => a.record.createdAt.localeCompare(b.record.createdAt));
}
