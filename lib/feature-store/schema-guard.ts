import { z } from 'zod';
import { type ReadLockFile, readLockFile } from '../lock-file';
import {
  DEFAULT_CONFIG_PATH,
  FEATURE_TYPES,
  type FeatureGroupDefinition,
  ONLINE_STORE_STORAGE_TYPES,
} from '../vocabulary';

/**
 * The schema-evolution guard of the feature store. Most of a SageMaker feature group is create-only: a changed
 * record identifier, event time, store setting, description or tag makes CloudFormation replace the group, and a
 * replaced group starts empty. Features can only be appended. The guard compares the declared groups with a lock
 * file that records what was declared before, and refuses every change SageMaker cannot make in place, with the
 * migration that works instead: a new group plus a backfill.
 *
 * Everything here is pure except {@link readFeatureGroupLock}.
 */

/** The lock file's name; it sits beside the config file (config/feature-groups.lock.json). */
export const FEATURE_GROUP_LOCK_FILE = 'feature-groups.lock.json';

/** The command that records the declared groups in the lock. */
export const LOCK_COMMAND = 'npm run feature-groups:lock';

/**
 * The full lock command for the config at `configPath`, with `args` such as `['--drop', 'churn']`: it names
 * `--config` when the config is not the default one, so the hint can be pasted as it is.
 */
export function lockCommand(configPath?: string, args: readonly string[] = []): string {
  const config =
    configPath === undefined || configPath.replace(/^\.\//, '') === DEFAULT_CONFIG_PATH ? [] : ['--config', configPath];
  const all = [...config, ...args];
  return all.length === 0 ? LOCK_COMMAND : `${LOCK_COMMAND} -- ${all.join(' ')}`;
}

const LOCK_COMMENT =
  'Written by npm run feature-groups:lock: the create-only parts of every feature group, as last recorded. Commit it with the config.';

const lockedGroup = z.strictObject({
  name: z.string(),
  description: z.string().optional(),
  recordIdentifier: z.string(),
  eventTime: z.string(),
  features: z.array(z.strictObject({ name: z.string(), type: z.enum(FEATURE_TYPES) })),
  onlineStore: z.strictObject({ enabled: z.boolean(), storageType: z.enum(ONLINE_STORE_STORAGE_TYPES) }),
  offlineStore: z.strictObject({ enabled: z.boolean() }),
  tags: z.record(z.string(), z.string()),
});

const lockSchema = z.strictObject({
  $comment: z.string().optional(),
  version: z.literal(1),
  featureGroups: z.array(lockedGroup),
  /** Groups removed on purpose (`--drop`): their names stay taken, because retained groups keep them. */
  dropped: z.array(z.string()),
});

/** What the lock records of one group: everything create-only, and the features. TTL is updatable, so left out. */
export type LockedFeatureGroup = z.output<typeof lockedGroup>;
export type FeatureGroupLock = z.output<typeof lockSchema>;

/** A lock file as read: its path for messages, and the lock, or the problems that kept it from being read. */
export type FeatureGroupLockFile = ReadLockFile<FeatureGroupLock>;

export interface EvolutionCheck {
  /** Changes SageMaker cannot make in place, one line each, starting with the field path. */
  readonly problems: readonly string[];
  /** Additions not recorded in the lock yet, and a missing lock. */
  readonly warnings: readonly string[];
  /** What recording the lock would add, e.g. `feature "tenure" of "churn"`. */
  readonly additions: readonly string[];
}

/** The part of a declared group that the lock records. */
export function lockedDefinition(group: FeatureGroupDefinition): LockedFeatureGroup {
  return {
    name: group.name,
    ...(group.description === undefined ? {} : { description: group.description }),
    recordIdentifier: group.recordIdentifier,
    eventTime: group.eventTime,
    features: group.features.map((f) => ({ name: f.name, type: f.type })),
    onlineStore: { enabled: group.onlineStore.enabled, storageType: group.onlineStore.storageType },
    offlineStore: { enabled: group.offlineStore.enabled },
    tags: Object.fromEntries(Object.entries(group.tags).sort(([a], [b]) => a.localeCompare(b))),
  };
}

/** The lock that records `groups`, keeping the dropped names of `previous` and adding `drop`. */
export function featureGroupLock(
  groups: readonly FeatureGroupDefinition[],
  previous?: FeatureGroupLock,
  drop: readonly string[] = [],
): FeatureGroupLock {
  return {
    $comment: LOCK_COMMENT,
    version: 1,
    featureGroups: groups.map(lockedDefinition),
    dropped: [...new Set([...(previous?.dropped ?? []), ...drop])].sort(),
  };
}

/** The lock file as the app writes it. */
export function renderFeatureGroupLock(lock: FeatureGroupLock): string {
  return `${JSON.stringify(lock, null, 2)}\n`;
}

/** Reads a lock file. A missing file is no problem (a fresh fork); an unreadable one is. */
export function readFeatureGroupLock(file: string, displayPath: string, configPath?: string): FeatureGroupLockFile {
  return readLockFile(file, displayPath, lockSchema, lockCommand(configPath), configPath);
}

/** The name the migration suggests for the group that replaces `name`: `-v2`, or the next version. */
export function nextVersionName(name: string): string {
  const versioned = /^(.*)-v(\d+)$/.exec(name);
  return versioned ? `${versioned[1]}-v${Number(versioned[2]) + 1}` : `${name}-v2`;
}

/** The migration that replaces a create-only change, in one sentence. */
export function migrationOf(name: string, configPath?: string): string {
  const next = nextVersionName(name);
  return `declare a new feature group such as "${next}" with the new definition, backfill it from the offline store of "${name}", point models[].featureGroup at "${next}", then drop "${name}" (${lockCommand(configPath, ['--drop', name])}); see docs/feature-store.md`;
}

const shown = (value: unknown): string => (value === undefined ? 'none' : JSON.stringify(value));

/**
 * Compares the declared groups with the lock. Appending features and adding groups are allowed (a warning asks
 * to record them); every other change of a locked group is a problem, and so is removing a locked group unless it
 * is dropped on purpose (`drop`, from the lock command) or reusing the name of a dropped one.
 */
export function checkFeatureGroupEvolution(
  declared: readonly FeatureGroupDefinition[],
  lockFile: FeatureGroupLockFile,
  drop: readonly string[] = [],
): EvolutionCheck {
  if (lockFile.problems && lockFile.problems.length > 0) {
    return { problems: lockFile.problems, warnings: [], additions: [] };
  }
  const lock = lockFile.lock;
  const command = lockCommand(lockFile.configPath);
  if (!lock) {
    const warnings =
      declared.length === 0
        ? []
        : [
            `featureGroups: there is no ${lockFile.path}, so nothing guards the create-only parts of the feature groups; run ${command} and commit the file`,
          ];
    return { problems: [], warnings, additions: declared.map((g) => `feature group "${g.name}"`) };
  }

  const problems: string[] = [];
  const warnings: string[] = [];
  const additions: string[] = [];
  const record = `run ${command} and commit ${lockFile.path} (CI checks that it matches the config)`;
  const lockedByName = new Map(lock.featureGroups.map((g) => [g.name, g]));
  declared.forEach((group, i) => {
    const field = `featureGroups[${i}]`;
    if (lock.dropped.includes(group.name)) {
      problems.push(
        `${field}.name: "${group.name}" was dropped and its name stays taken (a retained group may still hold it, and its offline store prefix and table would mix old and new records); name it "${nextVersionName(group.name)}" instead`,
      );
      return;
    }
    const locked = lockedByName.get(group.name);
    if (!locked) {
      warnings.push(`${field}: feature group "${group.name}" is new and not in ${lockFile.path} yet; ${record}`);
      additions.push(`feature group "${group.name}"`);
      return;
    }
    const check = compareGroup(group, locked, field, lockFile.configPath);
    problems.push(...check.problems);
    for (const j of check.appended) {
      const name = group.features[j]?.name;
      warnings.push(`${field}.features[${j}]: "${name}" is a new feature, not in ${lockFile.path} yet; ${record}`);
      additions.push(`feature "${name}" of "${group.name}"`);
    }
  });

  const declaredNames = new Set(declared.map((g) => g.name));
  for (const locked of lock.featureGroups) {
    if (declaredNames.has(locked.name) || drop.includes(locked.name)) continue;
    problems.push(
      `featureGroups: "${locked.name}" is in ${lockFile.path} but no longer declared. Removing it deletes the group in dev and leaves it orphaned (retained) in the other environments, and a rename is a removal too. If you mean to remove it, run ${lockCommand(lockFile.configPath, ['--drop', locked.name])}; to change it instead, restore it and ${migrationOf(locked.name, lockFile.configPath)}`,
    );
  }
  for (const name of drop) {
    if (!lockedByName.has(name)) {
      problems.push(`--drop ${name}: no feature group "${name}" in ${lockFile.path}; expected one of its groups`);
    } else if (declaredNames.has(name)) {
      problems.push(`--drop ${name}: "${name}" is still declared in featureGroups; remove it from the config first`);
    }
  }
  return { problems, warnings, additions };
}

/** The lock to write, or the problems that refuse it: what `npm run feature-groups:lock` does, without the files. */
export function updateFeatureGroupLock(
  declared: readonly FeatureGroupDefinition[],
  lockFile: FeatureGroupLockFile,
  drop: readonly string[] = [],
): { readonly problems: readonly string[]; readonly lock?: FeatureGroupLock; readonly changes: readonly string[] } {
  const check = checkFeatureGroupEvolution(declared, lockFile, drop);
  if (check.problems.length > 0) return { problems: check.problems, changes: [] };
  return {
    problems: [],
    lock: featureGroupLock(declared, lockFile.lock, drop),
    changes: [...check.additions.map((a) => `added ${a}`), ...drop.map((name) => `dropped feature group "${name}"`)],
  };
}

/** The create-only changes of one group, and the indexes of the features appended since the lock. */
function compareGroup(
  group: FeatureGroupDefinition,
  locked: LockedFeatureGroup,
  field: string,
  configPath: string | undefined,
): { problems: string[]; appended: number[] } {
  const problems: string[] = [];
  const migration = migrationOf(group.name, configPath);
  const createOnly = `SageMaker cannot change it in place, so ${migration}`;
  const now = lockedDefinition(group);

  const scalars: Array<[string, unknown, unknown]> = [
    ['recordIdentifier', locked.recordIdentifier, now.recordIdentifier],
    ['eventTime', locked.eventTime, now.eventTime],
    ['description', locked.description, now.description],
    ['onlineStore.enabled', locked.onlineStore.enabled, now.onlineStore.enabled],
    ['onlineStore.storageType', locked.onlineStore.storageType, now.onlineStore.storageType],
    ['offlineStore.enabled', locked.offlineStore.enabled, now.offlineStore.enabled],
  ];
  for (const [key, was, is] of scalars) {
    if (was !== is) problems.push(`${field}.${key}: was ${shown(was)}, now ${shown(is)}; ${createOnly}`);
  }

  const tagKeys = [...new Set([...Object.keys(locked.tags), ...Object.keys(now.tags)])].sort();
  for (const key of tagKeys) {
    const was = locked.tags[key];
    const is = now.tags[key];
    if (was !== is) {
      problems.push(
        `${field}.tags.${key}: was ${shown(was)}, now ${shown(is)}; tags of a feature group are create-only: ${createOnly}`,
      );
    }
  }

  const lockedNames = new Set(locked.features.map((f) => f.name));
  const renamed = new Set<number>();
  locked.features.forEach((old, j) => {
    const k = group.features.findIndex((f) => f.name === old.name);
    const current = group.features[k];
    if (current) {
      if (current.type !== old.type) {
        problems.push(
          `${field}.features[${k}].type: "${old.name}" was ${old.type}, now ${current.type}; ${createOnly}`,
        );
      }
      return;
    }
    const inItsPlace = group.features[j];
    if (inItsPlace && !lockedNames.has(inItsPlace.name)) {
      renamed.add(j);
      problems.push(
        `${field}.features[${j}].name: "${inItsPlace.name}" takes the place of "${old.name}", a rename, which is a removal plus an addition; SageMaker cannot remove a feature, so keep "${old.name}" and append "${inItsPlace.name}", or ${migration}`,
      );
    } else {
      problems.push(
        `${field}.features: "${old.name}" (${old.type}) is no longer declared; SageMaker cannot remove a feature, so keep declaring it (writers may leave it empty), or ${migration}`,
      );
    }
  });
  const appended = group.features.flatMap((f, j) => (lockedNames.has(f.name) || renamed.has(j) ? [] : [j]));
  return { problems, appended };
}
