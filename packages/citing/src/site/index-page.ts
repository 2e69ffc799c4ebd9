import { attrs, escapeHtml as h, htmlTable, page } from './html';
import type { RunData } from './run-data';

/** A case study and its runs, newest first (build-site orders both). */
export interface StudyRuns {
  caseStudy: string;
  title: string;
  runs: readonly { data: RunData; headline: string }[];
}

export const runHref = (root: string, runId: string): string => `${root}runs/${encodeURIComponent(runId)}/index.html`;

/** "AMD EPYC × 2, Node v24.21.0": the machine as the results index prints it. */
export const machineText = (e: RunData['environment']): string => `${e.cpuModel} × ${e.cpuCores}, Node ${e.node}`;

export const shortCommit = (commit: string | null): string => (commit === null ? 'unknown' : commit.slice(0, 12));

/** The run cell: a link to the permalink; a superseded run is struck through and links to its replacement. */
function runCell(d: RunData, known: ReadonlySet<string>): string {
  const link = `<a href="${h(runHref('', d.runId))}">${h(d.runId)}</a>`;
  const s = d.supersededBy;
  if (s === null) return link;
  const next = known.has(s.runId)
    ? `<a href="${h(runHref('', s.runId))}">${h(s.runId)}</a>`
    : `<code>${h(s.runId)}</code>`;
  return `<s>${link}</s><div class="superseded-note">superseded by ${next}: ${h(s.reason)} (${h(s.date)})</div>`;
}

export function indexPage(studies: readonly StudyRuns[]): string {
  const known = new Set(studies.flatMap((s) => s.runs.map((r) => r.data.runId)));
  const sections = studies.map((s) => {
    const rows = s.runs.map(({ data: d, headline }) => [
      runCell(d, known),
      h(d.startedAt.slice(0, 10)),
      `<code>${h(shortCommit(d.commit))}</code>`,
      h(machineText(d.environment)),
      h(d.profile),
      h(d.status),
      h(headline),
    ]);
    // Each row names its run (data-run-id) so a browser test can find it; a superseded one says by which run.
    const rowAttrs = s.runs.map(({ data: d }) =>
      attrs({
        'data-run-id': d.runId,
        class: d.supersededBy === null ? null : 'superseded',
        'data-superseded-by': d.supersededBy?.runId ?? null,
      }),
    );
    const table = htmlTable(['run', 'date', 'commit', 'machine', 'profile', 'status', 'claims'], rows, {
      className: 'runs',
      rowAttrs,
    });
    return `<section id="${h(s.caseStudy)}">\n<h2>${h(s.title)} <code>${h(s.caseStudy)}</code></h2>\n${table}\n</section>`;
  });
  const body = `<main>
<h1>Results</h1>
<p>Every committed run of a case-study notebook, newest first. A run's page is its permalink: cite it, rerun it, or
compare it with another run.</p>
${sections.length === 0 ? '<p>No case-study runs recorded yet.</p>' : sections.join('\n')}
</main>`;
  return page({ title: 'Concurrency Casebook — results', root: '', body });
}
