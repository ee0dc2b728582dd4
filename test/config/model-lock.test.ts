import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ConfigError, loadConfig, resolveConfig } from '../../lib/config/loader';
import {
  checkModelLock,
  type ModelLockFile,
  modelLockCommand,
  readModelLock,
  updateModelLock,
} from '../../lib/config/model-lock';
import { parseArgs } from '../../tools/models-lock/cli';
import { planModelLock } from '../../tools/models-lock/lock';
import { threeEnvironmentConfig, upsellModel } from '../support/fixtures';
import { resolveFixture } from '../support/platform';

const LOCK_PATH = 'config/models.lock.json';
const locked = (...models: Array<[string, 'active' | 'retired']>): ModelLockFile => ({
  path: LOCK_PATH,
  lock: { version: 1, models: models.map(([name, lifecycle]) => ({ name, lifecycle })), removed: [] },
});

describe('the models lock (retire before removing)', () => {
  test('GIVEN churn active in the lock WHEN the config no longer declares it THEN the check names the model, the value and the migration', () => {
    // WHEN
    const check = checkModelLock([], locked(['churn', 'active']));
    // THEN
    expect(check.problems).toEqual([
      expect.stringMatching(
        /^models: "churn" is active in config\/models\.lock\.json but no longer declared \(got no models\[\] entry named "churn"\).*restore it with "lifecycle": "retired", deploy every environment.*npm run models:lock -- --remove churn/,
      ),
    ]);
  });

  test('GIVEN churn retired in the lock WHEN it is removed with --remove THEN the lock forgets it and keeps its name taken', () => {
    // WHEN
    const update = updateModelLock([], locked(['churn', 'retired']), ['churn']);
    // THEN
    expect(update.problems).toEqual([]);
    expect(update.lock).toEqual(expect.objectContaining({ models: [], removed: ['churn'] }));
    expect(update.changes).toEqual(['removed model "churn"']);
  });

  test('GIVEN a retired, undeclared model WHEN nothing removes it THEN synth only warns', () => {
    const check = checkModelLock([], locked(['churn', 'retired']));
    expect(check.problems).toEqual([]);
    expect(check.warnings).toEqual([expect.stringContaining('npm run models:lock -- --remove churn')]);
  });

  test('GIVEN an active model WHEN --remove names it THEN the lock command refuses with the migration', () => {
    const update = updateModelLock([], locked(['churn', 'active']), ['churn']);
    expect(update.lock).toBeUndefined();
    expect(update.problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^--remove churn: "churn" is active in config\/models\.lock\.json; to remove it, restore it with "lifecycle": "retired"/,
        ),
      ]),
    );
  });

  test('GIVEN a removed name WHEN a new model reuses it THEN the check refuses it and suggests another name', () => {
    const lockFile: ModelLockFile = { path: LOCK_PATH, lock: { version: 1, models: [], removed: ['churn'] } };
    const check = checkModelLock([{ name: 'churn', lifecycle: 'active' }], lockFile);
    expect(check.problems).toEqual([
      expect.stringMatching(/^models\[0\]\.name: "churn" was removed.*name it "churn-v2" instead$/),
    ]);
  });

  test('GIVEN a new model and a retirement WHEN checked THEN both are warnings asking to record the lock', () => {
    const check = checkModelLock(
      [
        { name: 'churn', lifecycle: 'retired' },
        { name: 'upsell', lifecycle: 'active' },
      ],
      locked(['churn', 'active']),
    );
    expect(check.problems).toEqual([]);
    expect(check.changes).toEqual(['model "churn": active -> retired', 'added model "upsell" (active)']);
  });

  test('GIVEN no lock file WHEN models are declared THEN synth warns to create it', () => {
    const check = checkModelLock([{ name: 'churn', lifecycle: 'active' }], { path: LOCK_PATH });
    expect(check.warnings).toEqual([expect.stringContaining(`run ${modelLockCommand()} and commit the file`)]);
  });

  test('GIVEN the lock WHEN resolveConfig is given a config without the active model THEN synth fails with a ConfigError', () => {
    // GIVEN
    const input = { ...threeEnvironmentConfig(), models: [upsellModel()] };
    // WHEN / THEN
    expect(() =>
      resolveConfig(input, {}, 'fixture', undefined, undefined, locked(['churn', 'active'], ['upsell', 'active'])),
    ).toThrow(ConfigError);
    expect(() => resolveFixture(input)).not.toThrow();
  });

  test('GIVEN a config file and its lock WHEN a model is removed without retiring THEN loading the config fails, as cdk synth does', () => {
    // GIVEN
    const dir = mkdtempSync(path.join(tmpdir(), 'models-lock-'));
    writeFileSync(path.join(dir, 'platform.json'), JSON.stringify({ ...threeEnvironmentConfig(), models: [] }));
    writeFileSync(path.join(dir, 'models.lock.json'), JSON.stringify(locked(['churn', 'active']).lock));
    // WHEN / THEN
    expect(() => loadConfig({ config: 'platform.json' }, dir)).toThrow(
      /models: "churn" is active in models\.lock\.json but no longer declared/,
    );
  });

  test('GIVEN a broken lock file WHEN read THEN its problems name the file and the fix', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'models-lock-'));
    writeFileSync(path.join(dir, 'models.lock.json'), '{"version": 2}');
    const read = readModelLock(path.join(dir, 'models.lock.json'), LOCK_PATH);
    expect(read.problems?.[0]).toMatch(/^config\/models\.lock\.json version: .*rerun npm run models:lock$/);
  });

  test('GIVEN a config file WHEN the lock command plans THEN it records every model; --remove of an unknown model is refused', () => {
    // GIVEN
    const dir = mkdtempSync(path.join(tmpdir(), 'models-lock-'));
    const config = path.join(dir, 'platform.json');
    writeFileSync(config, JSON.stringify({ ...threeEnvironmentConfig(), models: [upsellModel()] }));
    writeFileSync(path.join(dir, 'models.lock.json'), JSON.stringify(locked(['upsell', 'active']).lock));
    // WHEN
    const plan = planModelLock({ config, removed: [] });
    const refused = planModelLock({ config, removed: ['nope'] });
    // THEN
    expect(plan).toEqual(expect.objectContaining({ kind: 'write', changes: [] }));
    expect(refused).toEqual(
      expect.objectContaining({ kind: 'refused', problems: [expect.stringContaining('--remove nope')] }),
    );
    expect(parseArgs(['--remove'])).toBe('--remove needs a value');
    expect(parseArgs(['--remove', 'churn'])).toEqual({ config: 'config/platform.json', removed: ['churn'] });
  });
});
