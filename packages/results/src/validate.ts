import { Kind, type Static, type TSchema } from '@sinclair/typebox';
import { type TypeCheck, TypeCompiler } from '@sinclair/typebox/compiler';
import { type ValueError, ValueErrorType } from '@sinclair/typebox/errors';
import { formatValue, RecordError } from './errors';

/**
 * Validation against the TypeBox schemas, with errors a reader can act on: the JSON path and the problem
 * (`/trials/0/throughputRps: expected number, got "x"`). Where a value fits none of a union's shapes, the shape it
 * came closest to is the one explained: the one whose tag (a literal such as `status` or `kind`) matches, then the
 * one with the fewest and deepest errors.
 */

/** Longest rendering of a bad value in a message (a whole trial would drown the path). */
const MAX_SHOWN_CHARS = 80;

const compiled = new WeakMap<TSchema, TypeCheck<TSchema>>();

function checker(schema: TSchema): TypeCheck<TSchema> {
  let check = compiled.get(schema);
  if (!check) {
    check = TypeCompiler.Compile(schema);
    compiled.set(schema, check);
  }
  return check;
}

export function matches<T extends TSchema>(schema: T, value: unknown): value is Static<T> {
  return checker(schema).Check(value);
}

/**
 * Return `value` typed by `schema`, or throw RecordError CASEBOOK_RECORD_SCHEMA naming `file` and the first problem.
 * `context` is appended to the message (e.g. which schema version the value was read as).
 */
export function validateAgainst<T extends TSchema>(schema: T, value: unknown, file: string, context = ''): Static<T> {
  if (matches(schema, value)) return value;
  throw new RecordError('CASEBOOK_RECORD_SCHEMA', file, `${firstProblem(schema, value)}${context}`);
}

/** The first problem of a value that does not match, as `<path>: <what is wrong>`. */
export function firstProblem(schema: TSchema, value: unknown): string {
  const first = checker(schema).Errors(value).First();
  if (!first) return '/: does not match the schema';
  const { path, message } = explain(first);
  return `${path === '' ? '/' : path}: ${message}`;
}

function explain(error: ValueError): { path: string; message: string } {
  switch (error.type) {
    case ValueErrorType.Union:
      return explainUnion(error);
    case ValueErrorType.ObjectRequiredProperty:
      return { path: error.path, message: `missing (expected ${describe(error.schema)})` };
    case ValueErrorType.ObjectAdditionalProperties:
      return { path: error.path, message: 'unexpected field (not in the schema: misspelt, or from another version?)' };
    case ValueErrorType.Number:
    case ValueErrorType.Integer:
    case ValueErrorType.String:
    case ValueErrorType.StringPattern:
    case ValueErrorType.Boolean:
    case ValueErrorType.Null:
    case ValueErrorType.Literal:
    case ValueErrorType.Object:
    case ValueErrorType.Array:
    case ValueErrorType.Tuple:
      return { path: error.path, message: `expected ${describe(error.schema)}, got ${briefValue(error.value)}` };
    default:
      return { path: error.path, message: `${lowerFirst(error.message)}, got ${briefValue(error.value)}` };
  }
}

function explainUnion(error: ValueError): { path: string; message: string } {
  const unionMismatch = {
    path: error.path,
    message: `expected ${describe(error.schema)}, got ${briefValue(error.value)}`,
  };
  // Variants the value got into (the others failed on the value itself: wrong type).
  const entered = error.errors
    .map((iterator) => [...iterator])
    .filter((errors) => errors.some((e) => e.path !== error.path));
  if (entered.length === 0) return unionMismatch;
  const tagErrors = entered.map((errors) => errors.filter((e) => isTagMismatch(e, error.path)));
  const tagged = entered.filter((_, i) => tagErrors[i]?.length === 0);
  // Every shape is told apart by the same tag, and the value has none of its values: name them all.
  const tagPath = entered.length > 1 && tagged.length === 0 ? commonPath(tagErrors) : undefined;
  if (tagPath !== undefined) {
    const atTag = tagErrors.flatMap((errors) => errors.filter((e) => e.path === tagPath));
    const allowed = [...new Set(atTag.flatMap((e) => literalValues(e.schema)))];
    const expected = `one of ${allowed.map((v) => JSON.stringify(v)).join(', ')}`;
    const value = atTag[0]?.value;
    const message =
      value === undefined ? `missing (expected ${expected})` : `expected ${expected}, got ${briefValue(value)}`;
    return { path: tagPath, message };
  }
  const pool = tagged.length > 0 ? tagged : entered;
  const best = pool.reduce((a, b) => (closer(b, a) ? b : a));
  return best[0] ? explain(best[0]) : unionMismatch;
}

/** A literal (or union of literals) property of the union's object that the value does not have: a tag mismatch. */
function isTagMismatch(e: ValueError, unionPath: string): boolean {
  const rest = e.path.slice(unionPath.length);
  if (!e.path.startsWith(`${unionPath}/`) || rest.lastIndexOf('/') !== 0) return false;
  return literalValues(e.schema).length > 0;
}

/** A path at which every variant has a tag mismatch, if there is one. */
function commonPath(tagErrors: ValueError[][]): string | undefined {
  const [first = [], ...rest] = tagErrors;
  return first.map((e) => e.path).find((p) => rest.every((errors) => errors.some((e) => e.path === p)));
}

/** Fewer errors wins, then the deeper first error (the variant the value got further into). */
function closer(a: ValueError[], b: ValueError[]): boolean {
  if (a.length !== b.length) return a.length < b.length;
  return depth(a[0]) > depth(b[0]);
}

const depth = (e: ValueError | undefined): number => (e ? e.path.split('/').length : 0);

function literalValues(schema: TSchema): unknown[] {
  if ('const' in schema) return [schema['const']];
  const anyOf: unknown = schema['anyOf'];
  if (!Array.isArray(anyOf)) return [];
  const values = anyOf.map((s: TSchema) => ('const' in s ? [s['const']] : []));
  return values.every((v) => v.length === 1) ? values.flat() : [];
}

function describe(schema: TSchema): string {
  if ('const' in schema) return JSON.stringify(schema['const']);
  const literals = literalValues(schema);
  if (literals.length > 1) return `one of ${literals.map((v) => JSON.stringify(v)).join(', ')}`;
  const anyOf: unknown = schema['anyOf'];
  if (Array.isArray(anyOf)) return [...new Set(anyOf.map((s: TSchema) => describe(s)))].join(' or ');
  switch (schema[Kind]) {
    case 'String':
      return typeof schema['pattern'] === 'string' ? `a string matching /${schema['pattern']}/` : 'string';
    case 'Record':
      return 'object';
    case 'Tuple':
      return `array of ${Array.isArray(schema['items']) ? schema['items'].length : 0} items`;
    case 'Unknown':
      return 'any value';
    default:
      return schema[Kind].toLowerCase();
  }
}

/** A value as a message shows it: JSON, cut short. */
export function briefValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  const text = formatValue(value);
  return text.length > MAX_SHOWN_CHARS ? `${text.slice(0, MAX_SHOWN_CHARS)}…` : text;
}

const lowerFirst = (s: string): string => s.charAt(0).toLowerCase() + s.slice(1);
