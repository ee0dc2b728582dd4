import { environmentStageId, modelStackId, modelStackName, modelStackPath, stackName } from '../lib/naming';

/** lib/naming.ts is the one place that decides stage ids, stack ids and stack names; these pin what it decides. */
describe('naming', () => {
  test('the stage id of an environment is its name in PascalCase', () => {
    expect(environmentStageId('dev')).toBe('Dev');
    expect(environmentStageId('eu-prod')).toBe('EuProd');
  });

  test("a model's one stack has id Model-<model>, and its path in the app starts with the stage id", () => {
    expect(modelStackId('churn')).toBe('Model-churn');
    expect(modelStackPath('eu-prod', 'churn')).toBe('EuProd/Model-churn');
  });

  test('a stack name is project, environment and the stack id in kebab case', () => {
    expect(stackName('mlops', 'dev', 'FeatureStore')).toBe('mlops-dev-feature-store');
    expect(stackName('mlops', 'dev', modelStackId('fraud-v2'))).toBe('mlops-dev-model-fraud-v2');
  });

  test('the name the approve command looks up is the name the model stack gets', () => {
    expect(modelStackName('mlops', 'dev', 'churn')).toBe(stackName('mlops', 'dev', modelStackId('churn')));
    expect(modelStackName('mlops', 'prod', 'churn')).toBe('mlops-prod-model-churn');
  });
});
