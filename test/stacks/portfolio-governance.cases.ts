import { ConfigError } from '../../lib/config/loader';
import type { PlatformConfigInput } from '../../lib/config/schema';
import { churnModel, threeEnvironmentConfig, upsellModel } from '../support/fixtures';
import { modelPart, resolveFixture, resourcesOfType, synthPlatform } from '../support/platform';

// Stage 5, issue 15: retirement, cost per model and model cards, in one synthesis of dev.

/** Dev at stage 5: churn retired, upsell active with a budget, and a second upsell with no endpoint in dev. */
function portfolioConfig(): PlatformConfigInput {
  const base = threeEnvironmentConfig();
  return {
    ...base,
    maturity: 5,
    environments: base.environments.map((env) =>
      env.name === 'dev' ? { ...env, notifications: { emails: ['ml-team@example.com'] } } : env,
    ),
    models: [
      { ...churnModel(), lifecycle: 'retired' },
      { ...upsellModel(), budget: { monthlyUsd: 250 } },
      {
        ...upsellModel(),
        name: 'upsell-lite',
        training: { package: 'upsell' },
        environments: { dev: { serverless: false, endpoint: false } },
      },
    ],
  };
}

let cached: ReturnType<typeof synthPlatform> | undefined;
const platform = () => {
  cached ??= synthPlatform({ config: portfolioConfig(), environments: 'dev' });
  return cached;
};
const types = (stack: string) => new Set(Object.values(platform().templateJson(stack).Resources).map((r) => r.Type));

describe('GIVEN a retired model at stage 5', () => {
  test('THEN its stack has no serving, batch schedule, retraining triggers or monitoring (the training pipeline and its failure rule stay)', () => {
    const template = platform().templateJson('Dev/Model-churn');
    for (const part of ['Serving', 'Batch', 'Retraining', 'Monitoring']) {
      expect({ part, ids: Object.keys(modelPart(template, part).Resources) }).toEqual({ part, ids: [] });
    }
    const left = types('Dev/Model-churn');
    for (const type of [
      'AWS::SageMaker::Endpoint',
      'AWS::SageMaker::MonitoringSchedule',
      'AWS::Scheduler::Schedule',
      'AWS::CloudWatch::Dashboard',
    ]) {
      expect({ type, present: left.has(type) }).toEqual({ type, present: false });
    }
  });

  test('THEN its registry stays: the model package group and the approved-version parameter, and the training pipeline', () => {
    const registry = platform().templateJson('Dev/Registry');
    const groups = Object.values(resourcesOfType(registry, 'AWS::SageMaker::ModelPackageGroup'));
    expect(groups.map((g) => g.Properties?.ModelPackageGroupName)).toEqual(
      expect.arrayContaining(['mlops-dev-churn', 'mlops-dev-upsell']),
    );
    const parameters = Object.values(resourcesOfType(registry, 'AWS::SSM::Parameter')).map((p) => p.Properties?.Name);
    expect(parameters.some((name) => JSON.stringify(name).includes('churn'))).toBe(true);
    expect(types('Dev/Model-churn').has('AWS::SageMaker::Pipeline')).toBe(true);
    expect(platform().templateJson('Dev/Model-churn').Description).toBe(
      'mlops dev: model churn (retired): model-building pipeline',
    );
  });

  test('THEN the active models keep their endpoint, except where endpoint is false', () => {
    expect(types('Dev/Model-upsell').has('AWS::SageMaker::Endpoint')).toBe(true);
    expect(types('Dev/Model-upsell-lite').has('AWS::SageMaker::Endpoint')).toBe(false);
    expect(types('Dev/Model-upsell-lite').has('AWS::SageMaker::Pipeline')).toBe(true);
  });
});

describe('GIVEN cost per model at stage 5', () => {
  test('THEN every taggable resource of a model stack carries model=<name>, except the create-only-tag types', () => {
    for (const model of ['churn', 'upsell', 'upsell-lite']) {
      for (const [id, resource] of Object.entries(platform().templateJson(`Dev/Model-${model}`).Resources)) {
        const tags = resource.Properties?.Tags;
        if (!Array.isArray(tags) || resource.Type.endsWith('JobDefinition')) continue;
        expect({ id, tags }).toEqual({ id, tags: expect.arrayContaining([{ Key: 'model', Value: model }]) });
      }
    }
  });

  test('THEN a model with a budget gets a monthly AWS Budgets budget on its tag, alerting the environment emails', () => {
    const budgets = Object.values(resourcesOfType(platform().templateJson('Dev/Model-upsell'), 'AWS::Budgets::Budget'));
    expect(budgets).toHaveLength(1);
    expect(budgets[0]?.Properties).toEqual({
      ResourceTags: expect.arrayContaining([{ Key: 'model', Value: 'upsell' }]),
      Budget: {
        BudgetName: 'mlops-dev-upsell',
        BudgetType: 'COST',
        TimeUnit: 'MONTHLY',
        BudgetLimit: { Amount: 250, Unit: 'USD' },
        CostFilters: { TagKeyValue: ['user:model$upsell'] },
      },
      NotificationsWithSubscribers: [
        {
          Notification: {
            NotificationType: 'ACTUAL',
            ComparisonOperator: 'GREATER_THAN',
            Threshold: 80,
            ThresholdType: 'PERCENTAGE',
          },
          Subscribers: [{ SubscriptionType: 'EMAIL', Address: 'ml-team@example.com' }],
        },
        {
          Notification: {
            NotificationType: 'FORECASTED',
            ComparisonOperator: 'GREATER_THAN',
            Threshold: 100,
            ThresholdType: 'PERCENTAGE',
          },
          Subscribers: [{ SubscriptionType: 'EMAIL', Address: 'ml-team@example.com' }],
        },
      ],
    });
    expect(types('Dev/Model-churn').has('AWS::Budgets::Budget')).toBe(false);
  });

  test('THEN the model stacks stay free of compliance findings', () => {
    expect(platform().violations.filter((v) => v.includes('Model-'))).toEqual([]);
  });
});

describe('GIVEN model cards at stage 5', () => {
  test("THEN each registered version's card names the owner from config", () => {
    const pipeline = Object.values(
      resourcesOfType(platform().templateJson('Dev/Model-upsell'), 'AWS::SageMaker::Pipeline'),
    )[0];
    expect(JSON.stringify(pipeline?.Properties?.PipelineDefinition)).toContain(
      'model_creator\\\\\\":\\\\\\"growth-team@example.com',
    );
  });

  test('WHEN a model has no owner THEN synth fails from stage 5, naming the field, the value and the fix', () => {
    // GIVEN
    const input = { ...threeEnvironmentConfig(), models: [{ ...churnModel(), card: undefined }] };
    // WHEN / THEN
    expect(() => resolveFixture(input, { maturity: 4 })).not.toThrow();
    expect(() => resolveFixture(input, { maturity: 5 })).toThrow(ConfigError);
    try {
      resolveFixture(input, { maturity: 5 });
    } catch (error) {
      expect((error as ConfigError).problems).toEqual([
        'models[0].card.owner: "churn" has no owner (got no card), and the model portfolio (stage 5, in dev, test, prod) needs one for every model; add "card": { "owner": "<team or person, e.g. ml-team@example.com>" }',
      ]);
    }
  });

  test('WHEN prod is given endpoint false THEN the config is refused with the retirement as the fix', () => {
    const input = {
      ...threeEnvironmentConfig(),
      models: [{ ...churnModel(), environments: { prod: { endpoint: false } } }],
    };
    expect(() => resolveFixture(input)).toThrow(
      /models\[0\]\.environments\.prod\.endpoint: prod serves every active model/,
    );
  });
});
