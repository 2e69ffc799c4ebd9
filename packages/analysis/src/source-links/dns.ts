import type { SourceLink } from './types';

/** Source links of the dns notebook (see types.ts). */
export const DNS_LINKS: readonly SourceLink[] = [];
