import { UsageError } from './errors';

export const PROFILES = ['smoke', 'standard', 'full'] as const;
export type Profile = (typeof PROFILES)[number];

export interface CaseStudy {
  /** Id used on the command line and as the results folder: results/<id>/. */
  id: string;
  notebook: string;
  title: string;
  question: string;
  /**
   * The longest a code cell of its notebook may run, in seconds, when longer than the runner's default of 3600: the
   * seed's gap cell runs 6 rounds of 22 rows whose httpcore 1.0.x blocks take ~3 minutes each (about 70 minutes).
   */
  cellTimeoutSeconds?: number;
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
  {
    id: 'pool-limits',
    notebook: 'notebooks/02-pool-limits.ipynb',
    title: 'Pool limits',
    question: 'When does the connection pool, not the client, set your throughput, and what should you set?',
  },
  {
    id: 'tls-reuse',
    notebook: 'notebooks/03-tls-reuse.ipynb',
    title: 'TLS reuse',
    question: 'Which TLS handshakes does each client pay for under concurrency, and which could it skip?',
  },
  {
    id: 'http2',
    notebook: 'notebooks/04-http2.ipynb',
    title: 'HTTP/2: one connection, many streams',
    question: 'Should I turn on HTTP/2? Who negotiates it, what one session can carry, and what it costs or saves.',
  },
  {
    id: 'dns',
    notebook: 'notebooks/05-dns.ipynb',
    title: 'DNS: the lookup nobody measures',
    question:
      'What does a slow resolver do to a burst of new connections, per client and lookup strategy — and what protects you?',
  },
  {
    id: 'seed',
    notebook: 'notebooks/06-the-seed.ipynb',
    title: 'The seed: httpx vs aiohttp',
    question:
      'Why is httpx so much slower than aiohttp at 512 concurrent requests — and where do Node clients stand on the same target?',
    // seed-0966c9a9's gap cell took 41 min; seed-0b8bd744's, with 512-request windows, 99 min (6 rounds).
    cellTimeoutSeconds: 3 * 3600,
  },
  {
    id: 'versions',
    notebook: 'notebooks/07-versions.ipynb',
    title: 'Versions and runtimes',
    question:
      "What changed across client releases and between Node's bundled undici and npm undici — in CPU, throughput, sockets, warnings and memory?",
  },
  {
    id: 'keepalive-races',
    notebook: 'notebooks/08-keepalive-races.ipynb',
    title: 'Keep-alive races and stale sockets',
    question:
      'Why do requests on reused connections fail when the server closes them, which clients survive it, and what should you set?',
  },
  {
    id: 'bodies',
    notebook: 'notebooks/09-bodies.ipynb',
    title: 'Bodies: size, streaming and memory',
    question:
      'What does a large or unread response body cost each client in time, CPU and memory — and what happens to its socket?',
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
