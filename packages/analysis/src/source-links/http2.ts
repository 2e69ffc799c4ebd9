import type { SourceLink } from './types';

/** Source links of the http2 notebook (see types.ts). */
export const HTTP2_LINKS: readonly SourceLink[] = [];
