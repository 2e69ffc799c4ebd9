import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { MACHINE_ID_PATTERN } from './schema/environment';

/**
 * An anonymous id for the machine a run was made on, so readers can tell runs from one machine apart without a host
 * name in a public record. Random, created once and kept outside the repository (a clone must not carry it):
 * $CASEBOOK_MACHINE_ID_FILE (tests), else $XDG_CONFIG_HOME/casebook/machine-id, else ~/.config/casebook/machine-id.
 * Where it cannot be stored, each process makes its own and says so (`machineIdPersistent: false`).
 */

/** 8 random bytes: 16 hex characters, enough that two machines never collide in practice. */
const MACHINE_ID_BYTES = 8;

const VALID_ID = new RegExp(MACHINE_ID_PATTERN);

export interface MachineIdentity {
  machineId: string;
  machineIdPersistent: boolean;
}

/** Ids already read or made by this process, by file (the env var may point elsewhere between calls in tests). */
const known = new Map<string, MachineIdentity>();

export function machineIdFile(env: NodeJS.ProcessEnv = process.env): string {
  const override = env['CASEBOOK_MACHINE_ID_FILE'];
  if (override !== undefined && override !== '') return path.resolve(override);
  const xdg = env['XDG_CONFIG_HOME'];
  // The XDG spec says a relative $XDG_CONFIG_HOME is invalid and must be ignored.
  const configHome = xdg !== undefined && path.isAbsolute(xdg) ? xdg : path.join(os.homedir(), '.config');
  return path.join(configHome, 'casebook', 'machine-id');
}

export function machineIdentity(env: NodeJS.ProcessEnv = process.env): MachineIdentity {
  const file = machineIdFile(env);
  let identity = known.get(file);
  if (!identity) {
    const stored = readOrCreate(file);
    identity = stored
      ? { machineId: stored, machineIdPersistent: true }
      : { machineId: newMachineId(), machineIdPersistent: false };
    known.set(file, identity);
  }
  return identity;
}

const newMachineId = (): string => randomBytes(MACHINE_ID_BYTES).toString('hex');

function readStored(file: string): string | null {
  try {
    const text = fs.readFileSync(file, 'utf8').trim();
    return VALID_ID.test(text) ? text : null;
  } catch {
    return null;
  }
}

/** The stored id, creating the file if there is none (exclusively: a concurrent process's id wins). */
function readOrCreate(file: string): string | null {
  const existing = readStored(file);
  if (existing) return existing;
  const id = newMachineId();
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, `${id}\n`, { flag: fs.existsSync(file) ? 'w' : 'wx' });
    return readStored(file);
  } catch (error) {
    if (error instanceof Error && 'code' in error && error.code === 'EEXIST') return readStored(file);
    return null;
  }
}
