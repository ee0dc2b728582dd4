import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ConfigError, resolveConfig } from '../../../lib/config/loader';
import {
  FEATURE_GROUP_LOCK_FILE,
  featureGroupLock,
  renderFeatureGroupLock,
} from '../../../lib/feature-store/schema-guard';
import { DEFAULT_CONFIG_PATH } from '../../../lib/vocabulary';
import { parseArgs, USAGE } from '../../../tools/feature-groups-lock/cli';
import { planFeatureGroupLock } from '../../../tools/feature-groups-lock/lock';
import { writeLock } from '../../../tools/shared/lock-command';

const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');

// The command itself is spawned in test/feature-store/schema-guard.test.ts ("npm run feature-groups:lock").

const group = (features: string[]) => ({
  name: 'churn-customers',
  recordIdentifier: 'customer_id',
  eventTime: 'event_time',
  features: [
    { name: 'customer_id', type: 'string' },
    { name: 'event_time', type: 'string' },
    ...features.map((name) => ({ name, type: 'integral' })),
  ],
});

const config = (groups: ReturnType<typeof group>[]) => ({
  project: 'acme',
  environments: [{ name: 'dev', account: '111111111111', region: 'eu-west-1' }],
  featureGroups: groups,
});

const folders: string[] = [];
afterAll(() => {
  for (const dir of folders) rmSync(dir, { recursive: true, force: true });
});

/** A temporary folder holding `acme.json` with `content`; returns the config's path. */
function configFile(content: unknown): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'feature-groups-lock-job-'));
  folders.push(dir);
  const file = path.join(dir, 'acme.json');
  writeFileSync(file, JSON.stringify(content));
  return file;
}

describe('the command line', () => {
  test('defaults to the default config path and no drops', () => {
    expect(parseArgs([])).toEqual({ config: DEFAULT_CONFIG_PATH, removed: [] });
  });

  test('takes --config and any number of --drop', () => {
    expect(parseArgs(['--config', 'conf/acme.json', '--drop', 'a', '--drop', 'b'])).toEqual({
      config: 'conf/acme.json',
      removed: ['a', 'b'],
    });
  });

  test.each([
    [['--config'], '--config needs a value'],
    [['--drop', '--config', 'x'], '--drop needs a value'],
    [['--force'], 'unknown argument "--force"'],
  ])('%j is a usage error: %s', (argv, problem) => {
    expect(parseArgs(argv)).toBe(problem);
    expect(USAGE).toMatch(/^usage: npm run feature-groups:lock /);
  });
});

describe('the lock job', () => {
  test('GIVEN no lock WHEN planned and written THEN the lock beside the config records the groups', () => {
    // GIVEN
    const file = configFile(config([group(['tenure_months'])]));

    // WHEN
    const plan = planFeatureGroupLock({ config: file, removed: [] });
    if (plan.kind !== 'write') throw new Error(`expected a lock to write, got ${JSON.stringify(plan)}`);
    writeLock(plan);

    // THEN
    const lockFile = path.join(path.dirname(file), FEATURE_GROUP_LOCK_FILE);
    expect(plan.file).toBe(lockFile);
    expect(plan.shownPath).toBe(lockFile);
    expect(readFileSync(lockFile, 'utf8')).toBe(plan.content);
    const groups = resolveConfig(config([group(['tenure_months'])])).config.featureGroups;
    expect(plan.content).toBe(renderFeatureGroupLock(featureGroupLock(groups)));
    expect(plan.changes).not.toEqual([]);
  });

  test('GIVEN a lock WHEN a feature is removed THEN the plan is refused and nothing is written', () => {
    // GIVEN
    const file = configFile(config([group(['tenure_months', 'monthly_charges'])]));
    const first = planFeatureGroupLock({ config: file, removed: [] });
    if (first.kind !== 'write') throw new Error('expected a lock to write');
    writeLock(first);
    writeFileSync(file, JSON.stringify(config([group(['tenure_months'])])));

    // WHEN
    const plan = planFeatureGroupLock({ config: file, removed: [] });

    // THEN
    expect(plan.kind).toBe('refused');
    expect(plan.kind === 'refused' && plan.problems.join('\n')).toContain('"monthly_charges"');
    expect(readFileSync(first.file, 'utf8')).toBe(first.content);
  });

  test('GIVEN a lock WHEN the group is dropped on purpose THEN the plan records the drop', () => {
    // GIVEN
    const file = configFile(config([group(['tenure_months'])]));
    const first = planFeatureGroupLock({ config: file, removed: [] });
    if (first.kind !== 'write') throw new Error('expected a lock to write');
    writeLock(first);
    writeFileSync(file, JSON.stringify(config([])));

    // WHEN
    const plan = planFeatureGroupLock({ config: file, removed: ['churn-customers'] });

    // THEN
    expect(plan.kind).toBe('write');
    expect(plan.kind === 'write' && plan.changes.join('\n')).toContain('churn-customers');
  });

  test('GIVEN an invalid config WHEN planned THEN it throws the config error', () => {
    const file = configFile({ project: 'acme', environments: [] });
    expect(() => planFeatureGroupLock({ config: file, removed: [] })).toThrow(ConfigError);
  });
});

describe('the layers', () => {
  test('GIVEN the lock command THEN it imports from lib/ only the schema guard, from tools/ only the shared lock command, and no CDK', () => {
    // GIVEN
    const tool = path.join(REPO_ROOT, 'tools', 'feature-groups-lock');
    const allowed = ['../../lib/feature-store/schema-guard', '../shared/lock-command'];

    // WHEN
    const offending = readdirSync(tool)
      .filter((name) => name.endsWith('.ts'))
      .flatMap((name) =>
        [...readFileSync(path.join(tool, name), 'utf8').matchAll(/^(?:import|export)\b[^;]*?\bfrom\s+'([^']+)';/gms)]
          .map((match) => match[1] as string)
          .filter(
            (spec) => (spec.startsWith('../') && !allowed.includes(spec)) || /^(aws-cdk-lib|constructs)\b/.test(spec),
          )
          .map((spec) => `${name}: ${spec}`),
      );

    // THEN
    expect(offending).toEqual([]);
  });
});
