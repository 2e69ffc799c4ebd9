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
  },
  CLOSED,
);
export type Environment = Static<typeof EnvironmentSchema>;
