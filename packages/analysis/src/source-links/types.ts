/**
 * Mechanism links from the source that ran. Every link a notebook prints into the source of a client or of Node is
 * pinned to the version that ran, points at the lines that show the claim, and names a token those lines must contain.
 * test/source-links.test.ts finds each token in the linked range of the installed source (node_modules for npm
 * packages; Node's own lib/ files from the pinned binary), and checks that every GitHub source link in the notebooks is
 * registered here. Sources that are not installed (libuv, c-ares, Node's C++) are marked `checkedByHand` with the tag.
 */
export interface SourceLink {
  /** Stable id, e.g. 'undici.pool-base.need-drain'. */
  id: string;
  /**
   * 'undici' | 'axios' | 'got' | 'follow-redirects' (checked in node_modules) | 'node' (lib/ of the pinned Node) |
   * anything else checked by hand.
   */
  source: string;
  /** The version tag as it appears in the URL (e.g. 'v8.13.1'). */
  tag: string;
  /** Path inside the repository (e.g. 'lib/dispatcher/pool-base.js'). */
  file: string;
  /** First and last line (1-based, inclusive); null only for a hand-checked file whose lines cannot be checked here. */
  lines: [number, number] | null;
  /** Text that must appear within those lines. */
  token: string;
  /** Not installed here: the token was checked by hand against this tag. */
  checkedByHand?: boolean;
}

const REPOS: Record<string, string> = {
  undici: 'nodejs/undici',
  node: 'nodejs/node',
  axios: 'axios/axios',
  got: 'sindresorhus/got',
  libuv: 'libuv/libuv',
  'c-ares': 'c-ares/c-ares',
  'cacheable-lookup': 'szmarczak/cacheable-lookup',
  'follow-redirects': 'follow-redirects/follow-redirects',
};

export function sourceUrl(link: SourceLink): string {
  const repo = REPOS[link.source] ?? link.source;
  const base = `https://github.com/${repo}/blob/${link.tag}/${link.file}`;
  if (!link.lines) return base;
  const [from, to] = link.lines;
  return `${base}#L${from}${to !== from ? `-L${to}` : ''}`;
}

/** A markdown link to the source, with the link text given. */
export function sourceLink(link: SourceLink, text: string): string {
  return `[${text}](${sourceUrl(link)})`;
}
