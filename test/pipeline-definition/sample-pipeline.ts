import type { ModelBuildingPipelineProps } from '../../lib/pipeline/model-building-pipeline';
import {
  Condition,
  ConditionStep,
  ExecutionVariables,
  FailStep,
  Join,
  jsonGet,
  Parameters,
  PipelineDefinition,
  type PipelineValue,
  ProcessingStep,
  QualityCheckStep,
  RegisterModelStep,
  TrainingStep,
} from '../../lib/pipeline-definition';

/** Fixture values for rendering without a stack (a stack passes tokens instead). */
export const FIXTURE = {
  roleArn: 'arn:aws-cn:iam::111122223333:role/mlops-dev-sagemaker-execution',
  bucketName: 'mlops-dev-artifacts',
  modelPackageGroupName: 'churn',
} as const;

export const SKLEARN_IMAGE = '683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3';
export const XGBOOST_IMAGE = '683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1';
export const MODEL_MONITOR_IMAGE = '156813124566.dkr.ecr.us-east-1.amazonaws.com/sagemaker-model-monitor-analyzer';

export interface SamplePipelineProps {
  readonly roleArn: string;
  readonly bucketName: string;
  readonly modelPackageGroupName: string;
}

/**
 * The platform's model-building pipeline: preprocess -> train -> evaluate (property file `EvaluationReport`) ->
 * data and model quality checks -> `AUC >= threshold` ? register (pending manual approval) : fail.
 */
export function samplePipeline(props: SamplePipelineProps = FIXTURE) {
  const s3 = (...parts: string[]) => Join.on('/', [`s3://${props.bucketName}`, ...parts]);
  const perExecution = (prefix: string) =>
    Join.on('/', [`s3://${props.bucketName}`, prefix, ExecutionVariables.PIPELINE_EXECUTION_ID]);

  const definition = new PipelineDefinition();
  const inputData = definition.addParameter(Parameters.string('InputDataUrl', `s3://${props.bucketName}/raw/churn`));
  const processingInstanceType = definition.addParameter(Parameters.string('ProcessingInstanceType', 'ml.m5.xlarge'));
  const trainingInstanceType = definition.addParameter(Parameters.string('TrainingInstanceType', 'ml.m5.xlarge'));
  const aucThreshold = definition.addParameter(Parameters.float('AucThreshold', 0.75));

  const processingResources = {
    ClusterConfig: { InstanceCount: 1, InstanceType: processingInstanceType, VolumeSizeInGB: 30 },
  };
  const input = (name: string, uri: string | PipelineValue, localPath: string) => ({
    InputName: name,
    S3Input: { S3Uri: uri, LocalPath: localPath, S3DataType: 'S3Prefix' as const, S3InputMode: 'File' as const },
  });
  const scriptInput = (script: string) =>
    input('code', `s3://${props.bucketName}/code/${script}`, '/opt/ml/processing/input/code');
  const output = (name: string, uri: PipelineValue, localPath = `/opt/ml/processing/${name}`) => ({
    OutputName: name,
    S3Output: { S3Uri: uri, LocalPath: localPath, S3UploadMode: 'EndOfJob' as const },
  });

  const preprocess = definition.addStep(
    new ProcessingStep('Preprocess', {
      description: 'Splits the raw data into train, validation and test sets.',
      arguments: {
        AppSpecification: {
          ImageUri: SKLEARN_IMAGE,
          ContainerEntrypoint: ['python3', '/opt/ml/processing/input/code/preprocess.py'],
        },
        ProcessingResources: processingResources,
        ProcessingInputs: [input('raw', inputData, '/opt/ml/processing/input/raw'), scriptInput('preprocess.py')],
        ProcessingOutputConfig: {
          Outputs: [
            output('train', perExecution('preprocess/train')),
            output('validation', perExecution('preprocess/validation')),
            output('test', perExecution('preprocess/test')),
          ],
        },
        RoleArn: props.roleArn,
        StoppingCondition: { MaxRuntimeInSeconds: 3600 },
      },
      cache: { enabled: true, expireAfter: 'P30D' },
    }),
  );

  const train = definition.addStep(
    new TrainingStep('Train', {
      arguments: {
        AlgorithmSpecification: { TrainingImage: XGBOOST_IMAGE, TrainingInputMode: 'File' },
        HyperParameters: { objective: 'binary:logistic', num_round: '100', max_depth: '5', eta: '0.2' },
        InputDataConfig: ['train', 'validation'].map((channel) => ({
          ChannelName: channel,
          ContentType: 'text/csv',
          DataSource: {
            S3DataSource: {
              S3DataType: 'S3Prefix' as const,
              S3Uri: preprocess.properties.outputUri(channel),
              S3DataDistributionType: 'FullyReplicated' as const,
            },
          },
        })),
        OutputDataConfig: { S3OutputPath: s3('models') },
        ResourceConfig: { InstanceCount: 1, InstanceType: trainingInstanceType, VolumeSizeInGB: 30 },
        RoleArn: props.roleArn,
        StoppingCondition: { MaxRuntimeInSeconds: 7200 },
      },
      cache: { enabled: true, expireAfter: 'P30D' },
      retryPolicies: [
        { exceptionTypes: ['SageMaker.CAPACITY_ERROR'], intervalSeconds: 60, backoffRate: 2, maxAttempts: 5 },
      ],
    }),
  );

  const evaluate = definition.addStep(
    new ProcessingStep('Evaluate', {
      arguments: {
        AppSpecification: {
          ImageUri: XGBOOST_IMAGE,
          ContainerEntrypoint: ['python3', '/opt/ml/processing/input/code/evaluate.py'],
        },
        ProcessingResources: processingResources,
        ProcessingInputs: [
          input('model', train.properties.modelArtifacts, '/opt/ml/processing/model'),
          input('test', preprocess.properties.outputUri('test'), '/opt/ml/processing/test'),
          scriptInput('evaluate.py'),
        ],
        ProcessingOutputConfig: {
          Outputs: [
            output('evaluation', perExecution('evaluation/report')),
            output('predictions', perExecution('evaluation/predictions')),
          ],
        },
        RoleArn: props.roleArn,
        StoppingCondition: { MaxRuntimeInSeconds: 3600 },
      },
    }),
  );
  const evaluationReport = evaluate.addPropertyFile({
    name: 'EvaluationReport',
    outputName: 'evaluation',
    path: 'evaluation.json',
  });

  const monitorArguments = (baselineUri: PipelineValue, outputPrefix: string, environment: Record<string, string>) => ({
    AppSpecification: { ImageUri: MODEL_MONITOR_IMAGE },
    Environment: {
      dataset_source: '/opt/ml/processing/input/baseline_dataset_input',
      output_path: '/opt/ml/processing/output',
      publish_cloudwatch_metrics: 'Disabled',
      ...environment,
    },
    ProcessingInputs: [input('baseline_dataset_input', baselineUri, '/opt/ml/processing/input/baseline_dataset_input')],
    ProcessingOutputConfig: {
      Outputs: [output('quality_check_output', perExecution(outputPrefix), '/opt/ml/processing/output')],
    },
    ProcessingResources: processingResources,
    RoleArn: props.roleArn,
    StoppingCondition: { MaxRuntimeInSeconds: 3600 },
  });
  const checkProps = {
    modelPackageGroupName: props.modelPackageGroupName,
    skipCheck: false,
    registerNewBaseline: false,
    cache: { enabled: true, expireAfter: 'P30D' },
  };

  const dataQuality = definition.addStep(
    new QualityCheckStep('DataQualityCheck', {
      ...checkProps,
      checkType: 'DATA_QUALITY',
      arguments: monitorArguments(preprocess.properties.outputUri('train'), 'monitoring/data-quality', {
        dataset_format: '{"csv": {"header": false, "output_columns_position": "START"}}',
      }),
    }),
  );

  const modelQuality = definition.addStep(
    new QualityCheckStep('ModelQualityCheck', {
      ...checkProps,
      checkType: 'MODEL_QUALITY',
      arguments: monitorArguments(evaluate.properties.outputUri('predictions'), 'monitoring/model-quality', {
        analysis_type: 'MODEL_QUALITY',
        dataset_format: '{"csv": {"header": true}}',
        problem_type: 'BinaryClassification',
        inference_attribute: 'prediction',
        probability_attribute: 'probability',
        ground_truth_attribute: 'label',
        probability_threshold_attribute: '0.5',
      }),
    }),
  );

  const metrics = (statistics: PipelineValue, constraints: PipelineValue) => ({
    Statistics: { ContentType: 'application/json', S3Uri: statistics },
    Constraints: { ContentType: 'application/json', S3Uri: constraints },
  });
  const register = new RegisterModelStep('RegisterModel', {
    arguments: {
      ModelPackageGroupName: props.modelPackageGroupName,
      ModelApprovalStatus: 'PendingManualApproval',
      InferenceSpecification: {
        Containers: [{ Image: XGBOOST_IMAGE, ModelDataUrl: train.properties.modelArtifacts }],
        SupportedContentTypes: ['text/csv'],
        SupportedResponseMIMETypes: ['text/csv'],
        SupportedRealtimeInferenceInstanceTypes: ['ml.m5.large'],
        SupportedTransformInstanceTypes: ['ml.m5.large'],
      },
      ModelMetrics: {
        ModelQuality: metrics(
          modelQuality.properties.calculatedBaselineStatistics,
          modelQuality.properties.calculatedBaselineConstraints,
        ),
        ModelDataQuality: metrics(
          dataQuality.properties.calculatedBaselineStatistics,
          dataQuality.properties.calculatedBaselineConstraints,
        ),
      },
      DriftCheckBaselines: {
        ModelQuality: metrics(
          modelQuality.properties.baselineUsedForDriftCheckStatistics,
          modelQuality.properties.baselineUsedForDriftCheckConstraints,
        ),
        ModelDataQuality: metrics(
          dataQuality.properties.baselineUsedForDriftCheckStatistics,
          dataQuality.properties.baselineUsedForDriftCheckConstraints,
        ),
      },
    },
  });

  const auc = jsonGet(evaluationReport, 'metrics.auc.value');
  const fail = new FailStep('AucBelowThreshold', {
    errorMessage: Join.on(' ', ['AUC', auc, 'is below the threshold', aucThreshold]),
  });

  const checkAuc = definition.addStep(
    new ConditionStep('CheckAuc', {
      dependsOn: [dataQuality, modelQuality],
      conditions: [Condition.greaterThanOrEqualTo(auc, aucThreshold)],
      ifSteps: [register],
      elseSteps: [fail],
    }),
  );

  return {
    definition,
    preprocess,
    train,
    evaluate,
    evaluationReport,
    dataQuality,
    modelQuality,
    register,
    fail,
    checkAuc,
  };
}

/** The props of churn's model-building pipeline in dev, for the tests that render it (digests, card, gate window). */
export const MODEL_BUILDING_PIPELINE_PROPS: ModelBuildingPipelineProps = {
  modelName: 'churn',
  roleArn: FIXTURE.roleArn,
  artifactsBucketName: FIXTURE.bucketName,
  inputDataUrl: 's3://mlops-dev-raw/training-data/churn/',
  codeUri: 's3://mlops-dev-assets/code.zip',
  codePackage: 'churn',
  images: { processing: SKLEARN_IMAGE, training: XGBOOST_IMAGE, monitor: MODEL_MONITOR_IMAGE },
  security: {
    volumeKmsKeyArn: 'volume',
    outputKmsKeyArn: 'output',
    subnetIds: ['subnet-1'],
    securityGroupIds: ['sg-1'],
  },
  modelPackageGroupName: 'mlops-dev-churn',
  gate: { metric: 'auc', threshold: 0.75 },
  instanceTypes: { processing: 'ml.m5.large', training: 'ml.m5.xlarge', inference: 'ml.m5.large' },
  contentType: 'text/csv',
};
