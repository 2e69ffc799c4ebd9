import { UsageError } from '@casebook/results';
import { MAX_TARGET_TIME_MS } from '@casebook/servers';

/**
 * Options of the seed's FastAPI app under load (seed-app.ts): which routes, which load points, how long. Every field
 * has a documented default; a bad value is a UsageError naming the field and the value.
 */

export const SEED_APP_ROUTES = ['httpx', 'aiohttp', 'requests-async', 'requests-sync'] as const;
export type SeedAppRoute = (typeof SEED_APP_ROUTES)[number];

const isSeedAppRoute = (x: unknown): x is SeedAppRoute =>
  typeof x === 'string' && (SEED_APP_ROUTES as readonly string[]).includes(x);

/** The app runs in this Python set (packages/runner/python/sets): the one with fastapi, uvicorn and requests. */
const SEED_APP_PYTHON_SET = 'latest';

/**
 * Our runner cuts warm-up and measurement into windows of this length: short enough that the steadiness test sees
 * several windows in a few seconds of warm-up, long enough that a window at tens of requests a second holds dozens.
 */
const SEED_APP_WINDOW_MS = 1000;

/** Warm-up never shorter than this: pools fill and the app's clients settle over seconds, not requests. */
const MIN_SEED_APP_WARMUP_MS = 2000;

/** Longest warm-up or measured window: a typo must not become an hour-long run. */
const MAX_PHASE_MS = 600_000;

/** Most connections or lanes a point may use: above what one wrk thread or our runner drives on one core here. */
const MAX_CONNECTIONS = 4096;

export interface SeedAppOptions {
  /** Routes to load, in order. Default: all four. */
  routes?: readonly string[];
  /** Open-loop rates as fractions of each route's measured saturation throughput, each in (0, 1). Default [0.25, 0.5, 0.75]. */
  rateFractions?: readonly number[];
  /** wrk connection counts (one wrk thread each). Default [16, 64]. */
  wrkConnections?: readonly number[];
  /** Lanes of the closed-loop point that finds the app's saturation. Default 64. */
  saturationConcurrency?: number;
  /** Warm-up before each point, ms (whole seconds, at least 2 s). Default 5000. */
  warmupMs?: number;
  /** Measured window of each point, ms (whole seconds). Default 5000. */
  measureMs?: number;
  /** The upstream target's think time, ms. Default 5: the blocking route then serves at most ~200 requests a second. */
  delayMs?: number;
  /** uvicorn's event loop. Default 'asyncio' (uvicorn's own default, 'auto', would pick uvloop when installed). */
  loop?: 'asyncio' | 'uvloop';
  caseStudy?: string;
  label?: string;
}

export interface ResolvedSeedAppOptions {
  routes: SeedAppRoute[];
  rateFractions: number[];
  wrkConnections: number[];
  saturationConcurrency: number;
  warmupMs: number;
  measureMs: number;
  windowMs: number;
  delayMs: number;
  loop: 'asyncio' | 'uvloop';
  pythonSet: string;
  caseStudy: string;
  label: string;
}

export const DEFAULT_SEED_APP_OPTIONS = {
  routes: [...SEED_APP_ROUTES],
  rateFractions: [0.25, 0.5, 0.75],
  wrkConnections: [16, 64],
  saturationConcurrency: 64,
  warmupMs: 5000,
  measureMs: 5000,
  delayMs: 5,
  loop: 'asyncio',
} as const satisfies Partial<ResolvedSeedAppOptions>;

const KEBAB = /^[a-z0-9][a-z0-9-]*$/;

function list<T>(field: string, value: unknown, check: (x: unknown, i: number) => T): T[] {
  if (!Array.isArray(value) || value.length === 0) throw new UsageError(field, value, 'expected a non-empty array');
  return value.map(check);
}

function integerIn(field: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max)
    throw new UsageError(field, value, `expected an integer from ${min} to ${max}`);
  return value;
}

function wholeSeconds(field: string, value: unknown, min: number): number {
  const ms = integerIn(field, value, min, MAX_PHASE_MS);
  if (ms % SEED_APP_WINDOW_MS !== 0) throw new UsageError(field, value, 'expected whole seconds (a multiple of 1000)');
  return ms;
}

const ALLOWED_KEYS = new Set<string>([
  'routes',
  'rateFractions',
  'wrkConnections',
  'saturationConcurrency',
  'warmupMs',
  'measureMs',
  'delayMs',
  'loop',
  'caseStudy',
  'label',
]);

export function resolveSeedAppOptions(input: SeedAppOptions = {}): ResolvedSeedAppOptions {
  for (const [key, value] of Object.entries(input))
    if (!ALLOWED_KEYS.has(key)) throw new UsageError(key, value, 'not a seed-app option');
  const d = DEFAULT_SEED_APP_OPTIONS;
  const routes = list('routes', input.routes ?? d.routes, (r, i) => {
    if (!isSeedAppRoute(r)) throw new UsageError(`routes[${i}]`, r, `expected one of ${SEED_APP_ROUTES.join(', ')}`);
    return r;
  });
  const rateFractions = list('rateFractions', input.rateFractions ?? d.rateFractions, (f, i) => {
    if (typeof f !== 'number' || !Number.isFinite(f) || f <= 0 || f >= 1)
      throw new UsageError(`rateFractions[${i}]`, f, 'expected a number between 0 and 1 (a share of saturation)');
    return f;
  });
  const wrkConnections = list('wrkConnections', input.wrkConnections ?? d.wrkConnections, (c, i) =>
    integerIn(`wrkConnections[${i}]`, c, 1, MAX_CONNECTIONS),
  );
  const saturationConcurrency = integerIn(
    'saturationConcurrency',
    input.saturationConcurrency ?? d.saturationConcurrency,
    1,
    MAX_CONNECTIONS,
  );
  const warmupMs = wholeSeconds('warmupMs', input.warmupMs ?? d.warmupMs, MIN_SEED_APP_WARMUP_MS);
  const measureMs = wholeSeconds('measureMs', input.measureMs ?? d.measureMs, SEED_APP_WINDOW_MS);
  const delayMs = input.delayMs ?? d.delayMs;
  if (typeof delayMs !== 'number' || !Number.isFinite(delayMs) || delayMs < 0 || delayMs > MAX_TARGET_TIME_MS)
    throw new UsageError('delayMs', delayMs, `expected a number from 0 to ${MAX_TARGET_TIME_MS}`);
  const loop = input.loop ?? d.loop;
  if (loop !== 'asyncio' && loop !== 'uvloop') throw new UsageError('loop', loop, 'expected asyncio or uvloop');
  const caseStudy = input.caseStudy ?? 'bench';
  if (!KEBAB.test(caseStudy)) throw new UsageError('caseStudy', caseStudy, 'expected kebab-case');
  const label = input.label ?? `seed app (${loop})`;
  if (typeof label !== 'string' || label === '') throw new UsageError('label', label, 'expected a non-empty string');
  return {
    routes,
    rateFractions,
    wrkConnections,
    saturationConcurrency,
    warmupMs,
    measureMs,
    windowMs: SEED_APP_WINDOW_MS,
    delayMs,
    loop,
    pythonSet: SEED_APP_PYTHON_SET,
    caseStudy,
    label,
  };
}
