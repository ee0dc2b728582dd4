import type { ProcessingArguments } from './pipelined';
import type { RenderContext } from './rendering';
import { CacheableStep, type CacheableStepProps } from './step';
import type { PipelineValue } from './values';
import { StepProperty } from './values';

/** What the quality and clarify check steps share. */
interface CheckStepProps extends CacheableStepProps {
  /** The `CreateProcessingJob` request of the baselining job, without the job name. */
  readonly arguments: ProcessingArguments;
  /**
   * The model package group whose latest approved version supplies the baselines to check against.
   * @default - none
   */
  readonly modelPackageGroupName?: string | PipelineValue;
  /**
   * Skip the drift check and only calculate the baseline.
   * @default false
   */
  readonly skipCheck?: boolean | PipelineValue;
  /**
   * Make the calculated baseline the one for drift checks (`BaselineUsedForDriftCheck...`).
   * @default false
   */
  readonly registerNewBaseline?: boolean | PipelineValue;
  /**
   * The S3 URI of constraints to check against, instead of the group's latest approved ones.
   * @default - none
   */
  readonly suppliedBaselineConstraints?: string | PipelineValue;
}

/** The quality check types. */
export type QualityCheckType = 'DATA_QUALITY' | 'MODEL_QUALITY';

/** What a quality check step accepts. */
export interface QualityCheckStepProps extends CheckStepProps {
  /** `DATA_QUALITY` (Model Monitor's data quality) or `MODEL_QUALITY`. */
  readonly checkType: QualityCheckType;
  /**
   * The S3 URI of statistics to check against, instead of the group's latest approved ones.
   * @default - none
   */
  readonly suppliedBaselineStatistics?: string | PipelineValue;
}

/** The properties of a quality check step. */
export class QualityCheckStepProperties {
  public constructor(private readonly step: QualityCheckStep) {}

  /** The S3 URI of the statistics this run calculated: `CalculatedBaselineStatistics`. */
  public get calculatedBaselineStatistics(): StepProperty {
    return new StepProperty(this.step, 'CalculatedBaselineStatistics');
  }

  /** The S3 URI of the constraints this run calculated: `CalculatedBaselineConstraints`. */
  public get calculatedBaselineConstraints(): StepProperty {
    return new StepProperty(this.step, 'CalculatedBaselineConstraints');
  }

  /** The S3 URI of the statistics to use for drift checks: `BaselineUsedForDriftCheckStatistics`. */
  public get baselineUsedForDriftCheckStatistics(): StepProperty {
    return new StepProperty(this.step, 'BaselineUsedForDriftCheckStatistics');
  }

  /** The S3 URI of the constraints to use for drift checks: `BaselineUsedForDriftCheckConstraints`. */
  public get baselineUsedForDriftCheckConstraints(): StepProperty {
    return new StepProperty(this.step, 'BaselineUsedForDriftCheckConstraints');
  }
}

function renderCheckAttributes(context: RenderContext, type: string, props: CheckStepProps, extra = {}) {
  const optional = (key: string, value: unknown) => (value === undefined ? {} : { [key]: context.value(value) });
  return {
    CheckType: type,
    ...optional('ModelPackageGroupName', props.modelPackageGroupName),
    SkipCheck: context.value(props.skipCheck ?? false),
    RegisterNewBaseline: context.value(props.registerNewBaseline ?? false),
    ...extra,
    ...optional('SuppliedBaselineConstraints', props.suppliedBaselineConstraints),
  };
}

/** A `QualityCheck` step: calculates a data or model quality baseline and checks it for drift. */
export class QualityCheckStep extends CacheableStep {
  public readonly checkType: QualityCheckType;
  public readonly arguments: ProcessingArguments;
  public readonly properties: QualityCheckStepProperties;
  protected readonly propertyNames: readonly string[] = [
    'CalculatedBaselineStatistics',
    'CalculatedBaselineConstraints',
    'BaselineUsedForDriftCheckStatistics',
    'BaselineUsedForDriftCheckConstraints',
  ];

  public constructor(
    name: string,
    private readonly props: QualityCheckStepProps,
  ) {
    super(name, 'QualityCheck', props);
    this.checkType = props.checkType;
    this.arguments = props.arguments;
    this.properties = new QualityCheckStepProperties(this);
  }

  public renderArguments(context: RenderContext): unknown {
    return context.value(this.arguments);
  }

  protected override renderLeadingAttributes(context: RenderContext): Record<string, unknown> {
    const statistics = this.props.suppliedBaselineStatistics;
    return renderCheckAttributes(
      context,
      this.checkType,
      this.props,
      statistics === undefined ? {} : { SuppliedBaselineStatistics: context.value(statistics) },
    );
  }

  public override validate(): string[] {
    const problems = super.validate();
    if (!['DATA_QUALITY', 'MODEL_QUALITY'].includes(this.checkType)) {
      problems.push(
        `step "${this.name}" has check type "${this.checkType}", expected "DATA_QUALITY" or "MODEL_QUALITY"`,
      );
    }
    return problems;
  }
}

/** The clarify check types. */
export type ClarifyCheckType = 'DATA_BIAS' | 'MODEL_BIAS' | 'MODEL_EXPLAINABILITY';

/** What a clarify check step accepts. */
export interface ClarifyCheckStepProps extends CheckStepProps {
  /** `DATA_BIAS`, `MODEL_BIAS` or `MODEL_EXPLAINABILITY`. */
  readonly checkType: ClarifyCheckType;
  /**
   * The model the check invokes; required by `MODEL_BIAS` and `MODEL_EXPLAINABILITY`.
   * @default - none
   */
  readonly modelName?: string | PipelineValue;
}

/** The properties of a clarify check step. */
export class ClarifyCheckStepProperties {
  public constructor(private readonly step: ClarifyCheckStep) {}

  /** The S3 URI of the constraints this run calculated: `CalculatedBaselineConstraints`. */
  public get calculatedBaselineConstraints(): StepProperty {
    return new StepProperty(this.step, 'CalculatedBaselineConstraints');
  }

  /** The S3 URI of the constraints to use for drift checks: `BaselineUsedForDriftCheckConstraints`. */
  public get baselineUsedForDriftCheckConstraints(): StepProperty {
    return new StepProperty(this.step, 'BaselineUsedForDriftCheckConstraints');
  }
}

/** A `ClarifyCheck` step: calculates a bias or explainability baseline with SageMaker Clarify and checks it. */
export class ClarifyCheckStep extends CacheableStep {
  public readonly checkType: ClarifyCheckType;
  public readonly arguments: ProcessingArguments;
  public readonly properties: ClarifyCheckStepProperties;
  protected readonly propertyNames: readonly string[] = [
    'CalculatedBaselineConstraints',
    'BaselineUsedForDriftCheckConstraints',
  ];

  public constructor(
    name: string,
    private readonly props: ClarifyCheckStepProps,
  ) {
    super(name, 'ClarifyCheck', props);
    this.checkType = props.checkType;
    this.arguments = props.arguments;
    this.properties = new ClarifyCheckStepProperties(this);
  }

  public renderArguments(context: RenderContext): unknown {
    return context.value(this.arguments);
  }

  protected override renderLeadingAttributes(context: RenderContext): Record<string, unknown> {
    const modelName = this.props.modelName;
    return {
      ...renderCheckAttributes(context, this.checkType, this.props),
      ...(modelName === undefined ? {} : { ModelName: context.value(modelName) }),
    };
  }

  public override validate(): string[] {
    const problems = super.validate();
    if (!['DATA_BIAS', 'MODEL_BIAS', 'MODEL_EXPLAINABILITY'].includes(this.checkType)) {
      problems.push(
        `step "${this.name}" has check type "${this.checkType}", expected "DATA_BIAS", "MODEL_BIAS" or "MODEL_EXPLAINABILITY"`,
      );
    } else if (this.checkType !== 'DATA_BIAS' && this.props.modelName === undefined) {
      problems.push(`step "${this.name}" checks ${this.checkType} and needs a modelName`);
    }
    return problems;
  }
}
