import { RemovalPolicy } from 'aws-cdk-lib';
import type { PlatformConfigInput } from '../../lib/config/schema';
import { retrainingLoopOf } from '../../lib/stacks/model/drift';
import { DRIFT_METRICS } from '../../lib/vocabulary';
import { churnModel, threeEnvironmentConfig } from '../support/fixtures';
import { resolveFixture } from '../support/platform';

// The loop of a model from its config, per engine, without a synthesis.

function loopOf(change: (model: ReturnType<typeof churnModel>) => object = () => ({}), environment = 'test') {
  const input: PlatformConfigInput = {
    ...threeEnvironmentConfig(),
    models: [{ ...churnModel(), ...change(churnModel()) } as never],
  };
  const config = resolveFixture(input, { maturity: 5 });
  const envConfig = config.environments.find((e) => e.name === environment);
  if (!envConfig) throw new Error(`no environment ${environment}`);
  const model = envConfig.models[0];
  if (!model) throw new Error('no model');
  return retrainingLoopOf({ project: 'mlops', envConfig, model, removalPolicy: RemovalPolicy.RETAIN }, true);
}

describe('retrainingLoopOf', () => {
  test('GIVEN engine platform THEN the loop counts DataDrift and QualityViolation of the contract with the samples, one window per job run', () => {
    const loop = loopOf();
    expect(loop?.alarmNames).toEqual(['mlops-test-churn-data-drift', 'mlops-test-churn-quality-violation']);
    expect(loop?.policy).toEqual({
      violatingWindows: 2,
      windows: 5,
      windowMinutes: 1440,
      minSamples: 100,
      cooldownMinutes: 360,
      maxRunsPerMonth: 4,
      maxTrainingInstanceHoursPerMonth: 24,
    });
    expect(loop?.evidence.violations.map((q) => [q.reason, q.namespace, q.metricName])).toEqual([
      ['drift', DRIFT_METRICS.namespace, DRIFT_METRICS.names.dataDrift],
      ['quality', DRIFT_METRICS.namespace, DRIFT_METRICS.names.qualityViolation],
    ]);
    expect(loop?.evidence.samples?.metricName).toBe(DRIFT_METRICS.names.samples);
    expect(loop?.evidence.violations[0]?.dimensions).toEqual({ Environment: 'test', Model: 'churn' });
  });

  test("GIVEN engine modelMonitor THEN the loop follows Model Monitor's alarms and maps its metrics onto violations, without samples", () => {
    const loop = loopOf((churn) => ({
      monitoring: { ...churn.monitoring, engine: 'modelMonitor' },
      alarms: { featureDrift: 0.3 },
    }));
    expect(loop?.alarmNames).toEqual(['mlops-test-churn-feature-drift*', 'mlops-test-churn-model-quality']);
    expect(loop?.evidence.samples).toBeUndefined();
    const drift = loop?.evidence.violations.filter((q) => q.reason === 'drift') ?? [];
    expect(drift.length).toBeGreaterThan(0);
    expect(drift[0]).toMatchObject({
      namespace: '/aws/sagemaker/Endpoints/data-metrics',
      metricName: expect.stringMatching(/^feature_baseline_drift_/),
      threshold: 0.3,
      dimensions: { Endpoint: 'mlops-test-churn', MonitoringSchedule: 'mlops-test-churn-data-quality' },
    });
    expect(loop?.evidence.violations.find((q) => q.reason === 'quality')).toMatchObject({
      metricName: 'auc',
      comparison: 'LessThanThreshold',
      threshold: 0.75,
    });
    expect(loop?.policy.windowMinutes).toBe(60);
  });

  test('GIVEN the loop switched off THEN there is none', () => {
    expect(loopOf(() => ({ retraining: { onDrift: { enabled: false } } }))).toBeUndefined();
  });
});
