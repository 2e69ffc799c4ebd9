import { execFileSync } from 'node:child_process';
import * as os from 'node:os';
import { ephemeralPorts, fileLimits } from './file-limits';
import { machineIdentity } from './machine-id';
import type { Environment, GitInfo, Limits, Pinning } from './schema/environment';

export function gitInfo(cwd: string): GitInfo {
  try {
    const commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd, stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .trim();
    // Dirty means uncommitted changes to the code that measures. Executed notebooks and results are the outputs of
    // runs (a `run all` rewrites them as it goes), so they don't count.
    const status = execFileSync(
      'git',
      ['status', '--porcelain', '--untracked-files=no', '--', '.', ':(exclude)notebooks/*.ipynb', ':(exclude)results'],
      {
        cwd,
        stdio: ['ignore', 'pipe', 'ignore'],
      },
    ).toString();
    return { commit, dirty: status.trim().length > 0 };
  } catch {
    return { commit: null, dirty: null };
  }
}

/** The open-file limits (the caller's soft limit, the hard one, and what children are started with) and the ephemeral port range. */
export function captureLimits(): Limits {
  const files = fileLimits();
  return {
    // The caller's soft limit (what the reader's shell gave the first casebook process), not this process's: a
    // notebook kernel may have been started with the raised one. The effective limit is openFilesForChildren. (A
    // separate `openFilesSoftAtStart` field needs a schemaVersion bump; until then the two fields carry both.)
    openFilesSoft: files.softAtStart ?? files.soft,
    openFilesHard: files.hard,
    openFilesForChildren: files.raisedTo,
    ephemeralPorts: ephemeralPorts(),
  };
}

/** The environment of a run. No host name: records are public; `machineId` is anonymous (see machine-id.ts). */
export function captureEnvironment(input: {
  pinning: Pinning;
  clientVersions: Record<string, string>;
  repoDir: string;
}): Environment {
  const cpus = os.cpus();
  const { machineId, machineIdPersistent } = machineIdentity();
  return {
    node: process.version,
    v8: process.versions.v8,
    platform: process.platform,
    arch: process.arch,
    osRelease: os.release(),
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cpuCores: cpus.length,
    totalMemoryBytes: os.totalmem(),
    machineId,
    machineIdPersistent,
    uvThreadpoolSize: process.env['UV_THREADPOOL_SIZE'] ?? null,
    pinning: input.pinning,
    clientVersions: input.clientVersions,
    git: gitInfo(input.repoDir),
    limits: captureLimits(),
  };
}
