import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { resolveConfig } from '../../lib/config/loader';
import { MODEL_LOCK_FILE, readModelLock, renderModelLock, updateModelLock } from '../../lib/config/model-lock';

// The job of `npm run models:lock`: record the declared models and their lifecycle in the lock beside the config
// file, refusing to forget a model that was never retired; `remove` records a retired model's removal. The rules
// live in lib/config/model-lock.ts (the synth checks the same lock); this reads the files and writes the lock.

/** What to lock: the config file, as given on the command line, and the retired models removed on purpose. */
export interface ModelLockRequest {
  /** Path of the config file, relative to the working directory or absolute. */
  readonly config: string;
  readonly remove: readonly string[];
}

/** The lock to write, or why it is refused. */
export type ModelLockPlan =
  | {
      readonly kind: 'write';
      /** Absolute path of the lock file. */
      readonly file: string;
      /** The lock file as messages show it: beside the config as it was given. */
      readonly shownPath: string;
      readonly content: string;
      /** What changed since the lock, one line each; empty when nothing did. */
      readonly changes: readonly string[];
    }
  | { readonly kind: 'refused'; readonly shownPath: string; readonly problems: readonly string[] };

/**
 * Reads the config and the lock beside it and works out the new lock; writes nothing. The config is validated
 * without the lock (a {@link ConfigError} otherwise), then compared with it, with the removals applied.
 */
export function planModelLock(request: ModelLockRequest): ModelLockPlan {
  const file = path.resolve(request.config);
  const config = resolveConfig(JSON.parse(readFileSync(file, 'utf8')), {}, request.config);
  const lockFile = readModelLock(
    path.join(path.dirname(file), MODEL_LOCK_FILE),
    path.join(path.dirname(request.config), MODEL_LOCK_FILE),
    request.config,
  );
  const update = updateModelLock(config.config.models, lockFile, request.remove);
  if (!update.lock) return { kind: 'refused', shownPath: lockFile.path, problems: update.problems };
  return {
    kind: 'write',
    file: path.join(path.dirname(file), MODEL_LOCK_FILE),
    shownPath: lockFile.path,
    content: renderModelLock(update.lock),
    changes: update.changes,
  };
}

/** Writes the lock of a plan that is not refused. */
export function writeModelLock(plan: Extract<ModelLockPlan, { kind: 'write' }>): void {
  writeFileSync(plan.file, plan.content);
}
