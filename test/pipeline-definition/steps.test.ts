import {
  ClarifyCheckStep,
  Condition,
  ConditionStep,
  CreateModelStep,
  ExecutionVariables,
  FailStep,
  Join,
  JsonGet,
  jsonGet,
  Parameters,
  PipelineDefinition,
  ProcessingStep,
  QualityCheckStep,
  RegisterModelStep,
  TrainingStep,
  TransformStep,
  TuningStep,
} from '../../lib/pipeline-definition';
import {
  findStep,
  processingArguments,
  processingStep,
  renderSteps,
  renderValue,
  type StepJson,
  trainingArguments,
} from './fixtures';
import { FIXTURE, MODEL_MONITOR_IMAGE, XGBOOST_IMAGE } from './sample-pipeline';

describe('pipeline values', () => {
  test('GIVEN parameters of each type WHEN rendered THEN they are declared in order and referenced with Get', () => {
    // GIVEN
    const definition = new PipelineDefinition();
    const input = definition.addParameter(Parameters.string('InputData', 's3://bucket/raw'));
    const epochs = definition.addParameter(Parameters.integer('Epochs', 10));
    const threshold = definition.addParameter(Parameters.float('Threshold', 0.5));
    const skip = definition.addParameter(Parameters.boolean('SkipCheck'));
    definition.addStep(new FailStep('Fail', { errorMessage: Join.on(',', [input, epochs, threshold, skip]) }));

    // WHEN
    const rendered = JSON.parse(definition.render());

    // THEN
    expect(rendered.Parameters).toEqual([
      { Name: 'InputData', Type: 'String', DefaultValue: 's3://bucket/raw' },
      { Name: 'Epochs', Type: 'Integer', DefaultValue: 10 },
      { Name: 'Threshold', Type: 'Float', DefaultValue: 0.5 },
      { Name: 'SkipCheck', Type: 'Boolean' },
    ]);
    expect(rendered.Steps[0].Arguments.ErrorMessage['Std:Join'].Values).toEqual([
      { Get: 'Parameters.InputData' },
      { Get: 'Parameters.Epochs' },
      { Get: 'Parameters.Threshold' },
      { Get: 'Parameters.SkipCheck' },
    ]);
  });

  test('GIVEN each execution variable WHEN rendered THEN it is a Get of Execution.<name>', () => {
    // WHEN
    const rendered = renderValue(Join.on('', Object.values(ExecutionVariables)));

    // THEN
    expect(rendered).toEqual({
      'Std:Join': {
        On: '',
        Values: [
          { Get: 'Execution.PipelineExecutionId' },
          { Get: 'Execution.PipelineExecutionArn' },
          { Get: 'Execution.PipelineName' },
          { Get: 'Execution.PipelineArn' },
          { Get: 'Execution.StartDateTime' },
          { Get: 'Execution.CurrentDateTime' },
        ],
      },
    });
  });

  test('GIVEN a Join of literals and values WHEN rendered THEN it is Std:Join with On before Values', () => {
    // WHEN
    const rendered = renderValue(Join.on('/', ['s3:/', 'bucket', 3, true, ExecutionVariables.PIPELINE_NAME]));

    // THEN
    expect(JSON.stringify(rendered)).toBe(
      '{"Std:Join":{"On":"/","Values":["s3:/","bucket",3,true,{"Get":"Execution.PipelineName"}]}}',
    );
  });

  test('GIVEN a pipeline value in a template literal THEN it throws instead of rendering [object Object]', () => {
    // GIVEN
    const input = Parameters.string('InputData');

    // THEN
    expect(() => `s3://${input}`).toThrow(
      '{"Get": "Parameters.InputData"} is resolved by SageMaker Pipelines at run time and cannot be converted to a string: build strings with Join.on(separator, values)',
    );
  });
});

describe('ProcessingStep', () => {
  test('GIVEN a processing step with every option WHEN rendered THEN its keys come in order with sorted arguments', () => {
    // GIVEN
    const upstream = processingStep('Upstream');
    const step = new ProcessingStep('Evaluate', {
      displayName: 'Evaluate-Model',
      description: 'Computes the metrics.',
      dependsOn: [upstream],
      arguments: { ...processingArguments('evaluation'), Environment: { B: '2', A: '1' } },
      cache: { enabled: true, expireAfter: 'P30D' },
      retryPolicies: [
        { exceptionTypes: ['Step.SERVICE_FAULT', 'Step.THROTTLING'], maxAttempts: 3 },
        { exceptionTypes: ['SageMaker.JOB_INTERNAL_ERROR'], intervalSeconds: 30, backoffRate: 1.5, expireAfterMin: 60 },
      ],
    });
    step.addPropertyFile({ name: 'EvaluationReport', outputName: 'evaluation', path: 'evaluation.json' });

    // WHEN
    const rendered = findStep(renderSteps(upstream, step), 'Evaluate');

    // THEN
    expect(Object.keys(rendered)).toEqual([
      'Name',
      'Type',
      'DisplayName',
      'Description',
      'DependsOn',
      'Arguments',
      'PropertyFiles',
      'CacheConfig',
      'RetryPolicies',
    ]);
    expect(rendered).toMatchObject({
      Name: 'Evaluate',
      Type: 'Processing',
      DisplayName: 'Evaluate-Model',
      Description: 'Computes the metrics.',
      DependsOn: ['Upstream'],
      PropertyFiles: [{ PropertyFileName: 'EvaluationReport', OutputName: 'evaluation', FilePath: 'evaluation.json' }],
      CacheConfig: { Enabled: true, ExpireAfter: 'P30D' },
      RetryPolicies: [
        {
          ExceptionType: ['Step.SERVICE_FAULT', 'Step.THROTTLING'],
          IntervalSeconds: 1,
          BackoffRate: 2,
          MaxAttempts: 3,
        },
        { ExceptionType: ['SageMaker.JOB_INTERNAL_ERROR'], IntervalSeconds: 30, BackoffRate: 1.5, ExpireAfterMin: 60 },
      ],
    });
    expect(Object.keys(rendered.Arguments)).toEqual([
      'AppSpecification',
      'Environment',
      'ProcessingOutputConfig',
      'ProcessingResources',
      'RoleArn',
    ]);
    expect(Object.keys(rendered.Arguments.Environment as object)).toEqual(['A', 'B']);
  });

  test('GIVEN a minimal processing step WHEN rendered THEN it has no optional keys', () => {
    // WHEN
    const rendered = findStep(renderSteps(processingStep('Preprocess', 'train')), 'Preprocess');

    // THEN
    expect(Object.keys(rendered)).toEqual(['Name', 'Type', 'Arguments']);
  });

  test('GIVEN its properties WHEN referenced THEN they are Gets of the processing job', () => {
    // GIVEN
    const step = processingStep('Preprocess', 'train');

    // THEN
    expect(renderValue(step.properties.outputUri('train'), step)).toEqual({
      Get: "Steps.Preprocess.ProcessingOutputConfig.Outputs['train'].S3Output.S3Uri",
    });
    expect(renderValue(step.properties.processingJobName, step)).toEqual({ Get: 'Steps.Preprocess.ProcessingJobName' });
    expect(renderValue(step.properties.processingJobArn, step)).toEqual({ Get: 'Steps.Preprocess.ProcessingJobArn' });
    expect(renderValue(step.property('ProcessingOutputConfig.KmsKeyId'), step)).toEqual({
      Get: 'Steps.Preprocess.ProcessingOutputConfig.KmsKeyId',
    });
  });

  test('GIVEN a property file WHEN read with jsonGet or by name THEN it is Std:JsonGet of the property file', () => {
    // GIVEN
    const step = processingStep('Evaluate', 'evaluation');
    const report = step.addPropertyFile({
      name: 'EvaluationReport',
      outputName: 'evaluation',
      path: 'evaluation.json',
    });
    const expected = {
      'Std:JsonGet': {
        PropertyFile: { Get: 'Steps.Evaluate.PropertyFiles.EvaluationReport' },
        Path: 'metrics.auc.value',
      },
    };

    // THEN
    expect(renderValue(jsonGet(report, 'metrics.auc.value'), step)).toEqual(expected);
    expect(renderValue(new JsonGet(step.propertyFile('EvaluationReport'), 'metrics.auc.value'), step)).toEqual(
      expected,
    );
  });
});

describe('TrainingStep', () => {
  test('GIVEN a training step with parameters in its arguments WHEN rendered THEN leaves are Gets', () => {
    // GIVEN
    const instanceType = Parameters.string('TrainingInstanceType', 'ml.m5.xlarge');
    const instanceCount = Parameters.integer('TrainingInstanceCount', 1);
    const definition = new PipelineDefinition();
    definition.addParameter(instanceType);
    definition.addParameter(instanceCount);
    definition.addStep(
      new TrainingStep('Train', {
        arguments: {
          ...trainingArguments(),
          HyperParameters: { num_round: '100', max_depth: '5' },
          ResourceConfig: { InstanceCount: instanceCount, InstanceType: instanceType, VolumeSizeInGB: 30 },
        },
      }),
    );

    // WHEN
    const rendered = JSON.parse(definition.render()).Steps[0];

    // THEN
    expect(rendered).toEqual({
      Name: 'Train',
      Type: 'Training',
      Arguments: {
        AlgorithmSpecification: { TrainingImage: XGBOOST_IMAGE, TrainingInputMode: 'File' },
        HyperParameters: { max_depth: '5', num_round: '100' },
        OutputDataConfig: { S3OutputPath: 's3://bucket/models' },
        ResourceConfig: {
          InstanceCount: { Get: 'Parameters.TrainingInstanceCount' },
          InstanceType: { Get: 'Parameters.TrainingInstanceType' },
          VolumeSizeInGB: 30,
        },
        RoleArn: FIXTURE.roleArn,
        StoppingCondition: { MaxRuntimeInSeconds: 3600 },
      },
    });
  });

  test('GIVEN its properties WHEN referenced THEN they are Gets of the training job', () => {
    // GIVEN
    const train = new TrainingStep('Train', { arguments: trainingArguments() });

    // THEN
    expect(renderValue(train.properties.modelArtifacts, train)).toEqual({
      Get: 'Steps.Train.ModelArtifacts.S3ModelArtifacts',
    });
    expect(renderValue(train.properties.trainingJobName, train)).toEqual({ Get: 'Steps.Train.TrainingJobName' });
    expect(renderValue(train.properties.trainingJobArn, train)).toEqual({ Get: 'Steps.Train.TrainingJobArn' });
    expect(renderValue(train.properties.finalMetricValue('validation:auc'), train)).toEqual({
      Get: "Steps.Train.FinalMetricDataList['validation:auc'].Value",
    });
  });
});

describe('TuningStep', () => {
  const tune = () =>
    new TuningStep('Tune', {
      arguments: {
        HyperParameterTuningJobConfig: {
          Strategy: 'Bayesian',
          ResourceLimits: { MaxNumberOfTrainingJobs: 10, MaxParallelTrainingJobs: 2 },
          HyperParameterTuningJobObjective: { Type: 'Maximize', MetricName: 'validation:auc' },
          ParameterRanges: { ContinuousParameterRanges: [{ Name: 'eta', MinValue: '0.1', MaxValue: '0.5' }] },
        },
        TrainingJobDefinition: {
          AlgorithmSpecification: { TrainingImage: XGBOOST_IMAGE, TrainingInputMode: 'File' },
          OutputDataConfig: { S3OutputPath: 's3://bucket/tuning' },
          ResourceConfig: { InstanceCount: 1, InstanceType: 'ml.m5.large', VolumeSizeInGB: 30 },
          RoleArn: FIXTURE.roleArn,
          StoppingCondition: { MaxRuntimeInSeconds: 3600 },
          StaticHyperParameters: { num_round: '100' },
        },
      },
      cache: { enabled: false },
    });

  test('GIVEN a tuning step WHEN rendered THEN it is a Tuning step with its job request and cache config', () => {
    // WHEN
    const rendered = findStep(renderSteps(tune()), 'Tune');

    // THEN
    expect(rendered.Type).toBe('Tuning');
    expect(rendered.CacheConfig).toEqual({ Enabled: false });
    expect(rendered.Arguments.HyperParameterTuningJobConfig).toEqual({
      HyperParameterTuningJobObjective: { MetricName: 'validation:auc', Type: 'Maximize' },
      ParameterRanges: { ContinuousParameterRanges: [{ MaxValue: '0.5', MinValue: '0.1', Name: 'eta' }] },
      ResourceLimits: { MaxNumberOfTrainingJobs: 10, MaxParallelTrainingJobs: 2 },
      Strategy: 'Bayesian',
    });
  });

  test('GIVEN its properties WHEN referenced THEN they name the best and the ranked training jobs', () => {
    // GIVEN
    const step = tune();

    // THEN
    expect(renderValue(step.properties.bestTrainingJobName, step)).toEqual({
      Get: 'Steps.Tune.BestTrainingJob.TrainingJobName',
    });
    expect(renderValue(step.properties.bestObjectiveValue, step)).toEqual({
      Get: 'Steps.Tune.BestTrainingJob.FinalHyperParameterTuningJobObjectiveMetric.Value',
    });
    expect(renderValue(step.properties.topModelS3Uri(0, 's3://bucket/tuning'), step)).toEqual({
      'Std:Join': {
        On: '/',
        Values: [
          's3://bucket/tuning',
          { Get: 'Steps.Tune.TrainingJobSummaries[0].TrainingJobName' },
          'output/model.tar.gz',
        ],
      },
    });
    expect(() => step.properties.trainingJobName(-1)).toThrow(
      'step "Tune": training job rank -1 must be a non-negative integer',
    );
  });
});

describe('CreateModelStep and TransformStep', () => {
  test('GIVEN a model from training and a transform of it WHEN rendered THEN they chain through properties', () => {
    // GIVEN
    const train = new TrainingStep('Train', { arguments: trainingArguments() });
    const model = new CreateModelStep('CreateModel', {
      arguments: {
        ExecutionRoleArn: FIXTURE.roleArn,
        PrimaryContainer: { Image: XGBOOST_IMAGE, ModelDataUrl: train.properties.modelArtifacts },
      },
      retryPolicies: [{ exceptionTypes: ['Step.THROTTLING'], maxAttempts: 2 }],
    });
    const transform = new TransformStep('Transform', {
      arguments: {
        ModelName: model.properties.modelName,
        TransformInput: {
          ContentType: 'text/csv',
          DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://bucket/batch' } },
        },
        TransformOutput: { S3OutputPath: 's3://bucket/scores' },
        TransformResources: { InstanceCount: 1, InstanceType: 'ml.m5.large' },
      },
    });

    // WHEN
    const rendered = renderSteps(train, model, transform);

    // THEN
    expect(findStep(rendered, 'CreateModel')).toEqual({
      Name: 'CreateModel',
      Type: 'Model',
      Arguments: {
        ExecutionRoleArn: FIXTURE.roleArn,
        PrimaryContainer: {
          Image: XGBOOST_IMAGE,
          ModelDataUrl: { Get: 'Steps.Train.ModelArtifacts.S3ModelArtifacts' },
        },
      },
      RetryPolicies: [{ ExceptionType: ['Step.THROTTLING'], IntervalSeconds: 1, BackoffRate: 2, MaxAttempts: 2 }],
    });
    expect(findStep(rendered, 'Transform')).toEqual({
      Name: 'Transform',
      Type: 'Transform',
      Arguments: {
        ModelName: { Get: 'Steps.CreateModel.ModelName' },
        TransformInput: {
          ContentType: 'text/csv',
          DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://bucket/batch' } },
        },
        TransformOutput: { S3OutputPath: 's3://bucket/scores' },
        TransformResources: { InstanceCount: 1, InstanceType: 'ml.m5.large' },
      },
    });
    expect(renderValue(transform.properties.outputPath, train, model, transform)).toEqual({
      Get: 'Steps.Transform.TransformOutput.S3OutputPath',
    });
    expect(renderValue(model.properties.modelArn, train, model)).toEqual({ Get: 'Steps.CreateModel.ModelArn' });
  });
});

describe('RegisterModelStep', () => {
  test('GIVEN a model package version WHEN rendered THEN it is a RegisterModel step and exposes its ARN', () => {
    // GIVEN
    const train = new TrainingStep('Train', { arguments: trainingArguments() });
    const register = new RegisterModelStep('Register', {
      arguments: {
        ModelPackageGroupName: 'churn',
        ModelApprovalStatus: 'PendingManualApproval',
        InferenceSpecification: {
          Containers: [{ Image: XGBOOST_IMAGE, ModelDataUrl: train.properties.modelArtifacts }],
          SupportedContentTypes: ['text/csv'],
          SupportedResponseMIMETypes: ['text/csv'],
        },
        CustomerMetadataProperties: { team: 'churn' },
      },
    });

    // WHEN
    const rendered = renderSteps(train, register);

    // THEN
    expect(findStep(rendered, 'Register')).toEqual({
      Name: 'Register',
      Type: 'RegisterModel',
      Arguments: {
        CustomerMetadataProperties: { team: 'churn' },
        InferenceSpecification: {
          Containers: [{ Image: XGBOOST_IMAGE, ModelDataUrl: { Get: 'Steps.Train.ModelArtifacts.S3ModelArtifacts' } }],
          SupportedContentTypes: ['text/csv'],
          SupportedResponseMIMETypes: ['text/csv'],
        },
        ModelApprovalStatus: 'PendingManualApproval',
        ModelPackageGroupName: 'churn',
      },
    });
    expect(renderValue(register.properties.modelPackageArn, train, register)).toEqual({
      Get: 'Steps.Register.ModelPackageArn',
    });
    expect(renderValue(register.properties.modelPackageVersion, train, register)).toEqual({
      Get: 'Steps.Register.ModelPackageVersion',
    });
  });
});

describe('QualityCheckStep and ClarifyCheckStep', () => {
  const checkArguments = () => ({
    ...processingArguments('quality_check_output'),
    AppSpecification: { ImageUri: MODEL_MONITOR_IMAGE },
  });

  test.each(['DATA_QUALITY', 'MODEL_QUALITY'] as const)(
    'GIVEN a %s check WHEN rendered THEN its check keys follow Arguments in order',
    (checkType) => {
      // GIVEN
      const definition = new PipelineDefinition();
      const registerNewBaseline = definition.addParameter(Parameters.boolean('RegisterNewBaseline', false));
      definition.addStep(
        new QualityCheckStep('Check', {
          checkType,
          arguments: checkArguments(),
          modelPackageGroupName: 'churn',
          registerNewBaseline,
          suppliedBaselineStatistics: 's3://bucket/statistics.json',
          suppliedBaselineConstraints: 's3://bucket/constraints.json',
          cache: { enabled: true, expireAfter: 'PT12H' },
        }),
      );

      // WHEN
      const rendered = findStep(JSON.parse(definition.render()), 'Check');

      // THEN
      expect(Object.keys(rendered)).toEqual([
        'Name',
        'Type',
        'Arguments',
        'CheckType',
        'ModelPackageGroupName',
        'SkipCheck',
        'RegisterNewBaseline',
        'SuppliedBaselineStatistics',
        'SuppliedBaselineConstraints',
        'CacheConfig',
      ]);
      expect(rendered).toMatchObject({
        Type: 'QualityCheck',
        CheckType: checkType,
        ModelPackageGroupName: 'churn',
        SkipCheck: false,
        RegisterNewBaseline: { Get: 'Parameters.RegisterNewBaseline' },
        SuppliedBaselineStatistics: 's3://bucket/statistics.json',
        SuppliedBaselineConstraints: 's3://bucket/constraints.json',
        CacheConfig: { Enabled: true, ExpireAfter: 'PT12H' },
      });
    },
  );

  test('GIVEN a quality check WHEN its properties are referenced THEN they are the baselines of the step', () => {
    // GIVEN
    const step = new QualityCheckStep('DataQuality', { checkType: 'DATA_QUALITY', arguments: checkArguments() });

    // THEN
    const { properties } = step;
    expect(
      [
        properties.calculatedBaselineStatistics,
        properties.calculatedBaselineConstraints,
        properties.baselineUsedForDriftCheckStatistics,
        properties.baselineUsedForDriftCheckConstraints,
      ].map((property) => renderValue(property, step)),
    ).toEqual([
      { Get: 'Steps.DataQuality.CalculatedBaselineStatistics' },
      { Get: 'Steps.DataQuality.CalculatedBaselineConstraints' },
      { Get: 'Steps.DataQuality.BaselineUsedForDriftCheckStatistics' },
      { Get: 'Steps.DataQuality.BaselineUsedForDriftCheckConstraints' },
    ]);
  });

  test('GIVEN a model bias check WHEN rendered THEN it is a ClarifyCheck with the model name', () => {
    // GIVEN
    const model = new CreateModelStep('CreateModel', { arguments: { ExecutionRoleArn: FIXTURE.roleArn } });
    const step = new ClarifyCheckStep('ModelBias', {
      checkType: 'MODEL_BIAS',
      arguments: checkArguments(),
      modelName: model.properties.modelName,
      skipCheck: true,
    });

    // WHEN
    const rendered = findStep(renderSteps(model, step), 'ModelBias');

    // THEN
    expect(Object.keys(rendered)).toEqual([
      'Name',
      'Type',
      'Arguments',
      'CheckType',
      'SkipCheck',
      'RegisterNewBaseline',
      'ModelName',
    ]);
    expect(rendered).toMatchObject({
      Type: 'ClarifyCheck',
      CheckType: 'MODEL_BIAS',
      SkipCheck: true,
      RegisterNewBaseline: false,
      ModelName: { Get: 'Steps.CreateModel.ModelName' },
    });
    expect(renderValue(step.properties.calculatedBaselineConstraints, model, step)).toEqual({
      Get: 'Steps.ModelBias.CalculatedBaselineConstraints',
    });
    expect(renderValue(step.properties.baselineUsedForDriftCheckConstraints, model, step)).toEqual({
      Get: 'Steps.ModelBias.BaselineUsedForDriftCheckConstraints',
    });
  });
});

describe('ConditionStep and FailStep', () => {
  test('GIVEN every condition type WHEN rendered THEN each has the shape SageMaker Pipelines reads', () => {
    // GIVEN
    const evaluate = processingStep('Evaluate', 'evaluation');
    const report = evaluate.addPropertyFile({ name: 'Report', outputName: 'evaluation', path: 'evaluation.json' });
    const auc = jsonGet(report, 'metrics.auc.value');
    const condition = new ConditionStep('Check', {
      conditions: [
        Condition.equals('a', 'a'),
        Condition.greaterThan(auc, 0.5),
        Condition.greaterThanOrEqualTo(auc, 0.6),
        Condition.lessThan(1, auc),
        Condition.lessThanOrEqualTo(auc, 1),
        Condition.in(ExecutionVariables.PIPELINE_NAME, ['churn', 'fraud']),
        Condition.not(Condition.equals(true, false)),
        Condition.or(Condition.lessThan(auc, 0.1), Condition.greaterThan(auc, 0.9)),
      ],
    });

    // WHEN
    const rendered = findStep(renderSteps(evaluate, condition), 'Check');

    // THEN
    const aucJson = {
      'Std:JsonGet': { PropertyFile: { Get: 'Steps.Evaluate.PropertyFiles.Report' }, Path: 'metrics.auc.value' },
    };
    expect(rendered).toEqual({
      Name: 'Check',
      Type: 'Condition',
      Arguments: {
        Conditions: [
          { Type: 'Equals', LeftValue: 'a', RightValue: 'a' },
          { Type: 'GreaterThan', LeftValue: aucJson, RightValue: 0.5 },
          { Type: 'GreaterThanOrEqualTo', LeftValue: aucJson, RightValue: 0.6 },
          { Type: 'LessThan', LeftValue: 1, RightValue: aucJson },
          { Type: 'LessThanOrEqualTo', LeftValue: aucJson, RightValue: 1 },
          { Type: 'In', QueryValue: { Get: 'Execution.PipelineName' }, Values: ['churn', 'fraud'] },
          { Type: 'Not', Expression: { Type: 'Equals', LeftValue: true, RightValue: false } },
          {
            Type: 'Or',
            Conditions: [
              { Type: 'LessThan', LeftValue: aucJson, RightValue: 0.1 },
              { Type: 'GreaterThan', LeftValue: aucJson, RightValue: 0.9 },
            ],
          },
        ],
        IfSteps: [],
        ElseSteps: [],
      },
    });
  });

  test('GIVEN if and else steps WHEN rendered THEN they are nested in the condition step, not at the top level', () => {
    // GIVEN
    const train = new TrainingStep('Train', { arguments: trainingArguments() });
    const register = new RegisterModelStep('Register', { arguments: { ModelPackageGroupName: 'churn' } });
    const fail = new FailStep('Fail', {
      errorMessage: Join.on(' ', ['training job', train.properties.trainingJobName, 'did not pass']),
    });
    const condition = new ConditionStep('Check', {
      conditions: [Condition.equals(1, 1)],
      ifSteps: [register],
      elseSteps: [fail],
    });

    // WHEN
    const rendered = renderSteps(train, condition);

    // THEN
    expect(rendered.Steps.map((step: StepJson) => step.Name)).toEqual(['Train', 'Check']);
    expect(findStep(rendered, 'Check').Arguments).toEqual({
      Conditions: [{ Type: 'Equals', LeftValue: 1, RightValue: 1 }],
      IfSteps: [{ Name: 'Register', Type: 'RegisterModel', Arguments: { ModelPackageGroupName: 'churn' } }],
      ElseSteps: [
        {
          Name: 'Fail',
          Type: 'Fail',
          Arguments: {
            ErrorMessage: {
              'Std:Join': { On: ' ', Values: ['training job', { Get: 'Steps.Train.TrainingJobName' }, 'did not pass'] },
            },
          },
        },
      ],
    });
    expect(renderValue(condition.properties.outcome, train, condition)).toEqual({ Get: 'Steps.Check.Outcome' });
  });

  test('GIVEN a fail step without a message WHEN rendered THEN its arguments are empty', () => {
    // WHEN
    const rendered = findStep(renderSteps(new FailStep('Fail')), 'Fail');

    // THEN
    expect(rendered).toEqual({ Name: 'Fail', Type: 'Fail', Arguments: {} });
  });
});
