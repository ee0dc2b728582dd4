import { z } from 'zod';
import { type ReadLockFile, readLockFile } from '../lock-file';
import { DEFAULT_CONFIG_PATH } from '../vocabulary';
import { MODEL_LIFECYCLES, type ModelLifecycle } from './portfolio';

/**
 * The retirement guard of the models (stage 5, ADR 0029). Removing a model from the config removes its stack and
 * its registry entries at once: the endpoint goes without a retirement, the model package group and approved
 * version leave the Registry stack, and nothing says so in review. The guard compares the declared models with a
 * lock file that records each model and its lifecycle, and refuses to let a model that the lock records as active
 * disappear: it must be retired (and deployed, and locked) first, then removed with `--remove`.
 *
 * Everything here is pure except {@link readModelLock}.
 */

/** The lock file's name; it sits beside the config file (config/models.lock.json). */
export const MODEL_LOCK_FILE = 'models.lock.json';

/** The command that records the declared models in the lock. */
export const MODEL_LOCK_COMMAND = 'npm run models:lock';

/** The full lock command for the config at `configPath`, with `args` such as `['--remove', 'churn']`. */
export function modelLockCommand(configPath?: string, args: readonly string[] = []): string {
  const config =
    configPath === undefined || configPath.replace(/^\.\//, '') === DEFAULT_CONFIG_PATH ? [] : ['--config', configPath];
  const all = [...config, ...args];
  return all.length === 0 ? MODEL_LOCK_COMMAND : `${MODEL_LOCK_COMMAND} -- ${all.join(' ')}`;
}

const LOCK_COMMENT =
  'Written by npm run models:lock: every model and its lifecycle, as last recorded. Commit it with the config.';

const lockSchema = z.strictObject({
  $comment: z.string().optional(),
  version: z.literal(1),
  models: z.array(z.strictObject({ name: z.string(), lifecycle: z.enum(MODEL_LIFECYCLES) })),
  /** Models removed after retirement: their names stay taken (the retained model package group keeps it). */
  removed: z.array(z.string()),
});

export type ModelLock = z.output<typeof lockSchema>;

/** A lock file as read: its path for messages, and the lock, or the problems that kept it from being read. */
export type ModelLockFile = ReadLockFile<ModelLock>;

/** What the guard reads of a declared model. */
export interface LockableModel {
  readonly name: string;
  readonly lifecycle: ModelLifecycle;
}

export interface ModelLockCheck {
  /** Removals the lock refuses, one line each, starting with the field path. */
  readonly problems: readonly string[];
  /** Changes not recorded in the lock yet, and a missing lock. */
  readonly warnings: readonly string[];
  /** What recording the lock would change, one line each. */
  readonly changes: readonly string[];
}

/** The migration that removes a model, in one sentence. */
export function retirementMigration(name: string, configPath?: string): string {
  return `to remove it, restore it with "lifecycle": "retired", deploy every environment (its endpoint, schedules, triggers and monitoring go; its registry, cards, lineage and data stay), run ${modelLockCommand(configPath)}, then remove it and run ${modelLockCommand(configPath, ['--remove', name])}; see docs/stage-5-portfolio-governance.md`;
}

/**
 * Compares the declared models with the lock. New models and lifecycle changes are allowed (a warning asks to
 * record them). A locked model that is no longer declared is a problem unless the lock records it as retired and
 * it is removed on purpose (`remove`, from the lock command); so is a model that reuses a removed name.
 */
export function checkModelLock(
  declared: readonly LockableModel[],
  lockFile: ModelLockFile,
  remove: readonly string[] = [],
): ModelLockCheck {
  if (lockFile.problems && lockFile.problems.length > 0) {
    return { problems: lockFile.problems, warnings: [], changes: [] };
  }
  const command = modelLockCommand(lockFile.configPath);
  const lock = lockFile.lock;
  if (!lock) {
    return {
      problems: [],
      warnings:
        declared.length === 0
          ? []
          : [
              `models: there is no ${lockFile.path}, so nothing stops a model from being removed without retiring it first; run ${command} and commit the file`,
            ],
      changes: declared.map((m) => `added model "${m.name}" (${m.lifecycle})`),
    };
  }
  const problems: string[] = [];
  const warnings: string[] = [];
  const changes: string[] = [];
  const record = `run ${command} and commit ${lockFile.path}`;
  const locked = new Map(lock.models.map((m) => [m.name, m.lifecycle]));
  declared.forEach((model, i) => {
    if (lock.removed.includes(model.name)) {
      problems.push(
        `models[${i}].name: "${model.name}" was removed after retirement and its name stays taken (its model package group and approved-version parameter may be retained under that name); name it "${model.name}-v2" instead`,
      );
      return;
    }
    const was = locked.get(model.name);
    if (was === undefined) {
      warnings.push(`models[${i}]: "${model.name}" is new and not in ${lockFile.path} yet; ${record}`);
      changes.push(`added model "${model.name}" (${model.lifecycle})`);
    } else if (was !== model.lifecycle) {
      warnings.push(
        `models[${i}].lifecycle: "${model.name}" is ${model.lifecycle}, ${lockFile.path} says ${was}; ${record} once it is deployed`,
      );
      changes.push(`model "${model.name}": ${was} -> ${model.lifecycle}`);
    }
  });
  const names = new Set(declared.map((m) => m.name));
  for (const entry of lock.models) {
    if (names.has(entry.name)) continue;
    if (entry.lifecycle === 'retired') {
      if (remove.includes(entry.name)) {
        changes.push(`removed model "${entry.name}"`);
      } else {
        warnings.push(
          `models: "${entry.name}" is retired in ${lockFile.path} and no longer declared; run ${modelLockCommand(lockFile.configPath, ['--remove', entry.name])} to record its removal`,
        );
      }
      continue;
    }
    problems.push(
      `models: "${entry.name}" is active in ${lockFile.path} but no longer declared (got no models[] entry named "${entry.name}"). Removing an active model deletes its endpoint and its stack without retiring it, and a rename is a removal too; ${retirementMigration(entry.name, lockFile.configPath)}`,
    );
  }
  for (const name of remove) {
    const was = locked.get(name);
    if (was === undefined) {
      problems.push(`--remove ${name}: no model "${name}" in ${lockFile.path}; expected one of its models`);
    } else if (names.has(name)) {
      problems.push(`--remove ${name}: "${name}" is still declared in models; remove it from the config first`);
    } else if (was !== 'retired') {
      problems.push(
        `--remove ${name}: "${name}" is active in ${lockFile.path}; ${retirementMigration(name, lockFile.configPath)}`,
      );
    }
  }
  return { problems, warnings, changes };
}

/** The lock that records `declared`, keeping the removed names of `previous` and adding `remove`. */
export function modelLock(declared: readonly LockableModel[], previous?: ModelLock, remove: readonly string[] = []) {
  const lock: ModelLock = {
    $comment: LOCK_COMMENT,
    version: 1,
    models: declared.map((m) => ({ name: m.name, lifecycle: m.lifecycle })),
    removed: [...new Set([...(previous?.removed ?? []), ...remove])].sort(),
  };
  return lock;
}

/** The lock to write, or the problems that refuse it: what `npm run models:lock` does, without the files. */
export function updateModelLock(
  declared: readonly LockableModel[],
  lockFile: ModelLockFile,
  remove: readonly string[] = [],
): { readonly problems: readonly string[]; readonly lock?: ModelLock; readonly changes: readonly string[] } {
  const check = checkModelLock(declared, lockFile, remove);
  if (check.problems.length > 0) return { problems: check.problems, changes: [] };
  return { problems: [], lock: modelLock(declared, lockFile.lock, remove), changes: check.changes };
}

/** The lock file as the command writes it. */
export function renderModelLock(lock: ModelLock): string {
  return `${JSON.stringify(lock, null, 2)}\n`;
}

/** Reads a lock file. A missing file is no problem (a fresh fork); an unreadable one is. */
export function readModelLock(file: string, displayPath: string, configPath?: string): ModelLockFile {
  return readLockFile(file, displayPath, lockSchema, modelLockCommand(configPath), configPath);
}
