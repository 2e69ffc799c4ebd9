import { UsageError } from '@casebook/results';

export const PROFILES = ['smoke', 'standard', 'full'] as const;
export type Profile = (typeof PROFILES)[number];

export interface CaseStudy {
  /** Id used on the command line and as the results folder: results/<id>/. */
  id: string;
  notebook: string;
  title: string;
  question: string;
}

/** Every case study, in reading order. A notebook is added here and nowhere else. */
export const CASE_STUDIES: readonly CaseStudy[] = [
  {
    id: '512-at-once',
    notebook: 'notebooks/01-512-at-once.ipynb',
    title: '512 at once',
    question:
      'Why is one client so much slower than another at 512 concurrent requests, though each reuses one client?',
  },
];

export function resolveProfile(value: unknown): Profile {
  if (typeof value === 'string' && (PROFILES as readonly string[]).includes(value)) return value as Profile;
  throw new UsageError('--profile', value, `expected one of ${PROFILES.join(', ')}`);
}

/** Accepts the id (`512-at-once`) or the notebook's file name (`01-512-at-once`). */
export function findCaseStudy(name: string): CaseStudy {
  const found = CASE_STUDIES.find((c) => c.id === name || c.notebook.endsWith(`/${name}.ipynb`) || c.notebook === name);
  if (!found)
    throw new UsageError('case-study', name, `expected one of ${CASE_STUDIES.map((c) => c.id).join(', ')} or all`);
  return found;
}
