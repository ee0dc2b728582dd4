import {
  baselinesFunctionName,
  batchRunNamePrefix,
  batchScoringStateMachineName,
  environmentNamePrefix,
  environmentResourceName,
  environmentStageId,
  featureGroupName,
  featureStoreDatabaseName,
  featureStoreWorkGroupName,
  imageRepositoryName,
  keyAliasName,
  MONITORING_SCHEDULE_SUFFIXES,
  type MonitoringScheduleKind,
  mlflowRoleName,
  mlflowTrackingServerName,
  modelPublisherRoleName,
  modelStackId,
  modelStackName,
  modelStackPath,
  monitoringAlarmNames,
  monitoringScheduleName,
  offlineStorePrefix,
  offlineStoreTableName,
  personaRoleName,
  pipelineArtifactsPrefix,
  pipelineRunnerRoleName,
  sampleTrainingRoleName,
  scoresDatabaseName,
  scoresTableName,
  stackName,
  studioDomainName,
  studioExecutionRoleName,
  trainingPipelineRoleName,
  trainingPipelineRolePattern,
} from '../lib/naming';
import { PERSONAS } from '../lib/vocabulary';

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

/** Physical names of deployed resources: changing one replaces the resource or breaks whoever calls it by name. */
describe('physical names', () => {
  test('GIVEN a project and an environment THEN the names of the shared stacks are pinned', () => {
    // GIVEN
    const [project, env] = ['mlops', 'dev'];

    // WHEN / THEN
    expect(environmentNamePrefix(project, env)).toBe('mlops-dev');
    expect(environmentResourceName(project, env, 'x')).toBe('mlops-dev-x');
    expect(keyAliasName(project, env, 'data')).toBe('alias/mlops-dev-data');
    expect(keyAliasName(project, env, 'artifacts')).toBe('alias/mlops-dev-artifacts');
    expect(keyAliasName(project, env, 'logs')).toBe('alias/mlops-dev-logs');
    expect(imageRepositoryName(project, env, 'training')).toBe('mlops/dev/training');
    expect(studioDomainName(project, env)).toBe('mlops-dev-studio');
    expect(studioExecutionRoleName(project, env)).toBe('mlops-dev-studio-execution');
    expect(mlflowTrackingServerName(project, env)).toBe('mlops-dev-mlflow');
    expect(mlflowRoleName(project, env)).toBe('mlops-dev-mlflow');
    expect(modelPublisherRoleName(project, env)).toBe('mlops-dev-model-publisher');
    expect(baselinesFunctionName(project, env)).toBe('mlops-dev-model-package-baselines');
  });

  test('GIVEN an environment THEN the role of each persona, which other accounts trust, is pinned', () => {
    expect(PERSONAS.map((persona) => personaRoleName('mlops', 'dev', persona))).toEqual([
      'mlops-dev-data-scientist',
      'mlops-dev-ml-engineer',
      'mlops-dev-model-approver',
    ]);
  });

  test('GIVEN the delivery pipeline THEN its runner role and the caller role are pinned', () => {
    expect(pipelineRunnerRoleName('mlops', 'test')).toBe('mlops-test-pipeline-runner');
    expect(sampleTrainingRoleName('mlops')).toBe('mlops-delivery-sample-training');
  });

  test("GIVEN a model THEN its training pipeline's role and artifact prefix are pinned, the role within IAM's 64 characters", () => {
    expect(trainingPipelineRoleName('mlops', 'prod', 'churn')).toBe('mlops-prod-churn-training');
    expect(trainingPipelineRolePattern('mlops', 'prod')).toBe('mlops-prod-*-training');
    expect(pipelineArtifactsPrefix('churn')).toBe('pipelines/churn/');
    // the longest names config accepts: project 16, environment 12, model 24 characters
    expect(trainingPipelineRoleName('p'.repeat(16), 'e'.repeat(12), 'm'.repeat(24)).length).toBeLessThanOrEqual(64);
  });

  test('GIVEN a model THEN its batch names and its scores database are pinned', () => {
    expect(batchRunNamePrefix('mlops', 'dev', 'churn')).toBe('mlops-dev-churn');
    expect(batchScoringStateMachineName('mlops', 'dev', 'churn')).toBe('mlops-dev-churn-batch-scoring');
    expect(scoresDatabaseName('mlops', 'dev', 'next-best-offer')).toBe('mlops_dev_next_best_offer');
    expect(scoresTableName('next-best-offer')).toBe('next_best_offer_scores');
  });

  test('GIVEN a monitored endpoint THEN the names of its Model Monitor alarms are the endpoint name and a suffix', () => {
    expect(monitoringAlarmNames('mlops', 'prod', 'churn')).toEqual({
      featureDrift: 'mlops-prod-churn-feature-drift',
      modelQuality: 'mlops-prod-churn-model-quality',
      monitoringFailures: 'mlops-prod-churn-monitoring-failures',
    });
  });

  test('GIVEN a monitored endpoint WHEN its schedules are named THEN each is the endpoint name and a suffix', () => {
    // WHEN
    const names = Object.keys(MONITORING_SCHEDULE_SUFFIXES).map((kind) =>
      monitoringScheduleName('mlops', 'prod', 'churn', kind as MonitoringScheduleKind),
    );

    // THEN
    expect(names).toEqual([
      'mlops-prod-churn-data-quality',
      'mlops-prod-churn-model-quality',
      'mlops-prod-churn-model-bias',
      'mlops-prod-churn-explainability',
    ]);
  });

  test('GIVEN a feature group THEN its SageMaker, Glue, Athena and S3 names are pinned', () => {
    expect(featureGroupName('mlops', 'dev', 'churn-customers')).toBe('mlops-dev-churn-customers');
    expect(featureStoreDatabaseName('ml-ops', 'dev')).toBe('ml_ops_dev_feature_store');
    expect(featureStoreWorkGroupName('mlops', 'dev')).toBe('mlops-dev-feature-store');
    expect(offlineStoreTableName('churn-customers')).toBe('churn_customers');
    expect(offlineStorePrefix('churn-customers')).toBe('feature-store/churn-customers/');
  });
});
