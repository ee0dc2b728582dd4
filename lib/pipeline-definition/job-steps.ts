import type {
  CreateModelArguments,
  RegisterModelArguments,
  TrainingArguments,
  TransformArguments,
  TuningArguments,
} from './pipelined';
import type { RenderContext } from './rendering';
import { CacheableStep, type CacheableStepProps, RetryableStep, type RetryableStepProps } from './step';
import { Join, type PipelineValue, StepProperty } from './values';

/** What a training step accepts. */
export interface TrainingStepProps extends CacheableStepProps {
  /** The `CreateTrainingJob` request, without the job name. */
  readonly arguments: TrainingArguments;
}

/** The properties of a training step's job. */
export class TrainingStepProperties {
  public constructor(private readonly step: TrainingStep) {}

  /** The S3 URI of the model artifacts: `ModelArtifacts.S3ModelArtifacts`. */
  public get modelArtifacts(): StepProperty {
    return new StepProperty(this.step, 'ModelArtifacts.S3ModelArtifacts');
  }

  /** `TrainingJobName`. */
  public get trainingJobName(): StepProperty {
    return new StepProperty(this.step, 'TrainingJobName');
  }

  /** `TrainingJobArn`. */
  public get trainingJobArn(): StepProperty {
    return new StepProperty(this.step, 'TrainingJobArn');
  }

  /** The final value of a metric: `FinalMetricDataList['<metricName>'].Value`. */
  public finalMetricValue(metricName: string): StepProperty {
    return new StepProperty(this.step, `FinalMetricDataList['${metricName}'].Value`);
  }
}

/** A `Training` step: runs a training job. */
export class TrainingStep extends CacheableStep {
  public readonly arguments: TrainingArguments;
  public readonly properties: TrainingStepProperties;
  protected readonly propertyNames: readonly string[] = [
    'TrainingJobName',
    'TrainingJobArn',
    'TuningJobArn',
    'ModelArtifacts',
    'TrainingJobStatus',
    'SecondaryStatus',
    'FailureReason',
    'HyperParameters',
    'AlgorithmSpecification',
    'RoleArn',
    'InputDataConfig',
    'OutputDataConfig',
    'ResourceConfig',
    'VpcConfig',
    'StoppingCondition',
    'CreationTime',
    'TrainingStartTime',
    'TrainingEndTime',
    'LastModifiedTime',
    'FinalMetricDataList',
    'EnableNetworkIsolation',
    'EnableInterContainerTrafficEncryption',
    'EnableManagedSpotTraining',
    'CheckpointConfig',
    'TrainingTimeInSeconds',
    'BillableTimeInSeconds',
    'DebugHookConfig',
    'ExperimentConfig',
    'TensorBoardOutputConfig',
    'Environment',
    'RetryStrategy',
    'OutputModelPackageArn',
  ];

  public constructor(name: string, props: TrainingStepProps) {
    super(name, 'Training', props);
    this.arguments = props.arguments;
    this.properties = new TrainingStepProperties(this);
  }

  public renderArguments(context: RenderContext): unknown {
    return context.value(this.arguments);
  }
}

/** What a tuning step accepts. */
export interface TuningStepProps extends CacheableStepProps {
  /** The `CreateHyperParameterTuningJob` request, without the job name. */
  readonly arguments: TuningArguments;
}

/** The properties of a tuning step's job. */
export class TuningStepProperties {
  public constructor(private readonly step: TuningStep) {}

  /** The name of the best training job: `BestTrainingJob.TrainingJobName`. */
  public get bestTrainingJobName(): StepProperty {
    return new StepProperty(this.step, 'BestTrainingJob.TrainingJobName');
  }

  /** The objective metric of the best training job: `BestTrainingJob.FinalHyperParameterTuningJobObjectiveMetric.Value`. */
  public get bestObjectiveValue(): StepProperty {
    return new StepProperty(this.step, 'BestTrainingJob.FinalHyperParameterTuningJobObjectiveMetric.Value');
  }

  /** The name of the training job ranked `rank` (0 is the best): `TrainingJobSummaries[<rank>].TrainingJobName`. */
  public trainingJobName(rank: number): StepProperty {
    if (!Number.isSafeInteger(rank) || rank < 0) {
      throw new Error(`step "${this.step.name}": training job rank ${rank} must be a non-negative integer`);
    }
    return new StepProperty(this.step, `TrainingJobSummaries[${rank}].TrainingJobName`);
  }

  /**
   * The model artifacts of the training job ranked `rank`, under the tuning job's `S3OutputPath`:
   * `<outputPath>/<training job name>/output/model.tar.gz`.
   */
  public topModelS3Uri(rank: number, outputPath: string | PipelineValue): Join {
    return Join.on('/', [outputPath, this.trainingJobName(rank), 'output/model.tar.gz']);
  }
}

/** A `Tuning` step: runs a hyperparameter tuning job. */
export class TuningStep extends CacheableStep {
  public readonly arguments: TuningArguments;
  public readonly properties: TuningStepProperties;
  protected readonly propertyNames: readonly string[] = [
    'HyperParameterTuningJobName',
    'HyperParameterTuningJobArn',
    'HyperParameterTuningJobConfig',
    'TrainingJobDefinition',
    'TrainingJobDefinitions',
    'HyperParameterTuningJobStatus',
    'CreationTime',
    'HyperParameterTuningEndTime',
    'LastModifiedTime',
    'TrainingJobStatusCounters',
    'ObjectiveStatusCounters',
    'BestTrainingJob',
    'OverallBestTrainingJob',
    'WarmStartConfig',
    'FailureReason',
    'TrainingJobSummaries',
  ];

  public constructor(name: string, props: TuningStepProps) {
    super(name, 'Tuning', props);
    this.arguments = props.arguments;
    this.properties = new TuningStepProperties(this);
  }

  public renderArguments(context: RenderContext): unknown {
    return context.value(this.arguments);
  }
}

/** What a transform step accepts. */
export interface TransformStepProps extends CacheableStepProps {
  /** The `CreateTransformJob` request, without the job name. */
  readonly arguments: TransformArguments;
}

/** The properties of a transform step's job. */
export class TransformStepProperties {
  public constructor(private readonly step: TransformStep) {}

  /** Where the job wrote its output: `TransformOutput.S3OutputPath`. */
  public get outputPath(): StepProperty {
    return new StepProperty(this.step, 'TransformOutput.S3OutputPath');
  }

  /** `TransformJobName`. */
  public get transformJobName(): StepProperty {
    return new StepProperty(this.step, 'TransformJobName');
  }

  /** `TransformJobArn`. */
  public get transformJobArn(): StepProperty {
    return new StepProperty(this.step, 'TransformJobArn');
  }
}

/** A `Transform` step: runs a batch transform job. */
export class TransformStep extends CacheableStep {
  public readonly arguments: TransformArguments;
  public readonly properties: TransformStepProperties;
  protected readonly propertyNames: readonly string[] = [
    'TransformJobName',
    'TransformJobArn',
    'TransformJobStatus',
    'FailureReason',
    'ModelName',
    'MaxConcurrentTransforms',
    'ModelClientConfig',
    'MaxPayloadInMB',
    'BatchStrategy',
    'Environment',
    'TransformInput',
    'TransformOutput',
    'DataCaptureConfig',
    'TransformResources',
    'CreationTime',
    'TransformStartTime',
    'TransformEndTime',
    'DataProcessing',
    'ExperimentConfig',
  ];

  public constructor(name: string, props: TransformStepProps) {
    super(name, 'Transform', props);
    this.arguments = props.arguments;
    this.properties = new TransformStepProperties(this);
  }

  public renderArguments(context: RenderContext): unknown {
    return context.value(this.arguments);
  }
}

/** What a create-model step accepts. */
export interface CreateModelStepProps extends RetryableStepProps {
  /** The `CreateModel` request, without the model name. */
  readonly arguments: CreateModelArguments;
}

/** The properties of a create-model step's model. */
export class CreateModelStepProperties {
  public constructor(private readonly step: CreateModelStep) {}

  /** `ModelName`. */
  public get modelName(): StepProperty {
    return new StepProperty(this.step, 'ModelName');
  }

  /** `ModelArn`. */
  public get modelArn(): StepProperty {
    return new StepProperty(this.step, 'ModelArn');
  }
}

/** A `Model` step: creates a SageMaker model. */
export class CreateModelStep extends RetryableStep {
  public readonly arguments: CreateModelArguments;
  public readonly properties: CreateModelStepProperties;
  protected readonly propertyNames: readonly string[] = [
    'ModelName',
    'PrimaryContainer',
    'Containers',
    'InferenceExecutionConfig',
    'ExecutionRoleArn',
    'VpcConfig',
    'CreationTime',
    'ModelArn',
    'EnableNetworkIsolation',
  ];

  public constructor(name: string, props: CreateModelStepProps) {
    super(name, 'Model', props);
    this.arguments = props.arguments;
    this.properties = new CreateModelStepProperties(this);
  }

  public renderArguments(context: RenderContext): unknown {
    return context.value(this.arguments);
  }
}

/** What a register-model step accepts. */
export interface RegisterModelStepProps extends RetryableStepProps {
  /** The `CreateModelPackage` request of a model package version in a group. */
  readonly arguments: RegisterModelArguments;
}

/** The properties of a register-model step's model package. */
export class RegisterModelStepProperties {
  public constructor(private readonly step: RegisterModelStep) {}

  /** `ModelPackageArn`. */
  public get modelPackageArn(): StepProperty {
    return new StepProperty(this.step, 'ModelPackageArn');
  }

  /** `ModelPackageVersion`. */
  public get modelPackageVersion(): StepProperty {
    return new StepProperty(this.step, 'ModelPackageVersion');
  }
}

/** A `RegisterModel` step: registers a model package version in a model package group. */
export class RegisterModelStep extends RetryableStep {
  public readonly arguments: RegisterModelArguments;
  public readonly properties: RegisterModelStepProperties;
  protected readonly propertyNames: readonly string[] = [
    'ModelPackageName',
    'ModelPackageGroupName',
    'ModelPackageVersion',
    'ModelPackageArn',
    'ModelPackageDescription',
    'CreationTime',
    'InferenceSpecification',
    'ModelPackageStatus',
    'ModelPackageStatusDetails',
    'ModelApprovalStatus',
    'MetadataProperties',
    'ModelMetrics',
    'LastModifiedTime',
    'ApprovalDescription',
    'CustomerMetadataProperties',
    'DriftCheckBaselines',
  ];

  public constructor(name: string, props: RegisterModelStepProps) {
    super(name, 'RegisterModel', props);
    this.arguments = props.arguments;
    this.properties = new RegisterModelStepProperties(this);
  }

  public renderArguments(context: RenderContext): unknown {
    return context.value(this.arguments);
  }
}
