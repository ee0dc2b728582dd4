import { NAME_PATTERN, type ReferenceCheck, type RenderableStep, type RenderContext } from './rendering';

/**
 * A value resolved by SageMaker Pipelines when the pipeline runs: a parameter, an execution variable, a step
 * property, or a function (`Std:Join`, `Std:JsonGet`). Usable in place of any leaf of a step's arguments.
 */
export abstract class PipelineValue {
  /** Renders the value as pipeline definition JSON (`{"Get": ...}`, `{"Std:Join": ...}`, ...). */
  public abstract renderJson(context: RenderContext): unknown;

  /** A short human description, used in error messages. */
  public abstract describe(): string;

  /**
   * Pipeline values are resolved by SageMaker at run time, so they cannot be part of a JavaScript string.
   * Throws instead of rendering `[object Object]` into an argument.
   */
  public toString(): string {
    throw new Error(
      `${this.describe()} is resolved by SageMaker Pipelines at run time and cannot be converted to a string: ` +
        'build strings with Join.on(separator, values)',
    );
  }
}

/** A `{"Get": path}` reference. */
export abstract class GetValue extends PipelineValue {
  /** The path after `Get`, for example `Parameters.InputData` or `Steps.Train.ModelArtifacts.S3ModelArtifacts`. */
  public abstract readonly path: string;

  public renderJson(context: RenderContext): unknown {
    this.record(context);
    return { Get: this.path };
  }

  public describe(): string {
    return `{"Get": "${this.path}"}`;
  }

  /** Records what the reference depends on. */
  protected record(_context: RenderContext): void {}
}

/** The types of pipeline parameters. */
export type ParameterType = 'String' | 'Integer' | 'Float' | 'Boolean';

/** A pipeline parameter: declared in `Parameters`, referenced as `{"Get": "Parameters.<name>"}`. */
export abstract class PipelineParameter<
  T extends string | number | boolean = string | number | boolean,
> extends GetValue {
  public abstract readonly type: ParameterType;

  /**
   * @param name the parameter name, 1-64 letters, digits, `-` or `_`
   * @param defaultValue the value when an execution does not set it; @default - none, every execution must set it
   */
  public constructor(
    public readonly name: string,
    public readonly defaultValue?: T,
  ) {
    super();
  }

  public get path(): string {
    return `Parameters.${this.name}`;
  }

  protected override record(context: RenderContext): void {
    context.referenceParameter(this);
  }

  /** The declaration in the definition's `Parameters` list. */
  public renderDeclaration(): Record<string, unknown> {
    return {
      Name: this.name,
      Type: this.type,
      ...(this.defaultValue === undefined ? {} : { DefaultValue: this.defaultValue }),
    };
  }

  /** Problems with the name or the default value. */
  public validate(): string[] {
    const problems: string[] = [];
    if (!NAME_PATTERN.test(this.name)) {
      problems.push(`parameter name "${this.name}" is invalid: expected 1-64 letters, digits, "-" or "_"`);
    }
    const problem = this.defaultValue === undefined ? undefined : this.checkDefault(this.defaultValue);
    if (problem) problems.push(`parameter "${this.name}" has default ${JSON.stringify(this.defaultValue)}: ${problem}`);
    return problems;
  }

  protected checkDefault(_value: T): string | undefined {
    return undefined;
  }
}

/** A `String` parameter. */
export class ParameterString extends PipelineParameter<string> {
  public readonly type = 'String';

  protected override checkDefault(value: string): string | undefined {
    return value.length > 4096 ? 'expected at most 4096 characters' : undefined;
  }
}

/** An `Integer` parameter. */
export class ParameterInteger extends PipelineParameter<number> {
  public readonly type = 'Integer';

  protected override checkDefault(value: number): string | undefined {
    return Number.isSafeInteger(value) ? undefined : 'expected an integer';
  }
}

/** A `Float` parameter. */
export class ParameterFloat extends PipelineParameter<number> {
  public readonly type = 'Float';

  protected override checkDefault(value: number): string | undefined {
    return Number.isFinite(value) ? undefined : 'expected a finite number';
  }
}

/** A `Boolean` parameter. */
export class ParameterBoolean extends PipelineParameter<boolean> {
  public readonly type = 'Boolean';
}

/** Factories for pipeline parameters; add the result to a definition with `addParameter`. */
export const Parameters = {
  string: (name: string, defaultValue?: string) => new ParameterString(name, defaultValue),
  integer: (name: string, defaultValue?: number) => new ParameterInteger(name, defaultValue),
  float: (name: string, defaultValue?: number) => new ParameterFloat(name, defaultValue),
  boolean: (name: string, defaultValue?: boolean) => new ParameterBoolean(name, defaultValue),
} as const;

/** A variable of the running execution, `{"Get": "Execution.<name>"}`. */
export class ExecutionVariable extends GetValue {
  public constructor(public readonly name: string) {
    super();
  }

  public get path(): string {
    return `Execution.${this.name}`;
  }
}

/** The execution variables SageMaker Pipelines provides. */
export const ExecutionVariables = {
  PIPELINE_EXECUTION_ID: new ExecutionVariable('PipelineExecutionId'),
  PIPELINE_EXECUTION_ARN: new ExecutionVariable('PipelineExecutionArn'),
  PIPELINE_NAME: new ExecutionVariable('PipelineName'),
  PIPELINE_ARN: new ExecutionVariable('PipelineArn'),
  START_DATETIME: new ExecutionVariable('StartDateTime'),
  CURRENT_DATETIME: new ExecutionVariable('CurrentDateTime'),
} as const;

/** A property of a step's job, `{"Get": "Steps.<step>.<path>"}`; get one from a step's `properties`. */
export class StepProperty extends GetValue {
  /**
   * @param step the step whose property this is
   * @param propertyPath the path below the step, for example `ModelArtifacts.S3ModelArtifacts`
   * @param check validates at render that the step has the property
   */
  public constructor(
    public readonly step: RenderableStep,
    public readonly propertyPath: string,
    private readonly check?: ReferenceCheck,
  ) {
    super();
  }

  public get path(): string {
    return `Steps.${this.step.name}.${this.propertyPath}`;
  }

  protected override record(context: RenderContext): void {
    context.referenceStep(this.step, this.check);
  }
}

/** A value that can be joined into a string. */
export type JoinValue = string | number | boolean | PipelineValue;

/** `{"Std:Join": {"On": separator, "Values": [...]}}`: joins values into a string at run time. */
export class Join extends PipelineValue {
  /** Joins `values` with `separator` between them. */
  public static on(separator: string, values: readonly JoinValue[]): Join {
    return new Join(separator, values);
  }

  public constructor(
    public readonly separator: string,
    public readonly values: readonly JoinValue[],
  ) {
    super();
  }

  public renderJson(context: RenderContext): unknown {
    return { 'Std:Join': { On: this.separator, Values: this.values.map((value) => context.value(value)) } };
  }

  public describe(): string {
    return `Std:Join on "${this.separator}"`;
  }
}
