import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { resolveConfig } from '../../lib/config/loader';
import {
  FEATURE_GROUP_LOCK_FILE,
  readFeatureGroupLock,
  renderFeatureGroupLock,
  updateFeatureGroupLock,
} from '../../lib/feature-store/schema-guard';

// The job of `npm run feature-groups:lock`: record the declared feature groups in the lock beside the config
// file, refusing changes SageMaker cannot make in place; `drop` removes a group on purpose. The rules live in
// lib/feature-store/schema-guard.ts (the synth checks the same lock); this reads the files and writes the lock.

/** What to lock: the config file, as given on the command line, and the groups dropped on purpose. */
export interface LockRequest {
  /** Path of the config file, relative to the working directory or absolute. */
  readonly config: string;
  readonly drop: readonly string[];
}

/** The lock to write, or why it is refused. */
export type LockPlan =
  | {
      readonly kind: 'write';
      /** Absolute path of the lock file. */
      readonly file: string;
      /** The lock file as messages show it: beside the config as it was given. */
      readonly shownPath: string;
      /** The new content of the lock file. */
      readonly content: string;
      /** What changed since the lock, one line each; empty when nothing did. */
      readonly changes: readonly string[];
    }
  | {
      readonly kind: 'refused';
      readonly shownPath: string;
      readonly problems: readonly string[];
    };

/**
 * Reads the config and the lock beside it and works out the new lock; writes nothing. The config must be valid on
 * its own (a {@link ConfigError} otherwise); the lock is compared with it, with the drops applied.
 */
export function planFeatureGroupLock(request: LockRequest): LockPlan {
  const file = path.resolve(request.config);
  const config = resolveConfig(JSON.parse(readFileSync(file, 'utf8')), {}, request.config);
  const lockPath = path.join(path.dirname(file), FEATURE_GROUP_LOCK_FILE);
  const lockFile = readFeatureGroupLock(
    lockPath,
    path.join(path.dirname(request.config), FEATURE_GROUP_LOCK_FILE),
    request.config,
  );
  const update = updateFeatureGroupLock(config.config.featureGroups, lockFile, request.drop);
  if (!update.lock) return { kind: 'refused', shownPath: lockFile.path, problems: update.problems };
  return {
    kind: 'write',
    file: lockPath,
    shownPath: lockFile.path,
    content: renderFeatureGroupLock(update.lock),
    changes: update.changes,
  };
}

/** Writes the lock of a plan that is not refused. */
export function writeFeatureGroupLock(plan: Extract<LockPlan, { kind: 'write' }>): void {
  writeFileSync(plan.file, plan.content);
}
