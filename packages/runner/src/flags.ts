/**
 * Command-line flags on top of node:util `parseArgs`: its tokenizer, and the checks and types the CLI needs.
 * A spec declared `as const satisfies FlagSpec` gives each command typed values (`--concurrency` is a number,
 * `--json` a boolean) with no casts. Anything wrong — an unknown flag, a missing or bad value, a flag given twice
 * with different values — is a UsageError naming the flag and the value, so the CLI exits 2 and writes nothing.
 */
import { parseArgs as tokenize } from 'node:util';
import { UsageError } from '@casebook/results';

type FlagType = 'string' | 'int' | 'number' | 'boolean';
export type FlagSpec = Readonly<Record<string, Readonly<{ type: FlagType; description: string }>>>;

type ValueOf<T extends FlagType> = T extends 'string' ? string : T extends 'boolean' ? boolean : number;

/** The flags given, typed by the spec; a flag not given is absent. */
export type FlagValues<S extends FlagSpec = FlagSpec> = { -readonly [K in keyof S]?: ValueOf<S[K]['type']> };

export interface ParsedArgs<S extends FlagSpec = FlagSpec> {
  positionals: string[];
  flags: FlagValues<S>;
}

function convert(flag: string, type: FlagType, raw: string): string | number | boolean {
  switch (type) {
    case 'string':
      return raw;
    case 'boolean':
      if (raw === 'true') return true;
      if (raw === 'false') return false;
      throw new UsageError(flag, raw, 'expected true or false');
    case 'int': {
      const n = raw.trim() === '' ? Number.NaN : Number(raw);
      if (!Number.isInteger(n)) throw new UsageError(flag, raw, 'expected an integer');
      return n;
    }
    case 'number': {
      const n = raw.trim() === '' ? Number.NaN : Number(raw);
      if (!Number.isFinite(n)) throw new UsageError(flag, raw, 'expected a number');
      return n;
    }
  }
}

const known = (spec: FlagSpec): string =>
  Object.keys(spec)
    .map((k) => `--${k}`)
    .join(', ');

/**
 * Parse `--name value`, `--name=value`, booleans as `--name` / `--no-name` (or `--name=false`), `--` ends flags.
 * Short flags are refused except `-h`, which means `--help` where the spec has it.
 */
export function parseArgs<const S extends FlagSpec>(argv: readonly string[], spec: S): ParsedArgs<S> {
  const options: Record<string, { type: 'string' | 'boolean' }> = {};
  for (const [name, def] of Object.entries(spec))
    options[name] = { type: def.type === 'boolean' ? 'boolean' : 'string' };
  const { tokens } = tokenize({
    args: [...argv],
    options,
    strict: false,
    allowPositionals: true,
    allowNegative: true,
    tokens: true,
  });
  const positionals: string[] = [];
  const values = new Map<string, string | number | boolean>();
  for (const token of tokens) {
    if (token.kind === 'positional') {
      positionals.push(token.value);
      continue;
    }
    if (token.kind === 'option-terminator') continue;
    const isShort = !token.rawName.startsWith('--');
    const name = isShort && token.name === 'h' && 'help' in spec ? 'help' : token.name;
    const def = spec[name];
    if (isShort && name !== 'help')
      throw new UsageError('flag', token.rawName, 'short flags are not supported; see --help');
    if (def === undefined) throw new UsageError('flag', token.rawName, `unknown flag; known: ${known(spec)}`);
    const flag = `--${name}`;
    const negated = !isShort && token.rawName !== flag;
    let value: string | number | boolean;
    if (def.type === 'boolean') {
      if (negated && token.value !== undefined)
        throw new UsageError(token.rawName, token.value, 'a --no- flag takes no value');
      value = token.value === undefined ? !negated : convert(flag, 'boolean', token.value);
    } else {
      if (negated)
        throw new UsageError('flag', token.rawName, `only boolean flags have a --no- form; ${flag} is not one`);
      // A following flag is not a value (`--client --json`); a negative number is (`--delay-ms -1`).
      if (token.value === undefined || (!token.inlineValue && token.value.startsWith('--') && token.value.length > 2))
        throw new UsageError(flag, token.value ?? null, 'missing value');
      value = convert(flag, def.type, token.value);
    }
    const previous = values.get(name);
    if (previous !== undefined && previous !== value)
      throw new UsageError(flag, [previous, value], 'given twice with different values');
    values.set(name, value);
  }
  // The one place where the checked Map becomes the mapped type: each value was converted by its declared type
  // above, which TypeScript cannot follow through `convert`.
  return { positionals, flags: Object.fromEntries(values) as FlagValues<S> };
}

/** Help text: one line per flag, `--name <type>  description`. */
export function formatFlags(spec: FlagSpec): string {
  const width = Math.max(
    ...Object.entries(spec).map(([k, v]) => k.length + (v.type === 'boolean' ? 0 : v.type.length + 3)),
  );
  return Object.entries(spec)
    .map(([k, v]) => {
      const left = v.type === 'boolean' ? `--${k}` : `--${k} <${v.type === 'int' ? 'n' : v.type}>`;
      return `  ${left.padEnd(width + 4)}  ${v.description}`;
    })
    .join('\n');
}
