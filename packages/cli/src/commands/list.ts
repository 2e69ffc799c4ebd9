import { ADAPTERS } from '@casebook/clients';
import { CASE_STUDIES } from '@casebook/results';

export function listCommand(json: boolean): number {
  const clients = Object.values(ADAPTERS).map((a) => ({
    name: a.name,
    package: a.packageName,
    version: a.version(),
    description: a.description,
    source: a.sourceUrl,
  }));
  const studies = CASE_STUDIES.map((c) => ({ id: c.id, notebook: c.notebook, title: c.title, question: c.question }));
  if (json) {
    process.stdout.write(`${JSON.stringify({ caseStudies: studies, clients }, null, 2)}\n`);
    return 0;
  }
  const lines = ['Case studies (casebook run <id>):'];
  for (const s of studies) lines.push(`  ${s.id.padEnd(16)} ${s.notebook}  — ${s.question}`);
  lines.push('', 'Clients (casebook bench --client <name>):');
  for (const c of clients)
    lines.push(`  ${c.name.padEnd(16)} ${`${c.package}@${c.version}`.padEnd(40)} ${c.description}`);
  process.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}
