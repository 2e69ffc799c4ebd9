import * as fs from 'node:fs';
import { reproductionMarkdown, reproductionReport } from '@casebook/citing';
const [orig, rerun] = process.argv.slice(2).map((f) => JSON.parse(fs.readFileSync(f as string, 'utf8')));
const r = reproductionReport({ record: orig, benches: [] }, { record: rerun, benches: [] });
console.log(JSON.stringify(r.summary));
console.log(reproductionMarkdown(r).split('\n').slice(0, 16).join('\n'));
