import { AT_ONCE_LINKS } from './at-once';
import { BODIES_LINKS } from './bodies';
import { DNS_LINKS } from './dns';
import { HTTP2_LINKS } from './http2';
import { KEEPALIVE_RACES_LINKS } from './keepalive-races';
import { POOL_LIMITS_LINKS } from './pool-limits';
import { SEED_LINKS } from './seed';
import { TLS_REUSE_LINKS } from './tls-reuse';
import type { SourceLink } from './types';
import { VERSIONS_LINKS } from './versions';

export { type SourceLink, sourceLink, sourceUrl } from './types';

/** Every registered source link (each notebook's links live in a file of their own). */
export const SOURCE_LINKS: readonly SourceLink[] = [
  ...AT_ONCE_LINKS,
  ...POOL_LIMITS_LINKS,
  ...TLS_REUSE_LINKS,
  ...HTTP2_LINKS,
  ...DNS_LINKS,
  ...SEED_LINKS,
  ...KEEPALIVE_RACES_LINKS,
  ...BODIES_LINKS,
  ...VERSIONS_LINKS,
];

/** A registered link by id (notebooks print links through this, so every printed link is a checked one). */
export function findSourceLink(id: string): SourceLink {
  const link = SOURCE_LINKS.find((l) => l.id === id);
  if (!link) throw new RangeError(`no source link registered with id ${JSON.stringify(id)}`);
  return link;
}
