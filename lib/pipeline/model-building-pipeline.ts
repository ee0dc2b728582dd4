import type {
  ProcessingInstanceType,
  ProductionVariantInstanceType,
  TrainingInstanceType,
  TransformInstanceType,
} from '@aws-sdk/client-sagemaker';
import {
  Condition,
  ConditionStep,
  CreateModelStep,
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
  TransformStep,
} from '../pipeline-definition';

/** Where every job of the pipeline runs: the platform VPC, encrypted, isolated. */
export interface PipelineJobSecurity {
  /** Encrypts job volumes (EBS) of every processing, training and transform job. */
  readonly volumeKmsKeyArn: string;
  /** Encrypts every job output written to S3. */
  readonly outputKmsKeyArn: string;
  readonly subnetIds: readonly string[];
  readonly securityGroupIds: readonly string[];
}

export interface ModelBuildingPipelineProps {
  readonly modelName: string;
  /** Role of the pipeline and of its jobs. */
  readonly roleArn: string;
  /** Bucket that receives every intermediate and final artifact, under `pipelines/<model>/<execution id>/`. */
  readonly artifactsBucketName: string;
  /** Default S3 prefix of the raw training data (a pipeline parameter, `InputDataUrl`). */
  readonly inputDataUrl: string;
  /** S3 URI of the zipped ml/ code (a CDK asset): `<package>/prepare.py`, `<package>/evaluate.py`, `<package>_inference.py`. */
  readonly codeUri: string;
  /** Python package of the model in the code archive, such as `churn`. */
  readonly codePackage: string;
  readonly images: { readonly processing: string; readonly training: string; readonly monitor: string };
  readonly security: PipelineJobSecurity;
  readonly modelPackageGroupName: string;
  /** Metric of evaluation.json that gates registration, and its default minimum (a pipeline parameter). */
  readonly gate: { readonly metric: string; readonly threshold: number };
  readonly instanceTypes: {
    readonly processing: ProcessingInstanceType;
    readonly training: TrainingInstanceType;
    readonly inference: TransformInstanceType & ProductionVariantInstanceType;
  };
  /**
   * Managed spot training with checkpoints; never in prod, where a reclaimed instance must not delay a release.
   * @default false
   */
  readonly spotTraining?: boolean;
  readonly contentType: string;
}

const CODE_DIR = '/opt/ml/processing/code';
const SOURCE_DIR = '/opt/ml/processing/source';

/**
 * The default model-building pipeline of a model: preprocess -> train -> batch-predict the test set ->
 * evaluate (property file `EvaluationReport`) -> data- and model-quality baselines -> the configured metric at
 * least the threshold ? register the version, PendingManualApproval, with its metrics and drift baselines :
 * fail with the metric in the message. Every job is VPC-bound, KMS-encrypted and network-isolated where the
 * job type supports it.
 */
export function modelBuildingPipeline(props: ModelBuildingPipelineProps): PipelineDefinition {
  const { security } = props;
  const definition = new PipelineDefinition();
  const inputData = definition.addParameter(Parameters.string('InputDataUrl', props.inputDataUrl));
  // recorded with each execution: who or what started it (manual, schedule, new data)
  definition.addParameter(Parameters.string('TriggerReason', 'manual'));
  const threshold = definition.addParameter(Parameters.float('MetricThreshold', props.gate.threshold));
  const trainingInstanceType = definition.addParameter(
    Parameters.string('TrainingInstanceType', props.instanceTypes.training),
  );

  const runPrefix = (...parts: string[]) =>
    Join.on('/', [
      `s3://${props.artifactsBucketName}`,
      'pipelines',
      props.modelName,
      ExecutionVariables.PIPELINE_EXECUTION_ID,
      ...parts,
    ]);
  const vpcConfig = { Subnets: [...security.subnetIds], SecurityGroupIds: [...security.securityGroupIds] };
  const isolatedNetwork = {
    EnableNetworkIsolation: true,
    EnableInterContainerTrafficEncryption: true,
    VpcConfig: vpcConfig,
  };
  const cluster = {
    ClusterConfig: {
      InstanceCount: 1,
      InstanceType: props.instanceTypes.processing,
      VolumeSizeInGB: 30,
      VolumeKmsKeyId: security.volumeKmsKeyArn,
    },
  };
  const s3Input = (name: string, uri: string | PipelineValue, localPath: string) => ({
    InputName: name,
    S3Input: { S3Uri: uri, LocalPath: localPath, S3DataType: 'S3Prefix' as const, S3InputMode: 'File' as const },
  });
  const s3Output = (name: string, localPath: string, ...prefix: string[]) => ({
    OutputName: name,
    S3Output: { S3Uri: runPrefix(...prefix), LocalPath: localPath, S3UploadMode: 'EndOfJob' as const },
  });
  const outputs = (...list: ReturnType<typeof s3Output>[]) => ({ Outputs: list, KmsKeyId: security.outputKmsKeyArn });
  // The code arrives as the CDK asset zip; the container unpacks it and runs the script by path.
  const runScript = (script: string, args: string) => ({
    ImageUri: props.images.processing,
    ContainerEntrypoint: [
      'bash',
      '-c',
      `set -e; python3 -m zipfile -e ${CODE_DIR}/*.zip ${SOURCE_DIR} && python3 ${SOURCE_DIR}/${props.codePackage}/${script} ${args}`,
    ],
  });
  const timeout = { MaxRuntimeInSeconds: 3600 };
  // No step caching: the input is a fixed prefix, so a cached step would ignore new data under it.

  const preprocess = definition.addStep(
    new ProcessingStep('Preprocess', {
      description: 'Runs the feature transform of the model on the raw data and splits it',
      arguments: {
        AppSpecification: runScript(
          'prepare.py',
          '--input /opt/ml/processing/input --output /opt/ml/processing/output',
        ),
        ProcessingInputs: [
          s3Input('raw', inputData, '/opt/ml/processing/input'),
          s3Input('code', props.codeUri, CODE_DIR),
        ],
        ProcessingOutputConfig: outputs(
          ...['train', 'validation', 'test', 'baseline', 'spec'].map((name) =>
            s3Output(name, `/opt/ml/processing/output/${name}`, 'preprocess', name),
          ),
        ),
        ProcessingResources: cluster,
        NetworkConfig: isolatedNetwork,
        RoleArn: props.roleArn,
        StoppingCondition: timeout,
      },
    }),
  );

  const spot = props.spotTraining ?? false;
  const train = definition.addStep(
    new TrainingStep('Train', {
      description: 'Trains the model with the built-in algorithm',
      arguments: {
        AlgorithmSpecification: { TrainingImage: props.images.training, TrainingInputMode: 'File' },
        HyperParameters: {
          objective: 'binary:logistic',
          eval_metric: 'auc',
          num_round: '200',
          max_depth: '5',
          eta: '0.2',
        },
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
        OutputDataConfig: { S3OutputPath: runPrefix('model'), KmsKeyId: security.outputKmsKeyArn },
        ResourceConfig: {
          InstanceCount: 1,
          InstanceType: trainingInstanceType,
          VolumeSizeInGB: 30,
          VolumeKmsKeyId: security.volumeKmsKeyArn,
        },
        ...isolatedNetwork,
        ...(spot
          ? {
              EnableManagedSpotTraining: true,
              CheckpointConfig: { S3Uri: runPrefix('checkpoints') },
              StoppingCondition: { MaxRuntimeInSeconds: 7200, MaxWaitTimeInSeconds: 14400 },
            }
          : { StoppingCondition: { MaxRuntimeInSeconds: 7200 } }),
        RoleArn: props.roleArn,
      },
    }),
  );

  const candidate = definition.addStep(
    new CreateModelStep('CreateCandidateModel', {
      description: 'A temporary model of the trained artifacts, to score the test set',
      arguments: {
        PrimaryContainer: { Image: props.images.training, ModelDataUrl: train.properties.modelArtifacts },
        ExecutionRoleArn: props.roleArn,
        EnableNetworkIsolation: true,
        VpcConfig: vpcConfig,
      },
    }),
  );

  const predict = definition.addStep(
    new TransformStep('PredictTestSet', {
      description: 'Scores the test set; each output line is the label, then the score',
      arguments: {
        ModelName: candidate.properties.modelName,
        TransformInput: {
          ContentType: 'text/csv',
          SplitType: 'Line',
          DataSource: {
            S3DataSource: { S3DataType: 'S3Prefix', S3Uri: preprocess.properties.outputUri('test') },
          },
        },
        // the test set starts with the label: score the features only, keep the label beside the score
        DataProcessing: { InputFilter: '$[1:]', JoinSource: 'Input', OutputFilter: '$[0,-1]' },
        TransformOutput: {
          S3OutputPath: runPrefix('predictions'),
          AssembleWith: 'Line',
          Accept: 'text/csv',
          KmsKeyId: security.outputKmsKeyArn,
        },
        TransformResources: {
          InstanceCount: 1,
          InstanceType: props.instanceTypes.inference,
          VolumeKmsKeyId: security.volumeKmsKeyArn,
        },
      },
    }),
  );

  const evaluate = definition.addStep(
    new ProcessingStep('Evaluate', {
      description: 'Writes the evaluation report and the model-quality baseline dataset',
      arguments: {
        AppSpecification: runScript(
          'evaluate.py',
          '--test /opt/ml/processing/test --predictions /opt/ml/processing/predictions --output /opt/ml/processing/evaluation',
        ),
        ProcessingInputs: [
          s3Input('test', preprocess.properties.outputUri('test'), '/opt/ml/processing/test'),
          s3Input('predictions', predict.properties.outputPath, '/opt/ml/processing/predictions'),
          s3Input('code', props.codeUri, CODE_DIR),
        ],
        ProcessingOutputConfig: outputs(s3Output('evaluation', '/opt/ml/processing/evaluation', 'evaluation')),
        ProcessingResources: cluster,
        NetworkConfig: isolatedNetwork,
        RoleArn: props.roleArn,
        StoppingCondition: timeout,
      },
    }),
  );
  const report = evaluate.addPropertyFile({
    name: 'EvaluationReport',
    outputName: 'evaluation',
    path: 'evaluation.json',
  });

  const monitorJob = (dataset: PipelineValue, name: string, environment: Record<string, string>) => ({
    AppSpecification: { ImageUri: props.images.monitor },
    Environment: {
      dataset_source: '/opt/ml/processing/input/baseline_dataset_input',
      output_path: '/opt/ml/processing/output',
      publish_cloudwatch_metrics: 'Disabled',
      ...environment,
    },
    ProcessingInputs: [s3Input('baseline_dataset_input', dataset, '/opt/ml/processing/input/baseline_dataset_input')],
    ProcessingOutputConfig: outputs(s3Output('quality_check_output', '/opt/ml/processing/output', 'baselines', name)),
    ProcessingResources: cluster,
    NetworkConfig: isolatedNetwork,
    RoleArn: props.roleArn,
    StoppingCondition: timeout,
  });
  // Each run calculates fresh baselines and registers them as the drift baselines of its version; there is no
  // previous baseline to check against on the first run of a model group.
  const checkProps = {
    modelPackageGroupName: props.modelPackageGroupName,
    skipCheck: true,
    registerNewBaseline: true,
  };
  const dataQuality = definition.addStep(
    new QualityCheckStep('DataQualityBaseline', {
      ...checkProps,
      checkType: 'DATA_QUALITY',
      arguments: monitorJob(preprocess.properties.outputUri('baseline'), 'data-quality', {
        dataset_format: '{"csv": {"header": true, "output_columns_position": "START"}}',
      }),
    }),
  );
  const modelQuality = definition.addStep(
    new QualityCheckStep('ModelQualityBaseline', {
      ...checkProps,
      checkType: 'MODEL_QUALITY',
      arguments: monitorJob(
        Join.on('/', [evaluate.properties.outputUri('evaluation'), 'model_quality.csv']),
        'model-quality',
        {
          analysis_type: 'MODEL_QUALITY',
          dataset_format: '{"csv": {"header": true}}',
          problem_type: 'BinaryClassification',
          inference_attribute: 'prediction',
          probability_attribute: 'probability',
          ground_truth_attribute: 'label',
          probability_threshold_attribute: '0.5',
        },
      ),
    }),
  );

  const statistics = (stats: PipelineValue, constraints: PipelineValue) => ({
    Statistics: { ContentType: 'application/json', S3Uri: stats },
    Constraints: { ContentType: 'application/json', S3Uri: constraints },
  });
  const register = new RegisterModelStep('RegisterModel', {
    description: 'Registers the version for review; only a ModelApprover approves it',
    arguments: {
      ModelPackageGroupName: props.modelPackageGroupName,
      ModelApprovalStatus: 'PendingManualApproval',
      InferenceSpecification: {
        // the same feature transform as training, in front of the model: no training-serving skew
        Containers: [
          {
            Image: props.images.processing,
            ModelDataUrl: Join.on('/', [preprocess.properties.outputUri('spec'), 'model.tar.gz']),
            Environment: {
              SAGEMAKER_PROGRAM: `${props.codePackage}_inference.py`,
              SAGEMAKER_SUBMIT_DIRECTORY: '/opt/ml/model/code',
            },
          },
          { Image: props.images.training, ModelDataUrl: train.properties.modelArtifacts },
        ],
        SupportedContentTypes: [props.contentType],
        SupportedResponseMIMETypes: ['text/csv'],
        SupportedRealtimeInferenceInstanceTypes: [props.instanceTypes.inference],
        SupportedTransformInstanceTypes: [props.instanceTypes.inference],
      },
      ModelMetrics: {
        ModelQuality: statistics(
          modelQuality.properties.calculatedBaselineStatistics,
          modelQuality.properties.calculatedBaselineConstraints,
        ),
        ModelDataQuality: statistics(
          dataQuality.properties.calculatedBaselineStatistics,
          dataQuality.properties.calculatedBaselineConstraints,
        ),
      },
      DriftCheckBaselines: {
        ModelQuality: statistics(
          modelQuality.properties.baselineUsedForDriftCheckStatistics,
          modelQuality.properties.baselineUsedForDriftCheckConstraints,
        ),
        ModelDataQuality: statistics(
          dataQuality.properties.baselineUsedForDriftCheckStatistics,
          dataQuality.properties.baselineUsedForDriftCheckConstraints,
        ),
      },
    },
  });

  const metric = jsonGet(report, `metrics.${props.gate.metric}.value`);
  definition.addStep(
    new ConditionStep('CheckMetric', {
      description: `Registers the model only if ${props.gate.metric} is at least the threshold`,
      dependsOn: [dataQuality, modelQuality],
      conditions: [Condition.greaterThanOrEqualTo(metric, threshold)],
      ifSteps: [register],
      elseSteps: [
        new FailStep('MetricBelowThreshold', {
          errorMessage: Join.on(' ', [props.gate.metric, metric, 'is below the threshold', threshold]),
        }),
      ],
    }),
  );
  return definition;
}
