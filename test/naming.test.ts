import {
  environmentStageId,
  modelStackId,
  modelStackPath,
  monitoringStackName,
  servingStackName,
  stackName,
} from '../lib/naming';

/** lib/naming.ts is the one place that decides stage ids, stack ids and stack names; these pin what it decides. */
describe('naming', () => {
  test('the stage id of an environment is its name in PascalCase', () => {
    expect(environmentStageId('dev')).toBe('Dev');
    expect(environmentStageId('eu-prod')).toBe('EuProd');
  });

  test("a model's stack id is <Kind>-<model>, and its path in the app starts with the stage id", () => {
    expect(modelStackId('Serving', 'churn')).toBe('Serving-churn');
    expect(modelStackPath('eu-prod', 'Monitoring', 'churn')).toBe('EuProd/Monitoring-churn');
  });

  test('a stack name is project, environment and the stack id in kebab case', () => {
    expect(stackName('mlops', 'dev', 'FeatureStore')).toBe('mlops-dev-feature-store');
    expect(stackName('mlops', 'dev', modelStackId('Retraining', 'fraud-v2'))).toBe('mlops-dev-retraining-fraud-v2');
  });

  test('the names the approve command looks up are the names the stacks get', () => {
    expect(servingStackName('mlops', 'dev', 'churn')).toBe(stackName('mlops', 'dev', modelStackId('Serving', 'churn')));
    expect(servingStackName('mlops', 'dev', 'churn')).toBe('mlops-dev-serving-churn');
    expect(monitoringStackName('mlops', 'prod', 'churn')).toBe('mlops-prod-monitoring-churn');
  });
});
