import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { loadConfig, resolveConfig } from '../../lib/config/loader';
import type { FeatureGroupConfig } from '../../lib/config/schema';
import {
  checkFeatureGroupEvolution,
  FEATURE_GROUP_LOCK_FILE,
  type FeatureGroupLock,
  type FeatureGroupLockFile,
  featureGroupLock,
  lockCommand,
  migrationOf,
  nextVersionName,
  readFeatureGroupLock,
  renderFeatureGroupLock,
  updateFeatureGroupLock,
} from '../../lib/feature-store/schema-guard';
import { DEFAULT_CONFIG_PATH } from '../../lib/vocabulary';
import { problemsOf } from '../support/config';
import { churnModel, threeEnvironmentConfig } from '../support/fixtures';
import { REPO_ROOT } from '../support/platform';

const LOCK_PATH = 'config/feature-groups.lock.json';
const MIGRATION =
  'declare a new feature group such as "churn-customers-v2" with the new definition, backfill it from the offline store of "churn-customers", point models[].featureGroup at "churn-customers-v2", then drop "churn-customers" (npm run feature-groups:lock -- --drop churn-customers); see docs/feature-store.md';

type GroupInput = Record<string, unknown> & { features: Array<{ name: string; type: string }> };

const churn = (): GroupInput => ({
  name: 'churn-customers',
  description: 'Churn features',
  recordIdentifier: 'customer_id',
  eventTime: 'event_time',
  features: [
    { name: 'customer_id', type: 'string' },
    { name: 'event_time', type: 'string' },
    { name: 'tenure_months', type: 'integral' },
    { name: 'monthly_charges', type: 'fractional' },
  ],
  tags: { team: 'retention' },
});

/** The reference fixture with `groups`; its model monitors a feature every test group keeps. */
const configWith = (groups: GroupInput[]) => ({
  ...threeEnvironmentConfig(),
  models: [{ ...churnModel(), monitoring: { features: ['tenure_months'] } }],
  featureGroups: groups,
});

const folders: string[] = [];
afterAll(() => {
  for (const dir of folders) rmSync(dir, { recursive: true, force: true });
});

/** A fresh temporary folder, removed after the tests. */
function tempFolder(prefix: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  folders.push(dir);
  return dir;
}

/** Groups as the app sees them: validated, defaults applied. */
function declared(...groups: GroupInput[]): FeatureGroupConfig[] {
  const config = resolveConfig({
    project: 'acme',
    environments: [{ name: 'dev', account: '111111111111', region: 'eu-west-1' }],
    featureGroups: groups,
  });
  return config.config.featureGroups;
}

/** The lock as `npm run feature-groups:lock` would have written it for `groups`. */
const lockedAs = (...groups: GroupInput[]): FeatureGroupLockFile => ({
  path: LOCK_PATH,
  lock: featureGroupLock(declared(...groups)),
});

describe('GIVEN the lock of churn-customers', () => {
  const lock = lockedAs(churn());

  test('WHEN nothing changed THEN there is no problem and no warning', () => {
    expect(checkFeatureGroupEvolution(declared(churn()), lock)).toEqual({ problems: [], warnings: [], additions: [] });
  });

  test('WHEN a feature is appended THEN it passes, with a warning to record it in the lock', () => {
    // GIVEN
    const group = churn();
    group.features.push({ name: 'support_calls', type: 'integral' });

    // WHEN
    const result = checkFeatureGroupEvolution(declared(group), lock);

    // THEN
    expect(result.problems).toEqual([]);
    expect(result.warnings).toEqual([
      'featureGroups[0].features[4]: "support_calls" is a new feature, not in config/feature-groups.lock.json yet; run npm run feature-groups:lock and commit config/feature-groups.lock.json (CI checks that it matches the config)',
    ]);
  });

  test('WHEN a feature is removed THEN it fails, saying how to migrate', () => {
    const group = churn();
    group.features.splice(3, 1);

    const { problems } = checkFeatureGroupEvolution(declared(group), lock);

    expect(problems).toEqual([
      `featureGroups[0].features: "monthly_charges" (fractional) is no longer declared; SageMaker cannot remove a feature, so keep declaring it (writers may leave it empty), or ${MIGRATION}`,
    ]);
  });

  test('WHEN a feature is renamed THEN it fails at the renamed feature, saying how to migrate', () => {
    const group = churn();
    group.features[2] = { name: 'tenure', type: 'integral' };

    const result = checkFeatureGroupEvolution(declared(group), lock);

    expect(result.problems).toEqual([
      `featureGroups[0].features[2].name: "tenure" takes the place of "tenure_months", a rename, which is a removal plus an addition; SageMaker cannot remove a feature, so keep "tenure_months" and append "tenure", or ${MIGRATION}`,
    ]);
    expect(result.warnings).toEqual([]);
  });

  test('WHEN a feature is retyped THEN it fails at its type, saying how to migrate', () => {
    const group = churn();
    group.features[3] = { name: 'monthly_charges', type: 'string' };

    expect(checkFeatureGroupEvolution(declared(group), lock).problems).toEqual([
      `featureGroups[0].features[3].type: "monthly_charges" was fractional, now string; SageMaker cannot change it in place, so ${MIGRATION}`,
    ]);
  });

  test('WHEN a tag changes or is added THEN each fails: tags of a feature group are create-only', () => {
    const group = { ...churn(), tags: { team: 'growth', owner: 'ml' } };

    expect(checkFeatureGroupEvolution(declared(group), lock).problems).toEqual([
      `featureGroups[0].tags.owner: was none, now "ml"; tags of a feature group are create-only: SageMaker cannot change it in place, so ${MIGRATION}`,
      `featureGroups[0].tags.team: was "retention", now "growth"; tags of a feature group are create-only: SageMaker cannot change it in place, so ${MIGRATION}`,
    ]);
  });

  test('WHEN the description changes THEN it fails, saying how to migrate', () => {
    const group = { ...churn(), description: 'Customer features' };

    expect(checkFeatureGroupEvolution(declared(group), lock).problems).toEqual([
      `featureGroups[0].description: was "Churn features", now "Customer features"; SageMaker cannot change it in place, so ${MIGRATION}`,
    ]);
  });

  test('WHEN the record identifier changes THEN it fails, saying how to migrate', () => {
    const group = churn();
    group.features.push({ name: 'account_id', type: 'string' });
    group.recordIdentifier = 'account_id';

    expect(checkFeatureGroupEvolution(declared(group), lock).problems).toEqual([
      `featureGroups[0].recordIdentifier: was "customer_id", now "account_id"; SageMaker cannot change it in place, so ${MIGRATION}`,
    ]);
  });

  test.each([
    ['eventTime', { eventTime: 'customer_id', recordIdentifier: 'event_time' }, '"event_time"', '"customer_id"'],
    ['onlineStore.enabled', { onlineStore: { enabled: false } }, 'true', 'false'],
    [
      'onlineStore.storageType',
      { onlineStore: { storageType: 'InMemory' }, offlineStore: { enabled: false } },
      '"Standard"',
      '"InMemory"',
    ],
    ['offlineStore.enabled', { offlineStore: { enabled: false } }, 'true', 'false'],
  ])('WHEN %s changes THEN it fails, saying how to migrate', (field, change, was, now) => {
    const { problems } = checkFeatureGroupEvolution(declared({ ...churn(), ...change }), lock);

    expect(problems).toContain(
      `featureGroups[0].${field}: was ${was}, now ${now}; SageMaker cannot change it in place, so ${MIGRATION}`,
    );
  });

  test('WHEN the TTL changes or the features are reordered THEN it passes: both are updates in place', () => {
    const group = { ...churn(), onlineStore: { ttl: { value: 30, unit: 'Days' } } };
    group.features.reverse();

    expect(checkFeatureGroupEvolution(declared(group), lock)).toEqual({ problems: [], warnings: [], additions: [] });
  });

  test('WHEN the whole group is removed THEN it fails unless it is dropped on purpose', () => {
    const removed = checkFeatureGroupEvolution([], lock);
    expect(removed.problems).toEqual([
      `featureGroups: "churn-customers" is in config/feature-groups.lock.json but no longer declared. Removing it deletes the group in dev and leaves it orphaned (retained) in the other environments, and a rename is a removal too. If you mean to remove it, run npm run feature-groups:lock -- --drop churn-customers; to change it instead, restore it and ${MIGRATION}`,
    ]);

    expect(checkFeatureGroupEvolution([], lock, ['churn-customers']).problems).toEqual([]);
  });

  test('WHEN a new group is added next to it THEN it passes, with a warning to record it', () => {
    const result = checkFeatureGroupEvolution(declared(churn(), { ...churn(), name: 'churn-usage' }), lock);

    expect(result.problems).toEqual([]);
    expect(result.additions).toEqual(['feature group "churn-usage"']);
    expect(result.warnings[0]).toMatch(/^featureGroups\[1\]: feature group "churn-usage" is new and not in/);
  });
});

describe('GIVEN a lock in which churn-customers was dropped', () => {
  const lock: FeatureGroupLockFile = { path: LOCK_PATH, lock: featureGroupLock([], undefined, ['churn-customers']) };

  test('WHEN a group takes that name again THEN it fails and suggests the next version', () => {
    expect(checkFeatureGroupEvolution(declared(churn()), lock).problems).toEqual([
      'featureGroups[0].name: "churn-customers" was dropped and its name stays taken (a retained group may still hold it, and its offline store prefix and table would mix old and new records); name it "churn-customers-v2" instead',
    ]);
  });
});

describe('GIVEN no lock file', () => {
  test('WHEN groups are declared THEN a fresh fork gets a warning, not a failure', () => {
    expect(checkFeatureGroupEvolution(declared(churn()), { path: LOCK_PATH })).toEqual({
      problems: [],
      warnings: [
        'featureGroups: there is no config/feature-groups.lock.json, so nothing guards the create-only parts of the feature groups; run npm run feature-groups:lock and commit the file',
      ],
      additions: ['feature group "churn-customers"'],
    });
  });

  test('WHEN no group is declared THEN there is nothing to say', () => {
    expect(checkFeatureGroupEvolution([], { path: LOCK_PATH }).warnings).toEqual([]);
  });
});

describe('recording the lock', () => {
  test('GIVEN an appended feature WHEN recorded THEN the lock holds it and says what was added', () => {
    const group = churn();
    group.features.push({ name: 'support_calls', type: 'integral' });

    const update = updateFeatureGroupLock(declared(group), lockedAs(churn()));

    expect(update.problems).toEqual([]);
    expect(update.changes).toEqual(['added feature "support_calls" of "churn-customers"']);
    expect(update.lock?.featureGroups[0]?.features.map((f) => f.name)).toContain('support_calls');
  });

  test('GIVEN a breaking change WHEN recorded THEN it is refused with the same messages as synth', () => {
    const group = churn();
    group.features.splice(3, 1);

    const update = updateFeatureGroupLock(declared(group), lockedAs(churn()));

    expect(update.lock).toBeUndefined();
    expect(update.problems).toEqual(checkFeatureGroupEvolution(declared(group), lockedAs(churn())).problems);
  });

  test('GIVEN --drop of a declared or an unknown group THEN it is refused', () => {
    expect(updateFeatureGroupLock(declared(churn()), lockedAs(churn()), ['churn-customers', 'nope']).problems).toEqual([
      '--drop churn-customers: "churn-customers" is still declared in featureGroups; remove it from the config first',
      '--drop nope: no feature group "nope" in config/feature-groups.lock.json; expected one of its groups',
    ]);
  });

  test('the suggested name of the replacement counts versions up', () => {
    expect(nextVersionName('churn-customers')).toBe('churn-customers-v2');
    expect(nextVersionName('churn-customers-v2')).toBe('churn-customers-v3');
  });
});

describe('plain synth (loadConfig) reads the lock beside the config file', () => {
  /** A config folder with the default config, its groups replaced, and optionally a lock. */
  function configFolder(groups: GroupInput[], lock?: FeatureGroupLock | string): string {
    const dir = tempFolder('feature-groups-');
    writeFileSync(path.join(dir, 'acme.json'), JSON.stringify(configWith(groups)));
    if (lock !== undefined) {
      const text = typeof lock === 'string' ? lock : renderFeatureGroupLock(lock);
      writeFileSync(path.join(dir, FEATURE_GROUP_LOCK_FILE), text);
    }
    return dir;
  }

  test('GIVEN a removed feature WHEN synthesized THEN the config is refused with the migration', () => {
    const group = churn();
    group.features.splice(3, 1);
    const dir = configFolder([group], featureGroupLock(declared(churn())));

    const problems = problemsOf(() => loadConfig({ config: 'acme.json' }, dir));

    expect(problems).toEqual([
      expect.stringMatching(/^featureGroups\[0\]\.features: "monthly_charges" \(fractional\)/),
    ]);
    expect(problems[0]).toContain(MIGRATION.replace('lock -- --drop', 'lock -- --config acme.json --drop'));
  });

  test('GIVEN an appended feature WHEN synthesized THEN it passes with a warning to run the lock command', () => {
    const group = churn();
    group.features.push({ name: 'support_calls', type: 'integral' });
    const dir = configFolder([group], featureGroupLock(declared(churn())));

    expect(loadConfig({ config: 'acme.json' }, dir).warnings).toContain(
      'featureGroups[0].features[4]: "support_calls" is a new feature, not in feature-groups.lock.json yet; run npm run feature-groups:lock -- --config acme.json and commit feature-groups.lock.json (CI checks that it matches the config)',
    );
  });

  test('GIVEN no lock WHEN synthesized THEN it warns; GIVEN a broken lock THEN it fails', () => {
    expect(loadConfig({ config: 'acme.json' }, configFolder([churn()])).warnings[0]).toMatch(
      /^featureGroups: there is no feature-groups\.lock\.json/,
    );
    expect(problemsOf(() => loadConfig({ config: 'acme.json' }, configFolder([churn()], '{ "version": 2 }')))).toEqual(
      expect.arrayContaining([expect.stringMatching(/^feature-groups\.lock\.json version: /)]),
    );
  });
});

describe('a lock as the lock command writes it', () => {
  test('GIVEN the lock of the reference config beside it WHEN synthesized THEN no feature group warning remains', () => {
    // GIVEN (the fork suite, test/fork/, holds the shipped config to its own lock)
    const input = threeEnvironmentConfig();
    const groups = resolveConfig(input).config.featureGroups;
    const dir = tempFolder('feature-groups-committed-');
    writeFileSync(path.join(dir, 'acme.json'), JSON.stringify(input));
    writeFileSync(path.join(dir, FEATURE_GROUP_LOCK_FILE), renderFeatureGroupLock(featureGroupLock(groups)));

    // WHEN
    const file = readFeatureGroupLock(path.join(dir, FEATURE_GROUP_LOCK_FILE), FEATURE_GROUP_LOCK_FILE);
    const config = loadConfig({ config: 'acme.json' }, dir);

    // THEN
    expect(file.problems).toBeUndefined();
    expect(file.lock).toEqual(featureGroupLock(config.config.featureGroups, file.lock));
    expect(readFileSync(path.join(dir, FEATURE_GROUP_LOCK_FILE), 'utf8')).toBe(
      renderFeatureGroupLock(file.lock as FeatureGroupLock),
    );
    expect(config.warnings.filter((w) => w.startsWith('featureGroups'))).toEqual([]);
  });
});

describe('npm run feature-groups:lock', () => {
  const run = (dir: string, ...args: string[]) =>
    spawnSync(
      process.execPath,
      [
        path.join(REPO_ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'),
        path.join(REPO_ROOT, 'tools', 'feature-groups-lock', 'cli.ts'),
        '--config',
        path.join(dir, 'acme.json'),
        ...args,
      ],
      { cwd: REPO_ROOT, encoding: 'utf8' },
    );

  test('GIVEN a fresh fork WHEN run THEN it writes the lock; GIVEN then a removed feature THEN it refuses and keeps the lock', () => {
    // GIVEN
    const dir = tempFolder('feature-groups-lock-');
    writeFileSync(path.join(dir, 'acme.json'), JSON.stringify(configWith([churn()])));

    // WHEN
    const created = run(dir);

    // THEN
    expect(created.status).toBe(0);
    const lockFile = path.join(dir, FEATURE_GROUP_LOCK_FILE);
    const written = readFileSync(lockFile, 'utf8');
    expect(written).toBe(renderFeatureGroupLock(featureGroupLock(declared(churn()))));

    // GIVEN
    const group = churn();
    group.features.splice(3, 1);
    writeFileSync(path.join(dir, 'acme.json'), JSON.stringify(configWith([group])));

    // WHEN
    const refused = run(dir);

    // THEN
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain('featureGroups[0].features: "monthly_charges" (fractional) is no longer declared');
    // the hint names the config the command was run with, so it can be pasted as it is
    expect(refused.stderr).toContain(
      `(npm run feature-groups:lock -- --config ${path.join(dir, 'acme.json')} --drop churn-customers)`,
    );
    expect(readFileSync(lockFile, 'utf8')).toBe(written);
  }, 30_000);
});

describe('the lock command a hint shows', () => {
  test('GIVEN the default config WHEN a hint names the command THEN it has no --config', () => {
    expect(lockCommand()).toBe('npm run feature-groups:lock');
    expect(lockCommand(DEFAULT_CONFIG_PATH)).toBe('npm run feature-groups:lock');
    expect(lockCommand(`./${DEFAULT_CONFIG_PATH}`, ['--drop', 'churn'])).toBe(
      'npm run feature-groups:lock -- --drop churn',
    );
  });

  test('GIVEN another config WHEN a hint names the command THEN it passes --config before the other flags', () => {
    expect(lockCommand('config/acme.json')).toBe('npm run feature-groups:lock -- --config config/acme.json');
    expect(migrationOf('churn-customers', 'config/acme.json')).toContain(
      '(npm run feature-groups:lock -- --config config/acme.json --drop churn-customers)',
    );
  });

  test('GIVEN no lock beside another config WHEN checked THEN the warning names that config', () => {
    const lockFile: FeatureGroupLockFile = { path: 'config/feature-groups.lock.json', configPath: 'config/acme.json' };
    expect(checkFeatureGroupEvolution(declared(churn()), lockFile).warnings).toEqual([
      'featureGroups: there is no config/feature-groups.lock.json, so nothing guards the create-only parts of the feature groups; run npm run feature-groups:lock -- --config config/acme.json and commit the file',
    ]);
  });
});
