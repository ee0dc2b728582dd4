import type { ProcessingArguments } from './pipelined';
import type { RenderContext } from './rendering';
import { CacheableStep, type CacheableStepProps, quoteList } from './step';
import { PipelineValue, StepProperty } from './values';

/** The top-level properties of a processing job (`DescribeProcessingJobResponse`). */
export const PROCESSING_JOB_PROPERTIES = [
  'ProcessingInputs',
  'ProcessingOutputConfig',
  'ProcessingJobName',
  'ProcessingResources',
  'StoppingCondition',
  'AppSpecification',
  'Environment',
  'NetworkConfig',
  'RoleArn',
  'ExperimentConfig',
  'ProcessingJobArn',
  'ProcessingJobStatus',
  'ExitMessage',
  'FailureReason',
  'ProcessingEndTime',
  'ProcessingStartTime',
  'LastModifiedTime',
  'CreationTime',
  'MonitoringScheduleArn',
  'AutoMLJobArn',
  'TrainingJobArn',
] as const;

/** The names of the outputs of processing arguments, or `undefined` when one of them is not a literal string. */
export function processingOutputNames(args: ProcessingArguments): string[] | undefined {
  const names = (args.ProcessingOutputConfig?.Outputs ?? []).map((output) => output.OutputName);
  return names.every((name): name is string => typeof name === 'string') ? names : undefined;
}

/** A property file: a JSON file in a processing output that later steps read with `JsonGet`. */
export interface PropertyFileProps {
  /** The property file name, referenced as `Steps.<step>.PropertyFiles.<name>`. */
  readonly name: string;
  /** The processing output the file is written to. */
  readonly outputName: string;
  /** The path of the file in the output, for example `evaluation.json`. */
  readonly path: string;
}

/** A property file of a processing step. */
export class PropertyFile {
  public constructor(
    /** The processing step that writes it. */
    public readonly step: ProcessingStep,
    /** The property file name. */
    public readonly name: string,
  ) {}
}

/**
 * `{"Std:JsonGet": {"PropertyFile": {"Get": "Steps.<step>.PropertyFiles.<name>"}, "Path": path}}`: a value read
 * from a property file when the pipeline runs.
 */
export class JsonGet extends PipelineValue {
  public constructor(
    public readonly propertyFile: PropertyFile,
    /** The JSON path in the file, for example `metrics.auc.value`. */
    public readonly jsonPath: string,
  ) {
    super();
  }

  public renderJson(context: RenderContext): unknown {
    const { step, name } = this.propertyFile;
    context.referenceStep(step, () =>
      step.propertyFiles.some((file) => file.name === name)
        ? undefined
        : `property file "${name}" of step "${step.name}", which declares no such property file ` +
          `(its property files: ${quoteList(step.propertyFiles.map((file) => file.name))})`,
    );
    return {
      'Std:JsonGet': { PropertyFile: { Get: `Steps.${step.name}.PropertyFiles.${name}` }, Path: this.jsonPath },
    };
  }

  public describe(): string {
    return `Std:JsonGet of "${this.jsonPath}" in property file "${this.propertyFile.name}"`;
  }
}

/** Reads `jsonPath` from a property file when the pipeline runs. */
export function jsonGet(propertyFile: PropertyFile, jsonPath: string): JsonGet {
  return new JsonGet(propertyFile, jsonPath);
}

/** What a processing step accepts. */
export interface ProcessingStepProps extends CacheableStepProps {
  /** The `CreateProcessingJob` request, without the job name. */
  readonly arguments: ProcessingArguments;
}

/** The properties of a processing step's job. */
export class ProcessingStepProperties {
  public constructor(private readonly step: ProcessingStep) {}

  /** `ProcessingJobName`. */
  public get processingJobName(): StepProperty {
    return new StepProperty(this.step, 'ProcessingJobName');
  }

  /** `ProcessingJobArn`. */
  public get processingJobArn(): StepProperty {
    return new StepProperty(this.step, 'ProcessingJobArn');
  }

  /** The S3 URI of an output: `ProcessingOutputConfig.Outputs['<outputName>'].S3Output.S3Uri`. */
  public outputUri(outputName: string): StepProperty {
    const step = this.step;
    return new StepProperty(step, `ProcessingOutputConfig.Outputs['${outputName}'].S3Output.S3Uri`, () => {
      const names = processingOutputNames(step.arguments);
      return names === undefined || names.includes(outputName)
        ? undefined
        : `output "${outputName}" of step "${step.name}", which has no such output (its outputs: ${quoteList(names)})`;
    });
  }
}

/** A `Processing` step: runs a processing job. */
export class ProcessingStep extends CacheableStep {
  public readonly arguments: ProcessingArguments;
  public readonly properties: ProcessingStepProperties;
  protected readonly propertyNames: readonly string[] = PROCESSING_JOB_PROPERTIES;
  private readonly files: PropertyFileProps[] = [];

  public constructor(name: string, props: ProcessingStepProps) {
    super(name, 'Processing', props);
    this.arguments = props.arguments;
    this.properties = new ProcessingStepProperties(this);
  }

  /** The property files declared on the step. */
  public get propertyFiles(): readonly PropertyFileProps[] {
    return this.files;
  }

  /** Declares a property file (`PropertyFiles`) that later steps read with `jsonGet`. */
  public addPropertyFile(props: PropertyFileProps): PropertyFile {
    this.files.push({ ...props });
    return new PropertyFile(this, props.name);
  }

  /** A property file of the step by name; render checks that it is declared. */
  public propertyFile(name: string): PropertyFile {
    return new PropertyFile(this, name);
  }

  public renderArguments(context: RenderContext): unknown {
    return context.value(this.arguments);
  }

  protected override renderLeadingAttributes(): Record<string, unknown> {
    if (this.files.length === 0) return {};
    return {
      PropertyFiles: this.files.map((file) => ({
        PropertyFileName: file.name,
        OutputName: file.outputName,
        FilePath: file.path,
      })),
    };
  }

  public override validate(): string[] {
    const problems = super.validate();
    const outputs = processingOutputNames(this.arguments);
    const seen = new Set<string>();
    for (const file of this.files) {
      if (seen.has(file.name)) problems.push(`step "${this.name}" declares property file "${file.name}" twice`);
      seen.add(file.name);
      if (outputs !== undefined && !outputs.includes(file.outputName)) {
        problems.push(
          `property file "${file.name}" of step "${this.name}" names output "${file.outputName}", ` +
            `which the step does not declare (its outputs: ${quoteList(outputs)})`,
        );
      }
    }
    return problems;
  }
}
