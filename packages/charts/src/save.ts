// Writes a chart's three artefacts next to each other. Each file is written to a temporary name in the same
// directory and renamed over the target, so a reader (or a crash) never sees a half-written chart.

import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ChartError } from './errors';
import type { RenderedChart } from './render';
import type { VegaLiteSpec } from './specs';

export interface ChartFiles {
  /** `<dir>/<name>.vl.json`: the vega-lite v5 spec, 2-space indented, trailing newline. */
  specPath: string;
  /** `<dir>/<name>.svg` */
  svgPath: string;
  /** `<dir>/<name>.png` */
  pngPath: string;
}

/** Lower-case words of letters and digits joined by single hyphens: `rps-by-client`, `p99-vs-n-256`. */
const KEBAB_CASE = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

/** Throws `ChartError` `CHART_INVALID_NAME` unless `name` is kebab-case. */
export function assertChartName(name: unknown): asserts name is string {
  if (typeof name !== 'string' || !KEBAB_CASE.test(name)) {
    throw new ChartError(
      'CHART_INVALID_NAME',
      `saveChart: name must be kebab-case (lower-case letters and digits joined by "-", e.g. "rps-by-client"), got ${JSON.stringify(name)}`,
    );
  }
}

async function writeAtomically(path: string, contents: string | Buffer): Promise<void> {
  const temporary = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(temporary, contents);
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

/**
 * Writes `<name>.vl.json`, `<name>.svg` and `<name>.png` into `dir` (created if missing), each atomically, and
 * returns their paths.
 */
export async function saveChart(
  dir: string,
  name: string,
  spec: VegaLiteSpec,
  rendered: RenderedChart,
): Promise<ChartFiles> {
  assertChartName(name);
  const files: ChartFiles = {
    specPath: join(dir, `${name}.vl.json`),
    svgPath: join(dir, `${name}.svg`),
    pngPath: join(dir, `${name}.png`),
  };
  await mkdir(dir, { recursive: true });
  await writeAtomically(files.specPath, `${JSON.stringify(spec, null, 2)}\n`);
  await writeAtomically(files.svgPath, rendered.svg);
  await writeAtomically(files.pngPath, rendered.png);
  return files;
}
