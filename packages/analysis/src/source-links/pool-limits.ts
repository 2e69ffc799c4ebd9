import type { SourceLink } from './types';

/** Source links of the pool-limits notebook (see types.ts). */
export const POOL_LIMITS_LINKS: readonly SourceLink[] = [];
