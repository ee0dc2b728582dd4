import { Token } from 'aws-cdk-lib';
import { NAME_PATTERN, type RenderableStep, type RenderContext } from './rendering';
import { StepProperty } from './values';

const MAX_DESCRIPTION_LENGTH = 4096;

/** The `Type` of a step in the definition. */
export type StepType =
  | 'Processing'
  | 'Training'
  | 'Tuning'
  | 'Transform'
  | 'Model'
  | 'RegisterModel'
  | 'QualityCheck'
  | 'ClarifyCheck'
  | 'Condition'
  | 'Fail';

/** What every step accepts. */
export interface StepProps {
  /**
   * The name shown in SageMaker Studio.
   * @default - the step name
   */
  readonly displayName?: string;
  /**
   * A description of the step.
   * @default - none
   */
  readonly description?: string;
  /**
   * Steps that must finish before this one starts, beyond those whose properties it references (SageMaker infers
   * those).
   * @default - none
   */
  readonly dependsOn?: readonly Step[];
}

/**
 * A step of a SageMaker pipeline. Subclasses render their `Arguments` from a typed request shape and expose their
 * job's properties, typed, as `properties`.
 */
export abstract class Step implements RenderableStep {
  public readonly displayName?: string;
  public readonly description?: string;
  private readonly explicitDependencies: Step[] = [];

  protected constructor(
    /** The step name, unique in the definition: 1-64 letters, digits, `-` or `_`. */
    public readonly name: string,
    /** The step `Type`. */
    public readonly type: StepType,
    props: StepProps,
  ) {
    this.displayName = props.displayName;
    this.description = props.description;
    this.addDependsOn(...(props.dependsOn ?? []));
  }

  /** Steps this one explicitly depends on (`DependsOn`). */
  public get dependsOn(): readonly Step[] {
    return this.explicitDependencies;
  }

  /** Makes this step wait for `steps` (`DependsOn`). */
  public addDependsOn(...steps: Step[]): this {
    for (const step of steps) {
      if (!this.explicitDependencies.includes(step)) this.explicitDependencies.push(step);
    }
    return this;
  }

  /**
   * Any property of the step's job by path, for those `properties` does not name, for example
   * `property("OutputDataConfig.S3OutputPath")`. The first segment is checked at render against the properties the
   * step type has.
   */
  public property(path: string): StepProperty {
    const top = path.split(/[.[]/, 1)[0];
    return new StepProperty(this, path, () =>
      this.propertyNames.includes(top)
        ? undefined
        : `unknown property "${top}" of step "${this.name}" (a ${this.type} step has ${quoteList(this.propertyNames)})`,
    );
  }

  /** The top-level properties of the step's job, as SageMaker Pipelines exposes them. */
  protected abstract readonly propertyNames: readonly string[];

  /** Renders `Arguments`. */
  public abstract renderArguments(context: RenderContext): unknown;

  /** Renders the step-specific keys that follow `Arguments`, in their order. */
  public renderAttributes(_context: RenderContext): Record<string, unknown> {
    return {};
  }

  /** Steps nested in this one (the branches of a condition step). */
  public get nestedSteps(): readonly Step[] {
    return [];
  }

  /** Problems of this step alone, each naming the step. */
  public validate(): string[] {
    const problems: string[] = [];
    // The public definition schema gives display names the pattern of step names.
    if (this.displayName !== undefined && !NAME_PATTERN.test(this.displayName)) {
      problems.push(
        `step "${this.name}" display name "${this.displayName}" is invalid: expected 1-64 letters, digits, "-" or "_"`,
      );
    }
    if (this.description !== undefined && this.description.length > MAX_DESCRIPTION_LENGTH) {
      problems.push(`step "${this.name}" description has ${this.description.length} characters, expected at most 4096`);
    }
    return problems;
  }
}

/** `"a", "b" and "c"`, or `none`. */
export function quoteList(values: readonly string[]): string {
  const quoted = values.map((value) => `"${value}"`);
  if (quoted.length === 0) return 'none';
  if (quoted.length === 1) return quoted[0];
  return `${quoted.slice(0, -1).join(', ')} and ${quoted[quoted.length - 1]}`;
}

/** Step caching: reuse the result of a previous successful execution with the same arguments. */
export interface CacheConfig {
  /** Whether the step is cached. */
  readonly enabled: boolean;
  /**
   * How old a previous execution may be to be reused, as an ISO 8601 duration such as `P30D` or `PT12H`.
   * @default - SageMaker's default
   */
  readonly expireAfter?: string;
}

/** Retry exception types of any step. */
export const StepExceptionType = {
  SERVICE_FAULT: 'Step.SERVICE_FAULT',
  THROTTLING: 'Step.THROTTLING',
} as const;

/** Retry exception types of the SageMaker job a step runs. */
export const SageMakerJobExceptionType = {
  JOB_INTERNAL_ERROR: 'SageMaker.JOB_INTERNAL_ERROR',
  CAPACITY_ERROR: 'SageMaker.CAPACITY_ERROR',
  RESOURCE_LIMIT: 'SageMaker.RESOURCE_LIMIT',
} as const;

/** An exception type a retry policy matches. */
export type RetryExceptionType =
  | (typeof StepExceptionType)[keyof typeof StepExceptionType]
  | (typeof SageMakerJobExceptionType)[keyof typeof SageMakerJobExceptionType];

/** A retry policy: exactly one of `maxAttempts` and `expireAfterMin` bounds the retries. */
export interface RetryPolicy {
  /** The exceptions this policy retries. */
  readonly exceptionTypes: readonly RetryExceptionType[];
  /**
   * Seconds before the first retry.
   * @default 1
   */
  readonly intervalSeconds?: number;
  /**
   * The factor by which the interval grows with each retry.
   * @default 2
   */
  readonly backoffRate?: number;
  /**
   * The maximum number of retries, 1-20.
   * @default - bounded by `expireAfterMin`
   */
  readonly maxAttempts?: number;
  /**
   * Minutes after which no further retry starts, 0-14400.
   * @default - bounded by `maxAttempts`
   */
  readonly expireAfterMin?: number;
}

const RETRY_EXCEPTION_TYPES: readonly string[] = [
  ...Object.values(StepExceptionType),
  ...Object.values(SageMakerJobExceptionType),
];
const MAX_ATTEMPTS_CAP = 20;
const MAX_EXPIRE_AFTER_MIN = 14400;

/** An ISO 8601 duration with at least one component, such as `P30D`, `PT12H` or `P1DT6H`. */
const ISO_8601_DURATION = /^P(?=\d|T\d)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+S)?)?$/;

/** What steps that run a job with retry policies accept. */
export interface RetryableStepProps extends StepProps {
  /**
   * Retry policies, tried in order.
   * @default - SageMaker's default retries of service faults and throttling
   */
  readonly retryPolicies?: readonly RetryPolicy[];
}

/** What steps that can be cached accept. */
export interface CacheableStepProps extends RetryableStepProps {
  /**
   * Step caching.
   * @default - not cached
   */
  readonly cache?: CacheConfig;
}

/** A step with `RetryPolicies`. */
export abstract class RetryableStep extends Step {
  public readonly retryPolicies: readonly RetryPolicy[];

  protected constructor(name: string, type: StepType, props: RetryableStepProps) {
    super(name, type, props);
    this.retryPolicies = props.retryPolicies ?? [];
  }

  /** `RetryPolicies`, when there are any. */
  protected renderRetryPolicies(): Record<string, unknown> {
    if (this.retryPolicies.length === 0) return {};
    return {
      RetryPolicies: this.retryPolicies.map((policy) => ({
        ExceptionType: [...policy.exceptionTypes],
        IntervalSeconds: policy.intervalSeconds ?? 1,
        BackoffRate: policy.backoffRate ?? 2,
        ...(policy.maxAttempts === undefined ? {} : { MaxAttempts: policy.maxAttempts }),
        ...(policy.expireAfterMin === undefined ? {} : { ExpireAfterMin: policy.expireAfterMin }),
      })),
    };
  }

  public override renderAttributes(context: RenderContext): Record<string, unknown> {
    return { ...super.renderAttributes(context), ...this.renderRetryPolicies() };
  }

  public override validate(): string[] {
    return [...super.validate(), ...this.retryPolicies.flatMap((policy, i) => this.validateRetryPolicy(policy, i))];
  }

  private validateRetryPolicy(policy: RetryPolicy, index: number): string[] {
    const where = `step "${this.name}" retry policy ${index + 1}`;
    const problems: string[] = [];
    if (policy.exceptionTypes.length === 0) problems.push(`${where} has no exception types`);
    for (const type of policy.exceptionTypes) {
      if (!RETRY_EXCEPTION_TYPES.includes(type)) {
        problems.push(`${where} has unknown exception type "${type}" (expected ${quoteList(RETRY_EXCEPTION_TYPES)})`);
      }
    }
    if ((policy.maxAttempts === undefined) === (policy.expireAfterMin === undefined)) {
      problems.push(`${where} must set exactly one of maxAttempts and expireAfterMin`);
    }
    const ranges: [string, number | undefined, number, number, boolean][] = [
      ['maxAttempts', policy.maxAttempts, 1, MAX_ATTEMPTS_CAP, true],
      ['expireAfterMin', policy.expireAfterMin, 0, MAX_EXPIRE_AFTER_MIN, true],
      ['intervalSeconds', policy.intervalSeconds, 1, Number.MAX_SAFE_INTEGER, true],
      ['backoffRate', policy.backoffRate, 0, Number.MAX_VALUE, false],
    ];
    for (const [field, value, min, max, integer] of ranges) {
      if (value === undefined || Token.isUnresolved(value)) continue;
      const valid = (integer ? Number.isSafeInteger(value) : Number.isFinite(value)) && value >= min && value <= max;
      if (!valid) {
        const expected = max === Number.MAX_VALUE || max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `${min}-${max}`;
        problems.push(`${where} has ${field} ${value}, expected ${integer ? 'an integer' : 'a number'} ${expected}`);
      }
    }
    return problems;
  }
}

/** A step with `CacheConfig` and `RetryPolicies`. */
export abstract class CacheableStep extends RetryableStep {
  public readonly cache?: CacheConfig;

  protected constructor(name: string, type: StepType, props: CacheableStepProps) {
    super(name, type, props);
    this.cache = props.cache;
  }

  /** `CacheConfig`, when caching is configured. */
  protected renderCacheConfig(): Record<string, unknown> {
    if (!this.cache) return {};
    return {
      CacheConfig: {
        Enabled: this.cache.enabled,
        ...(this.cache.expireAfter === undefined ? {} : { ExpireAfter: this.cache.expireAfter }),
      },
    };
  }

  /** The keys after `Arguments` that precede `CacheConfig` (for example `PropertyFiles` or `CheckType`). */
  protected renderLeadingAttributes(_context: RenderContext): Record<string, unknown> {
    return {};
  }

  public override renderAttributes(context: RenderContext): Record<string, unknown> {
    return { ...this.renderLeadingAttributes(context), ...this.renderCacheConfig(), ...this.renderRetryPolicies() };
  }

  public override validate(): string[] {
    const problems = super.validate();
    const expireAfter = this.cache?.expireAfter;
    if (expireAfter !== undefined && !Token.isUnresolved(expireAfter) && !ISO_8601_DURATION.test(expireAfter)) {
      problems.push(
        `step "${this.name}" cache expireAfter "${expireAfter}" is not an ISO 8601 duration such as "P30D" or "PT12H"`,
      );
    }
    return problems;
  }
}
