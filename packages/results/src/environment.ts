import { execFileSync } from 'node:child_process';
import * as os from 'node:os';

/** Where each process of a run was placed. `method: 'none'` means unpinned, with the reason. */
export interface Pinning {
  method: 'taskset' | 'none';
  reason: string;
  clientCpu: number | null;
  targetCpu: number | null;
  /** Helpers such as proxies or DNS servers, by role. */
  others: Record<string, number | null>;
}

export interface GitInfo {
  commit: string | null;
  dirty: boolean | null;
}

export interface Environment {
  node: string;
  v8: string;
  platform: string;
  arch: string;
  osRelease: string;
  cpuModel: string;
  cpuCores: number;
  totalMemoryBytes: number;
  hostname: string;
  uvThreadpoolSize: string | null;
  pinning: Pinning;
  clientVersions: Record<string, string>;
  git: GitInfo;
}

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

export function captureEnvironment(input: {
  pinning: Pinning;
  clientVersions: Record<string, string>;
  repoDir: string;
}): Environment {
  const cpus = os.cpus();
  return {
    node: process.version,
    v8: process.versions.v8,
    platform: process.platform,
    arch: process.arch,
    osRelease: os.release(),
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cpuCores: cpus.length,
    totalMemoryBytes: os.totalmem(),
    hostname: os.hostname(),
    uvThreadpoolSize: process.env['UV_THREADPOOL_SIZE'] ?? null,
    pinning: input.pinning,
    clientVersions: input.clientVersions,
    git: gitInfo(input.repoDir),
  };
}
