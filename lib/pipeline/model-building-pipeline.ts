import type {
  ProcessingInstanceType,
  ProductionVariantInstanceType,
  TrainingInstanceType,
  TransformInstanceType,
} from '@aws-sdk/client-sagemaker';
import { Token } from 'aws-cdk-lib';
import { pipelineArtifactsPrefix } from '../naming';
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
  type ProcessingArguments,
  ProcessingStep,
  QualityCheckStep,
  RegisterModelStep,
  TrainingStep,
  TransformStep,
} from '../pipeline-definition';
import type { FeatureType } from '../vocabulary';
import { type ModelCardFacts, registeredModelCard } from './model-card';
import { MAX_CONTAINER_ARGUMENT_LENGTH, type TrainingFramework, trainingRecipe } from './training-recipes';

/** Where every job of the pipeline runs: the platform VPC, encrypted, isolated. */
export interface PipelineJobSecurity {
  /** Encrypts job volumes (EBS) of every processing, training and transform job. */
  readonly volumeKmsKeyArn: string;
  /** Encrypts every job output written to S3. */
  readonly outputKmsKeyArn: string;
  readonly subnetIds: readonly string[];
  readonly securityGroupIds: readonly string[];
}

/** A feature of a feature group: the ingestion job checks every raw value against its type. */
export interface PipelineFeatureDefinition {
  readonly name: string;
  readonly type: FeatureType;
}

/** The feature group that a model's training data passes through (stage 4, ADR 0015). */
export interface PipelineFeatureStore {
  /** Physical name of the feature group the raw data is written to. */
  readonly featureGroupName: string;
  /** The feature that identifies a record. */
  readonly recordIdentifier: string;
  /** The feature that holds a record's event time; rows without one get the run's time. */
  readonly eventTime: string;
  /** Every feature of the group in definition order, the record identifier and event time included. */
  readonly features: readonly PipelineFeatureDefinition[];
  /** The Glue table of the offline store, which Athena queries. */
  readonly offlineStoreTable: { readonly database: string; readonly table: string };
  /** The Athena workgroup the offline store is queried in. */
  readonly workGroupName: string;
  /** Region of the feature group and the workgroup (the pipeline's). */
  readonly region: string;
}

export interface ModelBuildingPipelineProps {
  readonly modelName: string;
  /** Role of the pipeline and of its jobs. */
  readonly roleArn: string;
  /** Bucket that receives every intermediate and final artifact, under `pipelines/<model>/<execution id>/`. */
  readonly artifactsBucketName: string;
  /** Default S3 prefix of the raw training data (a pipeline parameter, `InputDataUrl`). */
  readonly inputDataUrl: string;
  /**
   * S3 URI of the zipped ml/ code (a CDK asset): `<package>/` (prepare.py, evaluate.py and, for sklearn, train.py),
   * `<package>_inference.py`, `<package>_predictor.py` (sklearn) and `mlops_shared/` (ingest.py, offline_store.py).
   */
  readonly codeUri: string;
  /** Python package of the model in the code archive, such as `churn`. */
  readonly codePackage: string;
  /**
   * How the model trains and serves (lib/pipeline/training-recipes.ts): `xgboost`, the built-in algorithm, or
   * `sklearn`, the package's own train.py and predictor in the scikit-learn image.
   * @default 'xgboost' - also for a custom training image
   */
  readonly framework?: TrainingFramework;
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
  /**
   * Send the raw data through this feature group: `IngestFeatures` writes it to the group, `ReadOfflineStore`
   * reads the run's point-in-time snapshot from the offline store, and `Preprocess` prepares that snapshot.
   * @default - `Preprocess` reads the raw data directly
   */
  readonly featureStore?: PipelineFeatureStore;
  /**
   * Register each version with a package-level model card from these facts and the run's evaluation (stage 5,
   * lib/pipeline/model-card.ts).
   * @default - no model card
   */
  readonly card?: ModelCardFacts;
  /**
   * The champion/challenger gate (stage 5, ADR 0023): a `ChampionChallenger` step after `RegisterModel` judges the
   * new version against the served one on the same test split and writes the verdict on it.
   * @default - no gate: a ModelApprover judges each version
   */
  readonly promotion?: PipelinePromotion;
}

/** The gate step's role, policy and context; the job reads them as `PROMOTION_*` variables (mlops_shared/promotion.py). */
export interface PipelinePromotion {
  /** The gate's own role: the only one besides the ModelApprover that may change an approval status. */
  readonly roleArn: string;
  readonly project: string;
  readonly environment: string;
  /** The approved-version SSM parameter: it names the champion. */
  readonly championParameterName: string;
  /** Prefix of the champion's temporary model and transform job names. */
  readonly jobNamePrefix: string;
  readonly metric: string;
  readonly minAbsoluteImprovement: number;
  readonly minRelativeImprovement: number;
  readonly minSamples: number;
  readonly mode: 'enabled' | 'dryRun' | 'off';
  /** A passing version waits for a ModelApprover. */
  readonly manualApproval: boolean;
  /**
   * Where the model has ground truth (served in real time with data capture, stage 4 monitoring): the gate also
   * scores both models on the most recent labelled window of captured traffic.
   * @default - the test split only
   */
  readonly capturedWindow?: PipelineCapturedWindow;
}

/** The most recent labelled window of captured traffic that the gate reads (mlops_shared/capture.py). */
export interface PipelineCapturedWindow {
  /** `s3://<raw bucket>/data-capture/<model>/`: the endpoint's data capture. */
  readonly captureUri: string;
  /** `s3://<raw bucket>/<ground truth prefix>`: the labels, by event id. */
  readonly groundTruthUri: string;
  /** The window's length. */
  readonly windowHours: number;
  /** How late labels arrive: the window ends this many hours before the gate runs. */
  readonly groundTruthDelayHours: number;
  /**
   * Where the gate writes the window's joined rows for the two batch transforms, per execution: below the capture
   * prefix (`s3://<raw bucket>/data-capture/<model>/promotion-windows`), so they keep the captured data's readers.
   */
  readonly inputUri: string;
  /** The capture's key, which encrypts those rows. */
  readonly inputKmsKeyArn: string;
}

const CODE_DIR = '/opt/ml/processing/code';
const SOURCE_DIR = '/opt/ml/processing/source';

/**
 * The keys of `CustomerMetadataProperties` under which each registered version records the SHA-256 of the two
 * tarballs it serves (ADR 0020): whoever deploys or audits a version recomputes them from `ModelDataUrl`.
 */
export const ARTIFACT_DIGEST_KEYS = {
  modelData: 'model-data-sha256',
  inferenceCode: 'inference-code-sha256',
} as const;

/**
 * Hashes the one file of each input folder and writes `digests/digests.json`; fails on none or several. Shell and
 * coreutils only, so the job needs no code asset and runs network-isolated; it fits one 256-character argument.
 */
const DIGEST_SCRIPT = [
  'set -eo pipefail; cd /opt/ml/processing',
  'h(){ sha256sum "$(find $1 -type f)" | cut -c1-64; }',
  'm=$(h model); c=$(h inference-code); mkdir -p digests',
  `printf '{"model_data":{"sha256":"%s"},"inference_code":{"sha256":"%s"}}' $m $c > digests/digests.json`,
].join('; ');

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
  const triggerReason = definition.addParameter(Parameters.string('TriggerReason', 'manual'));
  const threshold = definition.addParameter(Parameters.float('MetricThreshold', props.gate.threshold));
  const trainingInstanceType = definition.addParameter(
    Parameters.string('TrainingInstanceType', props.instanceTypes.training),
  );

  const runPrefix = (...parts: string[]) =>
    Join.on('/', [
      `s3://${props.artifactsBucketName}`,
      ...pipelineArtifactsPrefix(props.modelName)
        .split('/')
        .filter((part) => part !== ''),
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
  // The code arrives as the CDK asset zip; the container unpacks it and runs the script by path. The script's
  // options travel as ContainerArguments ("$@"): each entrypoint element is limited to 256 characters.
  // A script of the model's package by default, or of another folder of the archive (`mlops_shared`).
  const entrypoint = (script: string, folder = props.codePackage) => [
    'bash',
    '-c',
    `set -e; python3 -m zipfile -e ${CODE_DIR}/*.zip ${SOURCE_DIR} && exec python3 ${SOURCE_DIR}/${folder}/${script} "$@"`,
    script,
  ];
  const runScript = (script: string, args: string) => ({
    ImageUri: props.images.processing,
    ContainerEntrypoint: entrypoint(script),
    ContainerArguments: args.split(' '),
  });
  const timeout = { MaxRuntimeInSeconds: 3600 };
  // No step caching: the input is a fixed prefix, so a cached step would ignore new data under it.

  const rawData = props.featureStore
    ? addFeatureStoreSteps(definition, props.modelName, props.featureStore, {
        rawData: inputData,
        code: s3Input('code', props.codeUri, CODE_DIR),
        image: props.images.processing,
        entrypoint,
        s3Input,
        outputs: (name, localPath) => outputs(s3Output(name, localPath, 'features', name)),
        cluster,
        // Not network-isolated, unlike every other job: these two call Feature Store, Athena and S3 themselves.
        // They stay in the VPC, whose isolated subnets reach those APIs only through its VPC endpoints.
        network: { EnableNetworkIsolation: false, EnableInterContainerTrafficEncryption: true, VpcConfig: vpcConfig },
        roleArn: props.roleArn,
        timeout,
      })
    : inputData;

  const preprocess = definition.addStep(
    new ProcessingStep('Preprocess', {
      description: 'Runs the feature transform of the model on the raw data and splits it',
      arguments: {
        AppSpecification: runScript(
          'prepare.py',
          '--input /opt/ml/processing/input --output /opt/ml/processing/output',
        ),
        ProcessingInputs: [
          s3Input('raw', rawData, '/opt/ml/processing/input'),
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

  const recipe = trainingRecipe(props.framework, {
    image: props.images.training,
    codePackage: props.codePackage,
    codeUri: props.codeUri,
  });
  const tooLong = recipe.containerStrings.filter(
    (value) => !Token.isUnresolved(value) && value.length > MAX_CONTAINER_ARGUMENT_LENGTH,
  );
  if (tooLong.length > 0) {
    throw new Error(
      `model "${props.modelName}": training container argument ${tooLong.map((v) => `"${v}"`).join(', ')} is longer than ${MAX_CONTAINER_ARGUMENT_LENGTH} characters; shorten training.package`,
    );
  }
  const modelContainer = (modelDataUrl: PipelineValue) => ({ ...recipe.modelContainer, ModelDataUrl: modelDataUrl });

  const spot = props.spotTraining ?? false;
  const train = definition.addStep(
    new TrainingStep('Train', {
      description:
        props.framework === 'sklearn'
          ? "Trains the model with the package's train.py in the scikit-learn image"
          : 'Trains the model with the built-in algorithm',
      arguments: {
        ...recipe.algorithm,
        InputDataConfig: [
          ...['train', 'validation'].map((channel) => ({
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
          ...recipe.extraChannels,
        ],
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

  // What the version will serve: the model tarball and the feature transform's inference-code tarball.
  const modelData = train.properties.modelArtifacts;
  const inferenceCode = Join.on('/', [preprocess.properties.outputUri('spec'), 'model.tar.gz']);
  const digests = definition.addStep(
    new ProcessingStep('RecordArtifactDigests', {
      description: 'Hashes the model and inference-code tarballs, so that the registered version records them',
      arguments: {
        AppSpecification: { ImageUri: props.images.processing, ContainerEntrypoint: ['bash', '-c', DIGEST_SCRIPT] },
        ProcessingInputs: [
          s3Input('model', modelData, '/opt/ml/processing/model'),
          s3Input('inference-code', inferenceCode, '/opt/ml/processing/inference-code'),
        ],
        ProcessingOutputConfig: outputs(s3Output('digests', '/opt/ml/processing/digests', 'digests')),
        ProcessingResources: cluster,
        NetworkConfig: isolatedNetwork,
        RoleArn: props.roleArn,
        StoppingCondition: timeout,
      },
    }),
  );
  const digestFile = digests.addPropertyFile({ name: 'ArtifactDigests', outputName: 'digests', path: 'digests.json' });

  const candidate = definition.addStep(
    new CreateModelStep('CreateCandidateModel', {
      description: 'A temporary model of the trained artifacts, to score the test set',
      arguments: {
        PrimaryContainer: modelContainer(train.properties.modelArtifacts),
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
  const metric = jsonGet(report, `metrics.${props.gate.metric}.value`);
  const card =
    props.card &&
    registeredModelCard(props.card, {
      metric: { name: props.gate.metric, value: metric, threshold },
      inputData,
      featureGroupName: props.featureStore?.featureGroupName,
      startedAt: ExecutionVariables.START_DATETIME,
      executionId: ExecutionVariables.PIPELINE_EXECUTION_ID,
      triggerReason,
      modelData,
      testData: preprocess.properties.outputUri('test'),
      dataQualityBaseline: dataQuality.properties.calculatedBaselineStatistics,
      modelQualityBaseline: modelQuality.properties.calculatedBaselineStatistics,
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
            ModelDataUrl: inferenceCode,
            Environment: {
              SAGEMAKER_PROGRAM: `${props.codePackage}_inference.py`,
              SAGEMAKER_SUBMIT_DIRECTORY: '/opt/ml/model/code',
            },
          },
          modelContainer(modelData),
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
      CustomerMetadataProperties: {
        [ARTIFACT_DIGEST_KEYS.modelData]: jsonGet(digestFile, 'model_data.sha256'),
        [ARTIFACT_DIGEST_KEYS.inferenceCode]: jsonGet(digestFile, 'inference_code.sha256'),
      },
      ...(card ? { ModelCard: card } : {}),
    },
  });

  const gate = props.promotion && [
    new ProcessingStep('ChampionChallenger', {
      description: props.promotion.capturedWindow
        ? 'Scores the new version and the served one on the test split and the latest labelled captured traffic; writes the verdict'
        : 'Scores the new version and the served one on the same test split and writes the verdict on it',
      arguments: {
        AppSpecification: {
          ImageUri: props.images.processing,
          ContainerEntrypoint: entrypoint('promotion.py', SHARED_PACKAGE),
          ContainerArguments: [
            '--package-arn',
            register.properties.modelPackageArn,
            '--test',
            '/opt/ml/processing/test',
            '--predictions',
            '/opt/ml/processing/predictions',
            '--test-uri',
            preprocess.properties.outputUri('test'),
            '--champion-output',
            runPrefix('champion'),
            // the verdict names the execution that produced the version, so the retraining loop can join it
            '--pipeline-execution-arn',
            ExecutionVariables.PIPELINE_EXECUTION_ARN,
            // the challenger is scored on the captured window through the model its test-split predictions came from
            ...(props.promotion.capturedWindow
              ? [
                  '--challenger-model',
                  candidate.properties.modelName,
                  '--window-input',
                  Join.on('/', [props.promotion.capturedWindow.inputUri, ExecutionVariables.PIPELINE_EXECUTION_ID]),
                  '--window-output',
                  runPrefix('captured-window'),
                ]
              : []),
          ],
        },
        Environment: promotionEnvironment(props.promotion, {
          threshold: props.gate.threshold,
          modelName: props.modelName,
          modelRoleArn: props.roleArn,
          instanceType: props.instanceTypes.inference,
          kmsKeyArn: security.outputKmsKeyArn,
          subnets: security.subnetIds,
          securityGroups: security.securityGroupIds,
        }),
        ProcessingInputs: [
          s3Input('test', preprocess.properties.outputUri('test'), '/opt/ml/processing/test'),
          s3Input('predictions', predict.properties.outputPath, '/opt/ml/processing/predictions'),
          s3Input('code', props.codeUri, CODE_DIR),
        ],
        ProcessingResources: cluster,
        // not network-isolated: the job calls SSM, SageMaker, S3 and EventBridge, through the VPC's endpoints
        NetworkConfig: {
          EnableNetworkIsolation: false,
          EnableInterContainerTrafficEncryption: true,
          VpcConfig: vpcConfig,
        },
        RoleArn: props.promotion.roleArn,
        StoppingCondition: { MaxRuntimeInSeconds: 7200 },
      },
    }),
  ];

  definition.addStep(
    new ConditionStep('CheckMetric', {
      description: `Registers the model only if ${props.gate.metric} is at least the threshold`,
      // a version is registered only with the digests of what it serves
      dependsOn: [dataQuality, modelQuality, digests],
      conditions: [Condition.greaterThanOrEqualTo(metric, threshold)],
      ifSteps: [register, ...(gate ?? [])],
      elseSteps: [
        new FailStep('MetricBelowThreshold', {
          errorMessage: Join.on(' ', [props.gate.metric, metric, 'is below the threshold', threshold]),
        }),
      ],
    }),
  );
  return definition;
}

/** The `PROMOTION_*` variables of the gate job (mlops_shared/promotion.py `policy_from_environment`, `run_gate`). */
function promotionEnvironment(
  promotion: PipelinePromotion,
  job: {
    readonly threshold: number;
    readonly modelName: string;
    readonly modelRoleArn: string;
    readonly instanceType: string;
    readonly kmsKeyArn: string;
    readonly subnets: readonly string[];
    readonly securityGroups: readonly string[];
  },
): Record<string, string> {
  return {
    PROMOTION_METRIC: promotion.metric,
    PROMOTION_MIN_ABSOLUTE_IMPROVEMENT: String(promotion.minAbsoluteImprovement),
    PROMOTION_MIN_RELATIVE_IMPROVEMENT: String(promotion.minRelativeImprovement),
    PROMOTION_MIN_SAMPLES: String(promotion.minSamples),
    PROMOTION_MODE: promotion.mode,
    PROMOTION_MANUAL_APPROVAL: String(promotion.manualApproval),
    PROMOTION_THRESHOLD: String(job.threshold),
    PROMOTION_PROJECT: promotion.project,
    PROMOTION_ENVIRONMENT: promotion.environment,
    PROMOTION_MODEL: job.modelName,
    PROMOTION_CHAMPION_PARAMETER: promotion.championParameterName,
    PROMOTION_JOB_PREFIX: promotion.jobNamePrefix,
    PROMOTION_MODEL_ROLE_ARN: job.modelRoleArn,
    PROMOTION_INSTANCE_TYPE: job.instanceType,
    PROMOTION_KMS_KEY_ARN: job.kmsKeyArn,
    PROMOTION_SUBNETS: job.subnets.join(','),
    PROMOTION_SECURITY_GROUPS: job.securityGroups.join(','),
    ...capturedWindowEnvironment(promotion.capturedWindow),
  };
}

/** The captured window's `PROMOTION_*` variables (mlops_shared/promotion.py `window_from_environment`); none without one. */
function capturedWindowEnvironment(window: PipelineCapturedWindow | undefined): Record<string, string> {
  if (!window) return {};
  return {
    PROMOTION_CAPTURE_URI: window.captureUri,
    PROMOTION_GROUND_TRUTH_URI: window.groundTruthUri,
    PROMOTION_WINDOW_HOURS: String(window.windowHours),
    PROMOTION_GROUND_TRUTH_DELAY_HOURS: String(window.groundTruthDelayHours),
    PROMOTION_WINDOW_KMS_KEY_ARN: window.inputKmsKeyArn,
  };
}

/** What the feature store steps share with the rest of the pipeline. */
interface FeatureStoreStepContext {
  /** The raw data: the `InputDataUrl` parameter. */
  readonly rawData: PipelineValue;
  readonly code: ProcessingInput;
  readonly image: string;
  /** Unpacks the code and runs a script of a folder of the archive (default the model's package) with the container arguments. */
  readonly entrypoint: (script: string, folder?: string) => string[];
  readonly s3Input: (name: string, uri: string | PipelineValue, localPath: string) => ProcessingInput;
  readonly outputs: (name: string, localPath: string) => ProcessingArguments['ProcessingOutputConfig'];
  readonly cluster: ProcessingArguments['ProcessingResources'];
  readonly network: ProcessingArguments['NetworkConfig'];
  readonly roleArn: string;
  readonly timeout: ProcessingArguments['StoppingCondition'];
}

type ProcessingInput = NonNullable<ProcessingArguments['ProcessingInputs']>[number];

/** Limit of a processing job's `ContainerArguments` elements (each at most MAX_CONTAINER_ARGUMENT_LENGTH characters). */
const MAX_CONTAINER_ARGUMENTS = 100;
/** The package of the code archive that every model shares: the feature store entry points (ingest, offline_store). */
export const SHARED_PACKAGE = 'mlops_shared';
/** Columns Feature Store adds to every offline store row; a feature cannot have their names. */
const RESERVED_FEATURE_NAMES = ['api_invocation_time', 'write_time', 'is_deleted'];

/**
 * `IngestFeatures` (raw data -> feature group, `manifest.json` out) then `ReadOfflineStore` (waits for the
 * run's records in the offline store, writes the point-in-time snapshot); returns the snapshot's S3 URI.
 */
function addFeatureStoreSteps(
  definition: PipelineDefinition,
  modelName: string,
  store: PipelineFeatureStore,
  context: FeatureStoreStepContext,
): PipelineValue {
  const ingestArguments = [
    ...['--input', '/opt/ml/processing/input', '--output', '/opt/ml/processing/manifest'],
    ...['--feature-group', store.featureGroupName, '--region', store.region],
    ...['--record-identifier', store.recordIdentifier, '--event-time-feature', store.eventTime],
    // one argument per feature: a JSON document of them would soon pass the 256-character limit of an argument
    '--features',
    ...store.features.map((feature) => `${feature.name}:${feature.type}`),
  ];
  const readArguments = [
    ...['--manifest', '/opt/ml/processing/manifest', '--output', '/opt/ml/processing/snapshot'],
    ...['--database', store.offlineStoreTable.database, '--table', store.offlineStoreTable.table],
    ...['--workgroup', store.workGroupName, '--region', store.region],
  ];
  const entrypoints = {
    ingest: context.entrypoint('ingest.py', SHARED_PACKAGE),
    read: context.entrypoint('offline_store.py', SHARED_PACKAGE),
  };
  const problems = featureStoreProblems(
    store,
    [ingestArguments, readArguments],
    [...entrypoints.ingest, ...entrypoints.read],
  );
  if (problems.length > 0) {
    throw new Error(`model "${modelName}": invalid feature store ingestion: ${problems.join('; ')}`);
  }
  const job = (entrypoint: string[], containerArguments: string[]) => ({
    AppSpecification: {
      ImageUri: context.image,
      ContainerEntrypoint: entrypoint,
      ContainerArguments: containerArguments,
    },
    ProcessingResources: context.cluster,
    NetworkConfig: context.network,
    RoleArn: context.roleArn,
    StoppingCondition: context.timeout,
  });

  const ingest = definition.addStep(
    new ProcessingStep('IngestFeatures', {
      description: "Validates the raw data against the model's feature group and writes it there",
      arguments: {
        ...job(entrypoints.ingest, ingestArguments),
        ProcessingInputs: [context.s3Input('raw', context.rawData, '/opt/ml/processing/input'), context.code],
        ProcessingOutputConfig: context.outputs('manifest', '/opt/ml/processing/manifest'),
      },
    }),
  );
  const read = definition.addStep(
    new ProcessingStep('ReadOfflineStore', {
      description: 'Waits for the run in the offline store, then reads its point-in-time training snapshot',
      arguments: {
        ...job(entrypoints.read, readArguments),
        ProcessingInputs: [
          context.s3Input('manifest', ingest.properties.outputUri('manifest'), '/opt/ml/processing/manifest'),
          context.code,
        ],
        ProcessingOutputConfig: context.outputs('snapshot', '/opt/ml/processing/snapshot'),
      },
    }),
  );
  return read.properties.outputUri('snapshot');
}

/** Every problem of the feature store props, with the entrypoints and container arguments they give. */
function featureStoreProblems(
  store: PipelineFeatureStore,
  argumentLists: readonly string[][],
  entrypoints: readonly string[],
): string[] {
  const problems: string[] = [];
  const names = store.features.map((feature) => feature.name);
  const duplicates = [...new Set(names.filter((name, i) => names.indexOf(name) !== i))];
  if (duplicates.length > 0) problems.push(`duplicate features ${duplicates.map((n) => `"${n}"`).join(', ')}`);
  for (const name of names.filter((n) => RESERVED_FEATURE_NAMES.includes(n))) {
    problems.push(`feature "${name}" has a name that Feature Store reserves for the offline store`);
  }
  const roles: [string, string, readonly FeatureType[]][] = [
    ['record identifier', store.recordIdentifier, ['string', 'integral']],
    ['event time', store.eventTime, ['string', 'fractional']],
  ];
  for (const [role, name, types] of roles) {
    const feature = store.features.find((f) => f.name === name);
    if (!feature) problems.push(`${role} "${name}" is not one of the features (${names.join(', ') || 'none'})`);
    else if (!types.includes(feature.type)) {
      problems.push(`${role} "${name}" has type "${feature.type}", expected ${types.join(' or ')}`);
    }
  }
  for (const list of argumentLists) {
    if (list.length > MAX_CONTAINER_ARGUMENTS) {
      problems.push(
        `${store.features.length} features need ${list.length} container arguments, more than the ${MAX_CONTAINER_ARGUMENTS} a processing job takes`,
      );
    }
  }
  for (const value of [...entrypoints, ...argumentLists.flat()]) {
    if (!Token.isUnresolved(value) && value.length > MAX_CONTAINER_ARGUMENT_LENGTH) {
      problems.push(`argument "${value}" is longer than ${MAX_CONTAINER_ARGUMENT_LENGTH} characters`);
    }
  }
  return problems;
}
