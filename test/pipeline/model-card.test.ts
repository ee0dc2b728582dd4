// The schema check of the rendered definition (with its ModelCard extension) runs in .ci/run over every stage-5
// definition, against the public schema beside the checkout; npm test needs nothing outside the repository.
import { type ModelBuildingPipelineProps, modelBuildingPipeline } from '../../lib/pipeline/model-building-pipeline';
import { MODEL_BUILDING_PIPELINE_PROPS } from '../pipeline-definition/sample-pipeline';

const PROPS = MODEL_BUILDING_PIPELINE_PROPS;

const CARD = {
  owner: 'churn-team@example.com',
  riskRating: 'Medium' as const,
  description: 'Customer "churn" propensity',
  intendedUse: 'Retention outreach; not pricing',
  limitations: 'Unreliable for accounts younger than a month',
};

// biome-ignore lint/suspicious/noExplicitAny: rendered JSON is read by path
type Json = any;

const registerStep = (props: ModelBuildingPipelineProps): Json => {
  const rendered = JSON.parse(modelBuildingPipeline(props).render());
  return rendered.Steps.find((s: Json) => s.Name === 'CheckMetric').Arguments.IfSteps[0];
};

/** What SageMaker does with a Std:Join at run time, with a sample value for every reference. */
function joinAtRunTime(join: Json): string {
  const sample = (value: Json): string => {
    if (typeof value !== 'object') return String(value);
    if ('Std:JsonGet' in value) return '0.8125';
    const get = value.Get as string;
    if (get === 'Execution.StartDateTime') return '2026-12-07T20:00:00Z';
    if (get === 'Execution.PipelineExecutionId') return 'abc123';
    if (get === 'Parameters.TriggerReason') return 'schedule';
    if (get === 'Parameters.MetricThreshold') return '0.75';
    return `s3://bucket/${get.replace(/[^A-Za-z]+/g, '-')}`;
  };
  return join['Std:Join'].Values.map(sample).join(join['Std:Join'].On);
}

describe('GIVEN a model card from config WHEN the model-building pipeline is rendered', () => {
  const register = registerStep({ ...PROPS, card: CARD });

  test('THEN the registered version carries a PendingReview card whose content is valid JSON of the package card schema', () => {
    // THEN
    expect(register.Arguments.ModelCard.ModelCardStatus).toBe('PendingReview');
    const content = JSON.parse(joinAtRunTime(register.Arguments.ModelCard.ModelCardContent));
    expect(content.model_overview.model_creator).toBe('churn-team@example.com');
    expect(content.intended_uses).toEqual({
      purpose_of_model: 'Customer "churn" propensity',
      intended_uses: 'Retention outreach; not pricing',
      risk_rating: 'Medium',
    });
    expect(content.additional_information.caveats_and_recommendations).toBe(
      'Unreliable for accounts younger than a month',
    );
    expect(Object.keys(content).sort()).toEqual([
      'additional_information',
      'business_details',
      'evaluation_details',
      'intended_uses',
      'model_overview',
      'training_details',
    ]);
  });

  test("THEN the card records the run's data window, the gate metric and the registered baselines", () => {
    const content = JSON.parse(joinAtRunTime(register.Arguments.ModelCard.ModelCardContent));
    expect(content.training_details.training_observations).toBe(
      'Trained on the raw data under s3://bucket/Parameters-InputDataUrl up to 2026-12-07T20:00:00Z by pipeline execution abc123, started by schedule',
    );
    expect(content.evaluation_details[0].metric_groups[0].metric_data).toEqual([
      { name: 'auc', type: 'number', value: 0.8125 },
    ]);
    expect(content.evaluation_details[0].evaluation_observation).toBe(
      'registered because auc on the test set is at least the threshold 0.75',
    );
    expect(content.additional_information.custom_details.data_quality_baseline).toMatch(/DataQualityBaseline/);
    expect(content.additional_information.custom_details.model_quality_baseline).toMatch(/ModelQualityBaseline/);
  });

  test('GIVEN no card (below stage 5) THEN the version is registered without one', () => {
    expect(registerStep(PROPS).Arguments.ModelCard).toBeUndefined();
  });
});
