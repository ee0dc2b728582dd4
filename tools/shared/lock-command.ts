import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { ConfigError, type ResolvedPlatformConfig, resolveConfig } from '../../lib/config/loader';
import { DEFAULT_CONFIG_PATH } from '../../lib/vocabulary';

// What the lock commands (`feature-groups:lock`, `models:lock`) share: the lock beside the config file is planned
// from the config and the lock's rules (which synth checks too), then written, and the command's run from its
// arguments to its exit code. Each command names its file, its rules and the flag that removes an entry on purpose.

/** What to lock: the config file, as given on the command line, and the entries removed on purpose. */
export interface LockRequest {
  /** Path of the config file, relative to the working directory or absolute. */
  readonly config: string;
  readonly removed: readonly string[];
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
  | { readonly kind: 'refused'; readonly shownPath: string; readonly problems: readonly string[] };

/** The rules of one lock, from lib/ (where synth checks the same lock). */
export interface LockRules<Lock, LockFile extends { readonly path: string }> {
  /** The lock's file name, beside the config file. */
  readonly fileName: string;
  /** Reads the lock file; a missing one is an empty lock. */
  read(file: string, shownPath: string, configPath: string): LockFile;
  /** The new lock from the resolved config and the lock, with the removals applied, or the problems. */
  update(
    config: ResolvedPlatformConfig,
    lockFile: LockFile,
    removed: readonly string[],
  ): { readonly problems: readonly string[]; readonly lock?: Lock; readonly changes: readonly string[] };
  render(lock: Lock): string;
}

/**
 * Reads the config and the lock beside it and works out the new lock; writes nothing. The config must be valid on
 * its own (a {@link ConfigError} otherwise); the lock is compared with it, with the removals applied.
 */
export function planLock<Lock, LockFile extends { readonly path: string }>(
  request: LockRequest,
  rules: LockRules<Lock, LockFile>,
): LockPlan {
  const file = path.resolve(request.config);
  const config = resolveConfig(JSON.parse(readFileSync(file, 'utf8')), {}, request.config);
  const lockPath = path.join(path.dirname(file), rules.fileName);
  const lockFile = rules.read(lockPath, path.join(path.dirname(request.config), rules.fileName), request.config);
  const update = rules.update(config, lockFile, request.removed);
  if (!update.lock) return { kind: 'refused', shownPath: lockFile.path, problems: update.problems };
  return {
    kind: 'write',
    file: lockPath,
    shownPath: lockFile.path,
    content: rules.render(update.lock),
    changes: update.changes,
  };
}

/** Writes the lock of a plan that is not refused. */
export function writeLock(plan: Extract<LockPlan, { kind: 'write' }>): void {
  writeFileSync(plan.file, plan.content);
}

/** A lock command: its usage line, the flag that removes an entry, and its rules. */
export interface LockCommand<Lock, LockFile extends { readonly path: string }> {
  readonly usage: string;
  /** `--drop`, `--remove`: repeatable, one name each. */
  readonly removeFlag: string;
  readonly rules: LockRules<Lock, LockFile>;
}

/**
 * The arguments after `npm run <command> --`: `--config <file>` and any number of `<removeFlag> <name>`; or the usage
 * problem as a string.
 */
export function parseLockRequest(argv: readonly string[], removeFlag: string): LockRequest | string {
  let config = DEFAULT_CONFIG_PATH;
  const removed: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = argv[i + 1];
    if ((arg === '--config' || arg === removeFlag) && (value === undefined || value.startsWith('--'))) {
      return `${arg} needs a value`;
    }
    if (arg === '--config') config = value as string;
    else if (arg === removeFlag) removed.push(value as string);
    else return `unknown argument ${JSON.stringify(arg)}`;
    i++;
  }
  return { config, removed };
}

/** Runs a lock command. Exit codes: 0 written, 1 refused or an invalid config (the message says why), 2 usage error. */
export function runLockCommand<Lock, LockFile extends { readonly path: string }>(
  argv: readonly string[],
  command: LockCommand<Lock, LockFile>,
): number {
  const request = parseLockRequest(argv, command.removeFlag);
  if (typeof request === 'string') {
    process.stderr.write(`error: ${request}\n${command.usage}\n`);
    return 2;
  }
  const file = path.resolve(request.config);
  if (!existsSync(file)) {
    process.stderr.write(`error: --config: file not found: ${file}\n${command.usage}\n`);
    return 2;
  }
  try {
    const plan = planLock(request, command.rules);
    if (plan.kind === 'refused') {
      process.stderr.write(
        `refusing to record ${plan.shownPath}:\n${plan.problems.map((p) => `  - ${p}`).join('\n')}\n`,
      );
      return 1;
    }
    writeLock(plan);
    const summary = plan.changes.length === 0 ? ['no changes'] : plan.changes;
    process.stdout.write(`wrote ${plan.shownPath}:\n${summary.map((c) => `  - ${c}`).join('\n')}\n`);
    return 0;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    return 1;
  }
}
