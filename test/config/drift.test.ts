import { DRIFT_DEFAULTS, resolveDrift } from '../../lib/config/drift';
import { resolveConfig } from '../../lib/config/loader';
import type { PlatformConfigInput } from '../../lib/config/schema';
import { problemsOf } from '../support/config';
import { threeEnvironmentConfig } from '../support/fixtures';
import { REPO_ROOT } from '../support/platform';

/** The fixture config with churn's monitoring and retraining changed. */
function withChurn(change: (model: NonNullable<PlatformConfigInput['models']>[number]) => object): PlatformConfigInput {
  const config = threeEnvironmentConfig();
  const [churn, ...rest] = config.models ?? [];
  return { ...config, models: [{ ...churn, ...change(churn as never) } as never, ...rest] };
}

const resolve = (input: PlatformConfigInput) => resolveConfig(input, {}, 'config', REPO_ROOT);

describe('models[].monitoring.engine, monitoring.drift and retraining.onDrift (stage 5)', () => {
  test('GIVEN a stage 4 config WHEN resolved THEN the platform engine and the documented defaults apply', () => {
    const { models } = resolve(threeEnvironmentConfig()).config;
    const drift = resolveDrift(models[0] as never);
    expect(drift.engine).toBe('platform');
    expect(drift.job).toEqual({
      windowHours: 24,
      minSamples: 100,
      psiThreshold: 0.2,
      missingTolerance: 0.05,
      instanceType: 'ml.m5.large',
    });
    // the loop's cooldown follows the new-data cooldown unless set
    expect(drift.loop).toEqual({
      enabled: true,
      violatingWindows: 2,
      windows: 5,
      cooldownMinutes: 360,
      maxRunsPerMonth: DRIFT_DEFAULTS.maxRunsPerMonth,
      maxTrainingInstanceHoursPerMonth: DRIFT_DEFAULTS.maxTrainingInstanceHoursPerMonth,
    });
  });

  test('GIVEN every setting WHEN resolved THEN they are kept', () => {
    const input = withChurn((churn) => ({
      monitoring: {
        ...(churn as { monitoring?: object }).monitoring,
        engine: 'modelMonitor',
        drift: { windowHours: 6, minSamples: 500 },
      },
      retraining: {
        onDrift: {
          violatingWindows: 3,
          windows: 4,
          maxRunsPerMonth: 2,
          maxTrainingInstanceHoursPerMonth: 10,
          cooldownMinutes: 720,
        },
      },
    }));
    const drift = resolveDrift(resolve(input).config.models[0] as never);
    expect(drift).toMatchObject({
      engine: 'modelMonitor',
      job: { windowHours: 6, minSamples: 500 },
      loop: {
        violatingWindows: 3,
        windows: 4,
        maxRunsPerMonth: 2,
        maxTrainingInstanceHoursPerMonth: 10,
        cooldownMinutes: 720,
      },
    });
  });

  test('GIVEN more violating windows than windows THEN the problem names the field, the values and the fix', () => {
    const input = withChurn(() => ({ retraining: { onDrift: { violatingWindows: 6 } } }));
    expect(problemsOf(() => resolve(input))).toContain(
      'models[0].retraining.onDrift.violatingWindows: 6 violating windows cannot be found among the last 5; set violatingWindows at most windows (5) or raise windows',
    );
  });

  test('GIVEN an unknown engine or a window over a day THEN each is refused with its path and value', () => {
    const input = withChurn((churn) => ({
      monitoring: { ...(churn as { monitoring?: object }).monitoring, engine: 'evidently', drift: { windowHours: 48 } },
    }));
    const problems = problemsOf(() => resolve(input)).join('\n');
    expect(problems).toContain('models[0].monitoring.engine');
    expect(problems).toContain('expected "platform" or "modelMonitor", got "evidently"');
    expect(problems).toContain('models[0].monitoring.drift.windowHours');
  });
});

test('GIVEN engine modelMonitor with Model Monitor off THEN the problem says which to change', () => {
  const input = withChurn((churn) => ({
    monitoring: { ...(churn as { monitoring?: object }).monitoring, engine: 'modelMonitor', modelMonitor: false },
  }));
  expect(problemsOf(() => resolve(input)).join('\n')).toContain(
    'models[0].monitoring.engine: "modelMonitor" needs Model Monitor, but models[0].monitoring.modelMonitor is false',
  );
});
