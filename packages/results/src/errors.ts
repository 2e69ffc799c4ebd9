/**
 * Errors with stable codes. A UsageError is bad input: the CLI prints its message, exits 2 and writes nothing.
 */
export class CasebookError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CasebookError';
    this.code = code;
  }
}

export class UsageError extends CasebookError {
  readonly field: string;
  readonly value: unknown;
  constructor(field: string, value: unknown, expectation: string) {
    super('CASEBOOK_USAGE', `invalid ${field}: ${formatValue(value)} (${expectation})`);
    this.name = 'UsageError';
    this.field = field;
    this.value = value;
  }
}

export class RecordError extends CasebookError {
  readonly path: string;
  constructor(
    code: 'CASEBOOK_RECORD_JSON' | 'CASEBOOK_RECORD_SCHEMA' | 'CASEBOOK_RECORD_MISSING',
    path: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(code, `${path}: ${message}`, options);
    this.name = 'RecordError';
    this.path = path;
  }
}

export function formatValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === undefined) return 'undefined';
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}
