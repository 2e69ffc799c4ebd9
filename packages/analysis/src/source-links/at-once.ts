import type { SourceLink } from './types';

/** Source links of the 512-at-once notebook (see types.ts). */
export const AT_ONCE_LINKS: readonly SourceLink[] = [];
