// the function's own settings from its environment variables, not the platform config
import { loadConfig as loadTriggerConfig } from '../../../lambda/retraining-trigger/config';

const ENVIRONMENT = {
  PIPELINE_NAME: 'mlops-dev-churn-training',
  MODEL_NAME: 'churn',
  STATE_TABLE_NAME: 'trigger-state',
  INPUT_BUCKET: 'mlops-dev-raw',
  INPUT_PREFIX: 'training-data/churn/',
  MIN_NEW_OBJECTS: '10',
  MIN_NEW_BYTES: '1000000',
  COOLDOWN_MINUTES: '60',
  MAX_RUNS_PER_DAY: '2',
  ALLOWED_WINDOW: '22:00-02:00',
};

describe('loadConfig of the retraining trigger', () => {
  test('GIVEN the environment the construct sets THEN it is the trigger configuration', () => {
    expect(loadTriggerConfig(ENVIRONMENT)).toEqual({
      pipelineName: 'mlops-dev-churn-training',
      modelName: 'churn',
      stateTableName: 'trigger-state',
      inputBucket: 'mlops-dev-raw',
      inputPrefix: 'training-data/churn/',
      policy: {
        minNewObjects: 10,
        minNewBytes: 1_000_000,
        cooldownMinutes: 60,
        maxRunsPerDay: 2,
        allowedWindow: { startMinute: 1320, endMinute: 120 },
      },
      metricsNamespace: 'MLOps/RetrainingTriggers',
      serviceName: 'retraining-trigger',
    });
  });

  test('GIVEN no window THEN runs may start at any time', () => {
    expect(loadTriggerConfig({ ...ENVIRONMENT, ALLOWED_WINDOW: undefined }).policy.allowedWindow).toBeUndefined();
    expect(loadTriggerConfig({ ...ENVIRONMENT, ALLOWED_WINDOW: '' }).policy.allowedWindow).toBeUndefined();
  });

  test('GIVEN several bad variables THEN it throws once, listing every problem by variable', () => {
    const load = () =>
      loadTriggerConfig({
        ...ENVIRONMENT,
        PIPELINE_NAME: undefined,
        INPUT_PREFIX: 'training-data/churn',
        MIN_NEW_OBJECTS: '0',
        MIN_NEW_BYTES: 'lots',
        COOLDOWN_MINUTES: '',
        ALLOWED_WINDOW: '2-6',
      });

    expect(load).toThrow(
      [
        'the retraining trigger is misconfigured:',
        "- INPUT_PREFIX must end with '/', got 'training-data/churn'",
        "- ALLOWED_WINDOW: allowed window must look like 'HH:MM-HH:MM' (UTC), got '2-6'",
        "- MIN_NEW_BYTES must be a whole number, got 'lots'",
        '- COOLDOWN_MINUTES is not set',
        '- PIPELINE_NAME is not set',
        '- MIN_NEW_OBJECTS must be a whole number of at least 1, got 0',
      ].join('\n'),
    );
  });
});
