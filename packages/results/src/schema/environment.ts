import { type Static, Type } from '@sinclair/typebox';
import { CLOSED, Nullable } from './common';

/**
 * The machine and software a run was made on. No host name: a record is cited in public and a reader's machine name
 * must not end up in it. `machineId` (see machine-id.ts) tells runs from one machine apart without naming it.
 */

/** Where each process of a run was placed. `method: 'none'` means unpinned, with the reason. */
export const PinningSchema = Type.Object(
  {
    method: Type.Union([Type.Literal('taskset'), Type.Literal('none')]),
    reason: Type.String(),
    clientCpu: Nullable(Type.Number()),
    targetCpu: Nullable(Type.Number()),
    /** Helpers such as proxies or DNS servers, by role. */
    others: Type.Record(Type.String(), Nullable(Type.Number())),
  },
  CLOSED,
);
export type Pinning = Static<typeof PinningSchema>;

export const GitInfoSchema = Type.Object({ commit: Nullable(Type.String()), dirty: Nullable(Type.Boolean()) }, CLOSED);
export type GitInfo = Static<typeof GitInfoSchema>;

/**
 * The machine's limits that decide whether a run fits (schemaVersion 4): open files per process (RLIMIT_NOFILE) and
 * the ephemeral port range. Children of a run are started with the soft limit raised (see file-limits.ts), so
 * `openFilesForChildren` is what the client and target actually had.
 */
export const LimitsSchema = Type.Object(
  {
    openFilesSoft: Nullable(Type.Integer({ minimum: 0 }), {
      description:
        "The casebook process's soft open-file limit; null: unknown (no POSIX shell). Unlimited reads as 2^53-1",
    }),
    openFilesHard: Nullable(Type.Integer({ minimum: 0 }), {
      description: 'The hard open-file limit; null: unknown. Unlimited reads as 2^53-1',
    }),
    openFilesForChildren: Nullable(Type.Integer({ minimum: 0 }), {
      description: 'The soft open-file limit the measured child processes were started with; null: not raised',
    }),
    ephemeralPorts: Nullable(Type.Tuple([Type.Integer({ minimum: 0 }), Type.Integer({ minimum: 0 })]), {
      description: 'Local port range for outgoing connections, [low, high] (Linux ip_local_port_range); null elsewhere',
    }),
  },
  CLOSED,
);
export type Limits = Static<typeof LimitsSchema>;

/** 16 lower-case hex characters (64 random bits). */
export const MACHINE_ID_PATTERN = '^[0-9a-f]{16}$';

/** The fields every schema version shares; each version adds how it identifies the machine. */
export const sharedEnvironmentProperties = {
  node: Type.String(),
  v8: Type.String(),
  platform: Type.String(),
  arch: Type.String(),
  osRelease: Type.String(),
  cpuModel: Type.String(),
  cpuCores: Type.Number(),
  totalMemoryBytes: Type.Number(),
  uvThreadpoolSize: Nullable(Type.String()),
  pinning: PinningSchema,
  clientVersions: Type.Record(Type.String(), Type.String()),
  git: GitInfoSchema,
};

export const EnvironmentSchema = Type.Object(
  {
    ...sharedEnvironmentProperties,
    machineId: Nullable(Type.String({ pattern: MACHINE_ID_PATTERN }), {
      description:
        'Anonymous random id of the machine, kept outside the repository; null only in records migrated from schemaVersion 1',
    }),
    machineIdPersistent: Type.Boolean({
      description: 'False when the id could not be stored (it is then per process) or is unknown (migrated records)',
    }),
    limits: Nullable(LimitsSchema, { description: 'null only in records migrated from schemaVersion 3 or earlier' }),
  },
  CLOSED,
);
export type Environment = Static<typeof EnvironmentSchema>;
