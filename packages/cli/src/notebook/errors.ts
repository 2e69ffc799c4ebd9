/**
 * Errors raised by the notebook runner. Each has a stable `code` (same convention as @casebook/results).
 */
export type NotebookErrorCode =
  | 'CASEBOOK_NOTEBOOK_READ' // the .ipynb could not be read or is not notebook JSON
  | 'CASEBOOK_NOTEBOOK_PARAMETERS' // bad parameters, or parameters given to a notebook without a `parameters` cell
  | 'CASEBOOK_NOTEBOOK_FAILED' // a cell failed, timed out or the kernel died
  | 'CASEBOOK_NOTEBOOK_ABORTED' // the caller's AbortSignal fired
  | 'CASEBOOK_PYTHON_MISSING' // no Python that imports nbclient + nbformat
  | 'CASEBOOK_REPO_ROOT'; // not inside the casebook repository

export class NotebookError extends Error {
  readonly code: NotebookErrorCode;
  constructor(code: NotebookErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'NotebookError';
    this.code = code;
  }
}

export type NotebookFailureKind = 'error' | 'timeout' | 'dead-kernel' | 'runner';

/** A notebook's execution failed. `message` already includes the failing cell's source and output text. */
export class NotebookExecutionError extends NotebookError {
  readonly notebookPath: string;
  readonly kind: NotebookFailureKind;
  /** Index of the failing cell in the notebook as executed (after parameter injection), if known. */
  readonly cellIndex: number | undefined;
  /** 1-based position among the code cells that run, and their count. */
  readonly cellOrdinal: number | undefined;
  readonly codeCellTotal: number | undefined;
  /** Text of all the failing cell's outputs (stdout, stderr, errors), ANSI codes removed. */
  readonly outputText: string;
  /** The last lines the runner wrote to stderr (besides progress lines). */
  readonly stderrTail: string;
  constructor(init: {
    notebookPath: string;
    kind: NotebookFailureKind;
    message: string;
    cellIndex?: number | undefined;
    cellOrdinal?: number | undefined;
    codeCellTotal?: number | undefined;
    outputText?: string | undefined;
    stderrTail?: string | undefined;
  }) {
    super('CASEBOOK_NOTEBOOK_FAILED', init.message);
    this.name = 'NotebookExecutionError';
    this.notebookPath = init.notebookPath;
    this.kind = init.kind;
    this.cellIndex = init.cellIndex;
    this.cellOrdinal = init.cellOrdinal;
    this.codeCellTotal = init.codeCellTotal;
    this.outputText = init.outputText ?? '';
    this.stderrTail = init.stderrTail ?? '';
  }
}
