import { modelBuildingPipeline, type PipelinePromotion } from '../../lib/pipeline/model-building-pipeline';
import { FIXTURE, MODEL_BUILDING_PIPELINE_PROPS } from '../pipeline-definition/sample-pipeline';

// Issue 13: where the model has ground truth, the gate step also reads the latest labelled window of captured
// traffic (ml/mlops_shared/promotion.py `window_from_environment`).

const PROMOTION: PipelinePromotion = {
  roleArn: FIXTURE.roleArn,
  project: 'mlops',
  environment: 'dev',
  championParameterName: '/mlops/dev/models/churn/approved-model-package-arn',
  jobNamePrefix: 'mlops-dev-churn-champion',
  metric: 'auc',
  minAbsoluteImprovement: 0.01,
  minRelativeImprovement: 0,
  minSamples: 100,
  mode: 'enabled',
  manualApproval: false,
};

const PROPS = MODEL_BUILDING_PIPELINE_PROPS;

// biome-ignore lint/suspicious/noExplicitAny: rendered JSON is read by path
type Json = any;

const gateStep = (promotion: PipelinePromotion): Json => {
  const rendered = JSON.parse(modelBuildingPipeline({ ...PROPS, promotion }).render());
  return rendered.Steps.find((s: Json) => s.Name === 'CheckMetric').Arguments.IfSteps[1];
};

describe('GIVEN the champion/challenger gate step', () => {
  test('WHEN the model has ground truth THEN the window travels as PROMOTION_* variables and the challenger model as an argument', () => {
    // WHEN
    const gate = gateStep({
      ...PROMOTION,
      capturedWindow: {
        captureUri: 's3://mlops-dev-raw/data-capture/churn/',
        groundTruthUri: 's3://mlops-dev-raw/ground-truth/churn/',
        windowHours: 24,
        groundTruthDelayHours: 6,
        inputUri: 's3://mlops-dev-raw/data-capture/churn/promotion-windows',
        inputKmsKeyArn: 'data-key',
      },
    });

    // THEN
    expect(gate.Arguments.Environment).toMatchObject({
      PROMOTION_CAPTURE_URI: 's3://mlops-dev-raw/data-capture/churn/',
      PROMOTION_GROUND_TRUTH_URI: 's3://mlops-dev-raw/ground-truth/churn/',
      PROMOTION_WINDOW_HOURS: '24',
      PROMOTION_GROUND_TRUTH_DELAY_HOURS: '6',
    });
    const args = gate.Arguments.AppSpecification.ContainerArguments as Json[];
    expect(args[args.indexOf('--challenger-model') + 1]).toEqual({ Get: 'Steps.CreateCandidateModel.ModelName' });
    expect(JSON.stringify(args[args.indexOf('--window-output') + 1])).toContain('"captured-window"');
    // the joined rows are written beside the capture, per execution, under the capture's key
    expect(args[args.indexOf('--window-input') + 1]).toEqual({
      'Std:Join': {
        On: '/',
        Values: ['s3://mlops-dev-raw/data-capture/churn/promotion-windows', { Get: 'Execution.PipelineExecutionId' }],
      },
    });
    expect(gate.Arguments.Environment.PROMOTION_WINDOW_KMS_KEY_ARN).toBe('data-key');
  });

  test('WHEN the model has no ground truth THEN the step is the test split one, without window variables', () => {
    // WHEN
    const gate = gateStep(PROMOTION);

    // THEN
    expect(Object.keys(gate.Arguments.Environment).filter((k) => /CAPTURE|GROUND_TRUTH|WINDOW/.test(k))).toEqual([]);
    expect(gate.Arguments.AppSpecification.ContainerArguments).not.toContain('--challenger-model');
  });
});
