import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import {
  MODEL_LOCK_FILE,
  modelLock,
  modelLockCommand,
  readModelLock,
  renderModelLock,
} from '../../lib/config/model-lock';
import {
  featureGroupLock,
  lockCommand,
  readFeatureGroupLock,
  renderFeatureGroupLock,
} from '../../lib/feature-store/schema-guard';
import { REPO_ROOT, type SynthesizedPlatform } from '../support/platform';
import { statefulLogicalIds } from '../support/stateful';
import { expectForkSnapshot, forkConfigPath, forkLockPath, normalizeTemplate, synthFork } from './fork-platform';

/*
 * The fork's own snapshot suite: what config/platform.json synthesizes, pinned per stack. A fork that edits its
 * config sees here exactly what changed, accepts it with `npm run test:update` and commits the snapshots; the
 * delivery pipeline then runs `npm test` on that very config. The platform's own tests never read the file.
 */

let fork: SynthesizedPlatform | undefined;
let loadError: Error | undefined;
try {
  // GIVEN config/platform.json WHEN synthesized as `cdk synth` does with no -c flags (once for the whole file)
  fork = synthFork();
} catch (error) {
  loadError = error as Error;
}

/** The synthesized fork; the first test reports why there is none. */
function synthesized(): SynthesizedPlatform {
  if (!fork) throw new Error(`config/platform.json does not synthesize: ${loadError?.message}`);
  return fork;
}

test('GIVEN config/platform.json WHEN loaded as cdk synth loads it THEN it is a valid config', () => {
  // THEN
  if (loadError) {
    throw new Error(
      `config/platform.json does not synthesize, so its snapshots cannot be compared:\n${loadError.message}`,
    );
  }
  expect(fork?.stackPaths.length).toBeGreaterThan(0);
});

test('GIVEN config/platform.json THEN it synthesizes the same stacks as when the snapshots were taken', () => {
  // THEN
  expectForkSnapshot(synthesized().stackPaths, 'the stacks', 'which stacks are synthesized');
});

test("GIVEN config/platform.json THEN the fork's config has no unacknowledged cdk-nag finding", () => {
  // THEN
  const { violations } = synthesized();
  if (violations.length > 0) {
    throw new Error(
      `the fork's config (config/platform.json) has ${violations.length} unacknowledged cdk-nag finding(s); fix each or acknowledge it on its resource with a reason (lib/compliance/acknowledge.ts):\n${violations.map((v) => `  - ${v}`).join('\n')}`,
    );
  }
  expect(violations).toEqual([]);
});

test('GIVEN config/platform.json THEN config/feature-groups.lock.json records its feature groups as the lock command writes them', () => {
  // GIVEN
  const lockPath = forkLockPath();
  const { config } = synthesized();

  // WHEN
  const file = readFeatureGroupLock(path.join(REPO_ROOT, lockPath), lockPath);
  const committed = existsSync(path.join(REPO_ROOT, lockPath))
    ? readFileSync(path.join(REPO_ROOT, lockPath), 'utf8')
    : '(no file)';
  const expected = renderFeatureGroupLock(featureGroupLock(config.config.featureGroups, file.lock));
  const warnings = config.warnings.filter((w) => w.startsWith('featureGroups'));

  // THEN
  const problems = [...(file.problems ?? []), ...warnings];
  if (committed !== expected || problems.length > 0) {
    const command = lockCommand(forkConfigPath());
    throw new Error(
      `${lockPath} does not match the feature groups of ${forkConfigPath()}: run ${command} and commit ${lockPath} with the config${problems.map((p) => `\n  - ${p}`).join('')}`,
    );
  }
  expect(committed).toBe(expected);
});

test('GIVEN config/platform.json THEN config/models.lock.json records its models as the lock command writes them', () => {
  // GIVEN
  const lockPath = path.join(path.dirname(forkConfigPath()), MODEL_LOCK_FILE);
  const { config } = synthesized();

  // WHEN
  const file = readModelLock(path.join(REPO_ROOT, lockPath), lockPath);
  const committed = existsSync(path.join(REPO_ROOT, lockPath))
    ? readFileSync(path.join(REPO_ROOT, lockPath), 'utf8')
    : '(no file)';
  const expected = renderModelLock(modelLock(config.config.models, file.lock));

  // THEN
  if (committed !== expected || (file.problems ?? []).length > 0) {
    throw new Error(
      `${lockPath} does not match the models of ${forkConfigPath()}: run ${modelLockCommand(forkConfigPath())} and commit ${lockPath} with the config${(file.problems ?? []).map((p) => `\n  - ${p}`).join('')}`,
    );
  }
  expect(committed).toBe(expected);
});

test('GIVEN config/platform.json THEN the stateful resources keep their logical ids (a changed id replaces the resource and its data)', () => {
  // WHEN
  const ids = statefulLogicalIds(synthesized().app);

  // THEN
  expectForkSnapshot(
    ids,
    'stateful logical ids',
    'the logical ids of stateful resources (a changed one replaces the resource and its data: write a migration note)',
  );
});

// one test per stack, so that a failure names the stack
const stacks = fork?.stackPaths ?? [];
if (stacks.length > 0) {
  test.each(stacks)('GIVEN config/platform.json THEN %s matches its snapshot', (stackPath) => {
    // WHEN
    const template = normalizeTemplate(synthesized().templateJson(stackPath));

    // THEN
    expectForkSnapshot(template, stackPath, `what ${stackPath} synthesizes`);
  });
}
