import type { RenderContext } from './rendering';
import { Step, type StepProps } from './step';
import { type PipelineValue, StepProperty } from './values';

/** A value a condition compares: a literal or a pipeline value (parameter, property, `JsonGet`, ...). */
export type ConditionOperand = string | number | boolean | PipelineValue;

/** A condition of a condition step. */
export abstract class Condition {
  /** `LeftValue == RightValue`. */
  public static equals(left: ConditionOperand, right: ConditionOperand): Condition {
    return new ComparisonCondition('Equals', left, right);
  }

  /** `LeftValue > RightValue`. */
  public static greaterThan(left: ConditionOperand, right: ConditionOperand): Condition {
    return new ComparisonCondition('GreaterThan', left, right);
  }

  /** `LeftValue >= RightValue`. */
  public static greaterThanOrEqualTo(left: ConditionOperand, right: ConditionOperand): Condition {
    return new ComparisonCondition('GreaterThanOrEqualTo', left, right);
  }

  /** `LeftValue < RightValue`. */
  public static lessThan(left: ConditionOperand, right: ConditionOperand): Condition {
    return new ComparisonCondition('LessThan', left, right);
  }

  /** `LeftValue <= RightValue`. */
  public static lessThanOrEqualTo(left: ConditionOperand, right: ConditionOperand): Condition {
    return new ComparisonCondition('LessThanOrEqualTo', left, right);
  }

  /** `value` is one of `values`. */
  public static in(value: ConditionOperand, values: readonly ConditionOperand[]): Condition {
    return new InCondition(value, values);
  }

  /** The negation of `condition`. */
  public static not(condition: Condition): Condition {
    return new NotCondition(condition);
  }

  /** True when any of `conditions` is. */
  public static or(...conditions: Condition[]): Condition {
    return new OrCondition(conditions);
  }

  /** Renders the condition. */
  public abstract render(context: RenderContext): unknown;

  /** Problems of the condition, in the words of `where` (for example `step "CheckAuc" condition 1`). */
  public validate(_where: string): string[] {
    return [];
  }
}

/** The comparison condition types. */
export type ComparisonType = 'Equals' | 'GreaterThan' | 'GreaterThanOrEqualTo' | 'LessThan' | 'LessThanOrEqualTo';

class ComparisonCondition extends Condition {
  public constructor(
    private readonly type: ComparisonType,
    private readonly left: ConditionOperand,
    private readonly right: ConditionOperand,
  ) {
    super();
  }

  public render(context: RenderContext): unknown {
    return { Type: this.type, LeftValue: context.value(this.left), RightValue: context.value(this.right) };
  }
}

class InCondition extends Condition {
  public constructor(
    private readonly value: ConditionOperand,
    private readonly values: readonly ConditionOperand[],
  ) {
    super();
  }

  public render(context: RenderContext): unknown {
    return { Type: 'In', QueryValue: context.value(this.value), Values: this.values.map((v) => context.value(v)) };
  }

  public override validate(where: string): string[] {
    return this.values.length === 0 ? [`${where} is an In condition with no values`] : [];
  }
}

class NotCondition extends Condition {
  public constructor(private readonly expression: Condition) {
    super();
  }

  public render(context: RenderContext): unknown {
    return { Type: 'Not', Expression: this.expression.render(context) };
  }

  public override validate(where: string): string[] {
    return this.expression.validate(where);
  }
}

class OrCondition extends Condition {
  public constructor(private readonly conditions: readonly Condition[]) {
    super();
  }

  public render(context: RenderContext): unknown {
    return { Type: 'Or', Conditions: this.conditions.map((condition) => condition.render(context)) };
  }

  public override validate(where: string): string[] {
    if (this.conditions.length === 0) return [`${where} is an Or condition with no conditions`];
    return this.conditions.flatMap((condition) => condition.validate(where));
  }
}

/** What a condition step accepts. */
export interface ConditionStepProps extends StepProps {
  /** The conditions; all must hold for the if branch to run. */
  readonly conditions: readonly Condition[];
  /**
   * Steps that run when all conditions hold. They are nested in this step, not added to the definition.
   * @default - none
   */
  readonly ifSteps?: readonly Step[];
  /**
   * Steps that run otherwise. They are nested in this step, not added to the definition.
   * @default - none
   */
  readonly elseSteps?: readonly Step[];
}

/** The properties of a condition step. */
export class ConditionStepProperties {
  public constructor(private readonly step: ConditionStep) {}

  /** Whether the conditions held: `Outcome` (`True` or `False`). */
  public get outcome(): StepProperty {
    return new StepProperty(this.step, 'Outcome');
  }
}

/** A `Condition` step: runs its if or its else steps, which are nested in it. */
export class ConditionStep extends Step {
  public readonly conditions: readonly Condition[];
  public readonly ifSteps: readonly Step[];
  public readonly elseSteps: readonly Step[];
  public readonly properties: ConditionStepProperties;
  protected readonly propertyNames: readonly string[] = ['Outcome'];

  public constructor(name: string, props: ConditionStepProps) {
    super(name, 'Condition', props);
    this.conditions = [...props.conditions];
    this.ifSteps = [...(props.ifSteps ?? [])];
    this.elseSteps = [...(props.elseSteps ?? [])];
    this.properties = new ConditionStepProperties(this);
  }

  public override get nestedSteps(): readonly Step[] {
    return [...this.ifSteps, ...this.elseSteps];
  }

  public renderArguments(context: RenderContext): unknown {
    return {
      Conditions: this.conditions.map((condition) => condition.render(context)),
      IfSteps: this.ifSteps.map((step) => context.step(step)),
      ElseSteps: this.elseSteps.map((step) => context.step(step)),
    };
  }

  public override validate(): string[] {
    const problems = super.validate();
    if (this.conditions.length === 0) problems.push(`condition step "${this.name}" has no conditions`);
    this.conditions.forEach((condition, i) => {
      problems.push(...condition.validate(`step "${this.name}" condition ${i + 1}`));
    });
    return problems;
  }
}

/** What a fail step accepts. */
export interface FailStepProps extends StepProps {
  /**
   * The error message of the failed execution; may be a `Join` of literals and pipeline values.
   * @default - none
   */
  readonly errorMessage?: string | PipelineValue;
}

/** A `Fail` step: stops the execution and marks it failed. */
export class FailStep extends Step {
  public readonly errorMessage?: string | PipelineValue;
  protected readonly propertyNames: readonly string[] = [];

  public constructor(name: string, props: FailStepProps = {}) {
    super(name, 'Fail', props);
    this.errorMessage = props.errorMessage;
  }

  public renderArguments(context: RenderContext): unknown {
    return this.errorMessage === undefined ? {} : { ErrorMessage: context.value(this.errorMessage) };
  }
}
