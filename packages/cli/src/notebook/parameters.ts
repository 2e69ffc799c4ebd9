import { NotebookError } from './errors';

export type NotebookParameterValue = string | number | boolean;
export type NotebookParameters = Readonly<Record<string, NotebookParameterValue>>;

export const PARAMETERS_TAG = 'parameters';
export const INJECTED_PARAMETERS_TAG = 'injected-parameters';

/** The subset of nbformat 4 we touch; everything else is carried through untouched. */
export interface NotebookCell {
  cell_type: string;
  id?: string;
  metadata: { tags?: string[]; [key: string]: unknown };
  source: string | string[];
  outputs?: unknown[];
  execution_count?: number | null;
  [key: string]: unknown;
}

export interface NotebookDocument {
  cells: NotebookCell[];
  metadata: Record<string, unknown>;
  nbformat: number;
  nbformat_minor: number;
  [key: string]: unknown;
}

export function sourceText(source: string | string[]): string {
  return Array.isArray(source) ? source.join('') : source;
}

/** nbformat's on-disk form of multi-line text: lines keeping their '\n', the last without. */
function toSourceLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  return lines.map((line, i) => (i < lines.length - 1 ? `${line}\n` : line)).filter((line) => line !== '');
}

export function cellTags(cell: NotebookCell): string[] {
  const tags = cell.metadata?.tags;
  return Array.isArray(tags) ? tags.filter((t): t is string => typeof t === 'string') : [];
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
const RESERVED = new Set(
  (
    'break case catch class const continue debugger default delete do else enum export extends false finally for ' +
    'function if import in instanceof new null return super switch this throw true try typeof var void while with ' +
    'yield let static implements interface package private protected public await arguments eval undefined NaN Infinity'
  ).split(' '),
);

function literal(name: string, value: unknown): string {
  if (typeof value === 'string' || typeof value === 'boolean') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) {
      throw new NotebookError('CASEBOOK_NOTEBOOK_PARAMETERS', `parameter ${name}: ${value} is not a finite number`);
    }
    return Object.is(value, -0) ? '0' : JSON.stringify(value);
  }
  throw new NotebookError(
    'CASEBOOK_NOTEBOOK_PARAMETERS',
    `parameter ${name}: only strings, numbers and booleans can be injected, got ${typeof value}`,
  );
}

/**
 * Declarations in a parameters cell: name -> type annotation (if any).
 * Recognises simple `const|let|var name[: Type] = ...` statements, one per line or `;`.
 */
export function declaredParameters(source: string): Map<string, string | undefined> {
  const found = new Map<string, string | undefined>();
  const re = /(?:^|[;{}\s])(?:const|let|var)\s+([A-Za-z_$][A-Za-z0-9_$]*)\s*(?::\s*([^=;\n]+?))?\s*=(?![=>])/gm;
  for (const m of source.matchAll(re)) {
    const name = m[1];
    if (name !== undefined && !found.has(name)) found.set(name, m[2]?.trim() || undefined);
  }
  return found;
}

/**
 * The source of the injected cell: one `const name[: Type] = <JSON literal>;` per parameter, in the given order.
 * A type annotation found on the same name in the parameters cell is repeated, so that a notebook written as
 * `const profile: Profile = 'smoke';` still type-checks with another value (tslab allows a later cell to
 * redeclare a const).
 */
export function parameterSource(
  parameters: NotebookParameters,
  declared = new Map<string, string | undefined>(),
): string {
  const lines = ['// Parameters injected by casebook (replaces the values of the cell tagged "parameters")'];
  for (const [name, value] of Object.entries(parameters)) {
    if (!IDENTIFIER.test(name) || RESERVED.has(name)) {
      throw new NotebookError(
        'CASEBOOK_NOTEBOOK_PARAMETERS',
        `parameter name ${JSON.stringify(name)} is not a usable identifier`,
      );
    }
    const annotation = declared.get(name);
    lines.push(`const ${name}${annotation !== undefined ? `: ${annotation}` : ''} = ${literal(name, value)};`);
  }
  return lines.join('\n');
}

export interface InjectionResult {
  notebook: NotebookDocument;
  /** Index of the injected cell, if one was inserted. */
  injectedIndex: number | undefined;
  /** Parameters that the parameters cell does not declare (still injected; likely a typo). */
  unknownParameters: string[];
}

/**
 * Returns a copy of `nb` with any previous `injected-parameters` cell removed and, when `parameters` is not
 * empty, a new code cell tagged `injected-parameters` right after the first cell tagged `parameters`.
 * Throws when parameters are given but there is no `parameters` cell.
 */
export function injectParameters(nb: NotebookDocument, parameters: NotebookParameters): InjectionResult {
  const cells = nb.cells.filter((cell) => !cellTags(cell).includes(INJECTED_PARAMETERS_TAG));
  const names = Object.keys(parameters);
  const index = cells.findIndex((cell) => cellTags(cell).includes(PARAMETERS_TAG));
  if (names.length === 0) {
    return { notebook: { ...nb, cells }, injectedIndex: undefined, unknownParameters: [] };
  }
  const paramsCell = cells[index];
  if (index < 0 || paramsCell === undefined) {
    throw new NotebookError(
      'CASEBOOK_NOTEBOOK_PARAMETERS',
      `cannot inject parameters (${names.join(', ')}): the notebook has no cell tagged "${PARAMETERS_TAG}" ` +
        '(add the tag to the cell that declares the defaults)',
    );
  }
  const declared = declaredParameters(sourceText(paramsCell.source));
  const injected: NotebookCell = {
    cell_type: 'code',
    execution_count: null,
    metadata: { tags: [INJECTED_PARAMETERS_TAG] },
    outputs: [],
    source: toSourceLines(parameterSource(parameters, declared)),
  };
  if (supportsCellIds(nb)) injected.id = INJECTED_PARAMETERS_TAG;
  const out = [...cells.slice(0, index + 1), injected, ...cells.slice(index + 1)];
  return {
    notebook: { ...nb, cells: out },
    injectedIndex: index + 1,
    unknownParameters: names.filter((n) => !declared.has(n)),
  };
}

function supportsCellIds(nb: NotebookDocument): boolean {
  return nb.nbformat > 4 || (nb.nbformat === 4 && nb.nbformat_minor >= 5);
}

/**
 * nbformat >= 4.5 requires unique cell ids and nbformat's reader fills missing or duplicate ones with random
 * values: give them stable ones instead (`cell-<index>`), so repeated runs write identical files.
 */
export function ensureStableCellIds(nb: NotebookDocument): NotebookDocument {
  if (!supportsCellIds(nb)) return nb;
  const seen = new Set<string>();
  const cells = nb.cells.map((cell, i) => {
    let id = typeof cell.id === 'string' && /^[a-zA-Z0-9-_]{1,64}$/.test(cell.id) ? cell.id : undefined;
    if (id === undefined || seen.has(id)) {
      id = `cell-${i}`;
      for (let n = 1; seen.has(id); n++) id = `cell-${i}-${n}`;
    }
    seen.add(id);
    return id === cell.id ? cell : { ...cell, id };
  });
  return { ...nb, cells };
}

/** Parses and sanity-checks notebook JSON. */
export function parseNotebook(text: string, where: string): NotebookDocument {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new NotebookError('CASEBOOK_NOTEBOOK_READ', `${where}: not valid JSON (${(err as Error).message})`, {
      cause: err,
    });
  }
  const nb = data as Partial<NotebookDocument> | null;
  if (!nb || typeof nb !== 'object' || !Array.isArray(nb.cells) || typeof nb.nbformat !== 'number') {
    throw new NotebookError('CASEBOOK_NOTEBOOK_READ', `${where}: not an nbformat notebook (no "cells"/"nbformat")`);
  }
  if (nb.nbformat !== 4) {
    throw new NotebookError('CASEBOOK_NOTEBOOK_READ', `${where}: nbformat ${nb.nbformat} is not supported (need 4)`);
  }
  for (const cell of nb.cells) {
    if (!cell || typeof cell !== 'object' || typeof cell.cell_type !== 'string') {
      throw new NotebookError('CASEBOOK_NOTEBOOK_READ', `${where}: malformed cell`);
    }
    if (!cell.metadata || typeof cell.metadata !== 'object') cell.metadata = {};
  }
  return {
    ...nb,
    cells: nb.cells,
    metadata: nb.metadata && typeof nb.metadata === 'object' ? nb.metadata : {},
    nbformat: nb.nbformat,
    nbformat_minor: typeof nb.nbformat_minor === 'number' ? nb.nbformat_minor : 0,
  };
}
