import { UsageError } from '@casebook/results';

export type FlagType = 'string' | 'int' | 'number' | 'boolean';
export type FlagSpec = Record<string, { type: FlagType; description: string }>;
export type FlagValues = Record<string, string | number | boolean>;

export interface ParsedArgs {
  positionals: string[];
  flags: FlagValues;
}

function convert(flag: string, type: FlagType, raw: string): string | number | boolean {
  switch (type) {
    case 'string':
      return raw;
    case 'boolean':
      if (raw === 'true') return true;
      if (raw === 'false') return false;
      throw new UsageError(`--${flag}`, raw, 'expected true or false');
    case 'int': {
      const n = raw.trim() === '' ? Number.NaN : Number(raw);
      if (!Number.isInteger(n)) throw new UsageError(`--${flag}`, raw, 'expected an integer');
      return n;
    }
    case 'number': {
      const n = raw.trim() === '' ? Number.NaN : Number(raw);
      if (!Number.isFinite(n)) throw new UsageError(`--${flag}`, raw, 'expected a number');
      return n;
    }
  }
}

/**
 * A strict flag parser: `--name value` or `--name=value`; booleans as `--name` / `--no-name`. Unknown flags,
 * missing values and a flag given twice with different values are usage errors (exit 2).
 */
export function parseArgs(argv: readonly string[], spec: FlagSpec): ParsedArgs {
  const positionals: string[] = [];
  const flags: FlagValues = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('--')) {
      if (arg.startsWith('-') && arg.length > 1 && arg !== '-h')
        throw new UsageError('flag', arg, 'short flags are not supported; see --help');
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    let name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
    let raw: string | undefined = eq === -1 ? undefined : arg.slice(eq + 1);
    let negated = false;
    if (!(name in spec) && name.startsWith('no-') && spec[name.slice(3)]?.type === 'boolean') {
      name = name.slice(3);
      negated = true;
    }
    const def = spec[name];
    if (!def)
      throw new UsageError(
        'flag',
        `--${name}`,
        `unknown flag; known: ${Object.keys(spec)
          .map((k) => `--${k}`)
          .join(', ')}`,
      );
    let value: string | number | boolean;
    if (def.type === 'boolean' && raw === undefined) {
      value = !negated;
    } else {
      if (raw === undefined) {
        raw = argv[i + 1];
        if (raw === undefined || (raw.startsWith('--') && raw.length > 2))
          throw new UsageError(`--${name}`, raw ?? null, 'missing value');
        i++;
      }
      value = convert(name, def.type, raw);
    }
    if (name in flags && flags[name] !== value) {
      throw new UsageError(`--${name}`, [flags[name], value], 'given twice with different values');
    }
    flags[name] = value;
  }
  return { positionals, flags };
}

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
