import { resolveConfig } from '../../lib/config/loader';
import type { PlatformConfigInput } from '../../lib/config/schema';
import { problemsOf } from '../support/config';
import { churnModel, threeEnvironmentConfig } from '../support/fixtures';
import { REPO_ROOT } from '../support/platform';

type Promotion = NonNullable<NonNullable<PlatformConfigInput['models']>[number]['promotion']>;

function withPromotion(promotion: Promotion | undefined, model = churnModel()): PlatformConfigInput {
  return { ...threeEnvironmentConfig(), models: [{ ...model, promotion }] };
}

const resolve = (input: PlatformConfigInput, maturity = 5) => resolveConfig(input, { maturity }, 'config', REPO_ROOT);

const promotionIn = (input: PlatformConfigInput, environment: string) =>
  resolve(input).environments.find((e) => e.name === environment)?.models[0]?.promotion;

describe('models[].promotion', () => {
  test('GIVEN no promotion block WHEN resolved THEN prod waits for a ModelApprover and dev and test are automatic', () => {
    // GIVEN
    const input = withPromotion(undefined);

    // WHEN
    const [dev, test, prod] = ['dev', 'test', 'prod'].map((env) => promotionIn(input, env));

    // THEN
    expect(dev).toEqual({
      metric: 'auc',
      minAbsoluteImprovement: 0,
      minRelativeImprovement: 0,
      minSamples: 100,
      mode: 'enabled',
      manualApproval: false,
      shadow: undefined,
    });
    expect(test?.manualApproval).toBe(false);
    expect(prod?.manualApproval).toBe(true);
  });

  test('GIVEN manualApprovalIn and margins WHEN resolved THEN only the listed environments wait', () => {
    // GIVEN
    const input = withPromotion({
      metric: 'f1',
      minAbsoluteImprovement: 0.01,
      mode: 'dryRun',
      manualApprovalIn: ['test'],
    });

    // WHEN
    const test = promotionIn(input, 'test');
    const prod = promotionIn(input, 'prod');

    // THEN
    expect(test).toMatchObject({ metric: 'f1', minAbsoluteImprovement: 0.01, mode: 'dryRun', manualApproval: true });
    expect(prod?.manualApproval).toBe(false);
  });

  test.each([
    [
      'an unknown environment in manualApprovalIn',
      { manualApprovalIn: ['staging'] },
      'models[0].promotion.manualApprovalIn[0]: unknown environment "staging"; expected one of dev, test, prod',
    ],
    ['an unknown mode', { mode: 'sometimes' }, 'models[0].promotion.mode'],
    ['a negative margin', { minAbsoluteImprovement: -0.1 }, 'models[0].promotion.minAbsoluteImprovement'],
    ['zero samples', { minSamples: 0 }, 'models[0].promotion.minSamples'],
  ])('GIVEN %s WHEN loaded THEN the problem names the field', (_what, promotion, expected) => {
    // WHEN
    const problems = problemsOf(() => resolve(withPromotion(promotion as Promotion)));

    // THEN
    expect(problems.some((p) => p.startsWith(expected))).toBe(true);
  });

  test('GIVEN a shadow phase where the environments train WHEN loaded THEN it is refused: versions have two containers', () => {
    // WHEN
    const problems = problemsOf(() => resolve(withPromotion({ shadow: { percent: 10, hours: 24 } })));

    // THEN
    expect(problems).toContain(
      'models[0].promotion.shadow: dev, test, prod train the model (stage 3 on), so each version is an inference pipeline of two containers, which a shadow variant cannot host (ADR 0024); remove shadow',
    );
  });

  test('GIVEN a shadow phase on a model that is serverless in dev WHEN loaded at stage 2 THEN serverless is named', () => {
    // GIVEN
    const model = { ...churnModel(), environments: {} };

    // WHEN
    const problems = problemsOf(() => resolve(withPromotion({ shadow: { percent: 10, hours: 24 } }, model), 2));

    // THEN
    expect(problems).toEqual([
      'models[0].promotion.shadow: SageMaker runs no shadow variant on a serverless endpoint, and churn is serverless in dev; remove shadow or serve from instances there (models[0].environments.<env>.serverless: false)',
    ]);
  });

  test('GIVEN a shadow phase on a batch-only model WHEN loaded THEN it is refused', () => {
    // GIVEN
    const model = { ...churnModel(), serving: 'batch' as const };

    // WHEN
    const problems = problemsOf(() => resolve(withPromotion({ shadow: { percent: 10, hours: 24 } }, model), 2));

    // THEN
    expect(problems).toEqual([
      'models[0].promotion.shadow: a batch-only model has no endpoint to shadow; remove shadow',
    ]);
  });
});
