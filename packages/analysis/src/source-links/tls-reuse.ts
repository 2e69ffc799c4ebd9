import type { SourceLink } from './types';

/** Source links of the tls-reuse notebook (see types.ts). */
export const TLS_REUSE_LINKS: readonly SourceLink[] = [];
