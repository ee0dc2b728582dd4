import { Stack, Token, Tokenization } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import {
  NAME_PATTERN,
  type ReferenceCheck,
  type ReferencedParameter,
  type RenderableStep,
  type RenderContext,
} from './rendering';
import type { Step } from './step';
import { type PipelineParameter, PipelineValue } from './values';

/** The experiment and trial that executions are recorded in (`PipelineExperimentConfig`). */
export interface PipelineExperimentConfig {
  /** The experiment name, for example `ExecutionVariables.PIPELINE_NAME`. */
  readonly experimentName: string | PipelineValue;
  /** The trial name, for example `ExecutionVariables.PIPELINE_EXECUTION_ID`. */
  readonly trialName: string | PipelineValue;
}

/** What a pipeline definition accepts. */
export interface PipelineDefinitionProps {
  /**
   * `Metadata` of the definition.
   * @default {}
   */
  readonly metadata?: Readonly<Record<string, string>>;
  /**
   * Where executions are recorded as experiment trials.
   * @default - no `PipelineExperimentConfig`
   */
  readonly experimentConfig?: PipelineExperimentConfig;
}

/** Every problem of a definition, found at render. */
export class PipelineDefinitionError extends Error {
  public constructor(public readonly problems: readonly string[]) {
    super(
      `invalid SageMaker pipeline definition (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n` +
        problems.map((problem) => `  - ${problem}`).join('\n'),
    );
    this.name = 'PipelineDefinitionError';
  }
}

/**
 * A SageMaker Pipelines definition (schema version 2020-12-01), rendered to the JSON string that
 * `CfnPipeline.PipelineDefinition.PipelineDefinitionBody` takes.
 *
 * Steps render in the order they were added; the steps of a condition step's branches are nested in it and are not
 * added separately. Argument objects render with their keys sorted, so equal definitions give identical JSON.
 */
export class PipelineDefinition {
  /** The definition schema version. */
  public static readonly VERSION = '2020-12-01';

  private readonly parameterList: PipelineParameter[] = [];
  private readonly stepList: Step[] = [];

  public constructor(private readonly props: PipelineDefinitionProps = {}) {}

  /** The parameters, in the order they were added. */
  public get parameters(): readonly PipelineParameter[] {
    return this.parameterList;
  }

  /** The top-level steps, in the order they were added. */
  public get steps(): readonly Step[] {
    return this.stepList;
  }

  /** Declares a parameter and returns it, for use in step arguments. */
  public addParameter<P extends PipelineParameter>(parameter: P): P {
    this.parameterList.push(parameter);
    return parameter;
  }

  /** Adds a top-level step and returns it. */
  public addStep<S extends Step>(step: S): S {
    this.stepList.push(step);
    return step;
  }

  /** Adds top-level steps in order. */
  public addSteps(...steps: Step[]): void {
    for (const step of steps) this.addStep(step);
  }

  /**
   * Validates the definition and renders it as a JSON string.
   *
   * With a scope, CloudFormation tokens anywhere in the definition (role ARNs, bucket names, ...) resolve in the
   * scope's stack: the result is a token that becomes `Fn::Join` in the template. Without one, a token is an error.
   *
   * @throws PipelineDefinitionError listing every problem
   */
  public render(scope?: IConstruct): string {
    const problems = new Set<string>();
    if (this.stepList.length === 0) problems.add('the definition has no steps');
    const occurrences = this.walkSteps();
    const defined = new Set(occurrences.map((occurrence) => occurrence.step));

    this.validateNames(occurrences, problems);
    this.validateParameters(problems);
    for (const step of defined) for (const problem of step.validate()) problems.add(problem);

    const renderer = new Renderer();
    const topLevel = renderer.context(undefined);
    const steps = this.stepList.map((step) => renderer.renderStep(step));
    const body: Record<string, unknown> = {
      Version: PipelineDefinition.VERSION,
      Metadata: topLevel.value(this.props.metadata ?? {}),
      Parameters: this.parameterList.map((parameter) => parameter.renderDeclaration()),
      ...(this.props.experimentConfig
        ? {
            PipelineExperimentConfig: {
              ExperimentName: topLevel.value(this.props.experimentConfig.experimentName),
              TrialName: topLevel.value(this.props.experimentConfig.trialName),
            },
          }
        : {}),
      Steps: steps,
    };

    this.validateReferences(renderer, defined, problems);
    this.validateDependencies(defined, problems);
    this.findCycles(occurrences, renderer, defined, problems);
    if (!scope) findUnresolvedTokens(body, this.parameterList, this.stepList, problems);

    if (problems.size > 0) throw new PipelineDefinitionError([...problems]);
    return scope ? Stack.of(scope).toJsonString(body) : JSON.stringify(body);
  }

  /** Every step of the definition, nested ones included, each with the condition step it is nested in. */
  private walkSteps(): StepOccurrence[] {
    const occurrences: StepOccurrence[] = [];
    // Branches are fixed when a condition step is created, so a step cannot be nested in itself.
    const walk = (step: Step, parent: Step | undefined) => {
      occurrences.push({ step, parent });
      for (const nested of step.nestedSteps) walk(nested, step);
    };
    for (const step of this.stepList) walk(step, undefined);
    return occurrences;
  }

  private validateNames(occurrences: readonly StepOccurrence[], problems: Set<string>): void {
    const byName = new Map<string, Step[]>();
    for (const { step } of occurrences) {
      if (!NAME_PATTERN.test(step.name)) {
        problems.add(`step name "${step.name}" is invalid: expected 1-64 letters, digits, "-" or "_"`);
      }
      byName.set(step.name, [...(byName.get(step.name) ?? []), step]);
    }
    for (const [name, steps] of byName) {
      if (steps.length < 2) continue;
      problems.add(
        new Set(steps).size === 1
          ? `step "${name}" is in the definition ${steps.length} times (steps in a condition step's branches are ` +
              'part of the definition and must not be added again)'
          : `duplicate step name "${name}": ${steps.length} steps have it (step names are unique across the ` +
              'definition, condition branches included)',
      );
    }
  }

  private validateParameters(problems: Set<string>): void {
    const names = new Map<string, number>();
    for (const parameter of this.parameterList) {
      for (const problem of parameter.validate()) problems.add(problem);
      names.set(parameter.name, (names.get(parameter.name) ?? 0) + 1);
    }
    for (const [name, count] of names) {
      if (count > 1) problems.add(`duplicate parameter name "${name}": it is added ${count} times`);
    }
  }

  private validateReferences(renderer: Renderer, defined: ReadonlySet<RenderableStep>, problems: Set<string>): void {
    const parameters: ReadonlySet<ReferencedParameter> = new Set(this.parameterList);
    for (const [owner, usage] of renderer.usages) {
      const who = owner ? `step "${owner.name}"` : 'the pipeline experiment config';
      for (const { step, check } of usage.steps) {
        if (!defined.has(step)) {
          problems.add(`${who} references step "${step.name}", which is not in the definition`);
          continue;
        }
        const problem = check?.();
        if (problem) problems.add(`${who} references ${problem}`);
      }
      for (const parameter of usage.parameters) {
        if (!parameters.has(parameter)) {
          problems.add(`${who} references parameter "${parameter.name}", which is not added to the definition`);
        }
      }
    }
  }

  private validateDependencies(defined: ReadonlySet<Step>, problems: Set<string>): void {
    for (const step of defined) {
      for (const dependency of step.dependsOn) {
        if (!defined.has(dependency)) {
          problems.add(`step "${step.name}" depends on step "${dependency.name}", which is not in the definition`);
        }
      }
    }
  }

  /**
   * Cycles through `DependsOn`, data references and condition branches (a nested step runs after its condition
   * step).
   */
  private findCycles(
    occurrences: readonly StepOccurrence[],
    renderer: Renderer,
    defined: ReadonlySet<RenderableStep>,
    problems: Set<string>,
  ): void {
    const edges = new Map<RenderableStep, RenderableStep[]>();
    const addEdge = (from: RenderableStep, to: RenderableStep) => {
      if (!defined.has(to)) return;
      const list = edges.get(from) ?? [];
      if (!list.includes(to)) list.push(to);
      edges.set(from, list);
    };
    for (const { step, parent } of occurrences) {
      if (parent) addEdge(step, parent);
      for (const dependency of step.dependsOn) addEdge(step, dependency);
      for (const reference of renderer.usages.get(step)?.steps ?? []) addEdge(step, reference.step);
    }

    const state = new Map<RenderableStep, 'visiting' | 'done'>();
    const path: RenderableStep[] = [];
    const cycles = new Map<string, string>();
    const visit = (step: RenderableStep) => {
      state.set(step, 'visiting');
      path.push(step);
      for (const next of edges.get(step) ?? []) {
        if (state.get(next) === 'visiting') {
          const cycle = [...path.slice(path.indexOf(next)), next];
          const key = [...new Set(cycle.map((s) => s.name))].sort().join('\n');
          cycles.set(key, cycle.map((s) => `"${s.name}"`).join(' -> '));
        } else if (!state.has(next)) {
          visit(next);
        }
      }
      path.pop();
      state.set(step, 'done');
    };
    for (const { step } of occurrences) if (!state.has(step)) visit(step);
    for (const cycle of cycles.values()) problems.add(`dependency cycle: ${cycle} (each step depends on the next)`);
  }
}

interface StepOccurrence {
  readonly step: Step;
  /** The condition step whose branch holds the step. */
  readonly parent: Step | undefined;
}

interface Usage {
  readonly steps: { readonly step: RenderableStep; readonly check?: ReferenceCheck }[];
  readonly parameters: ReferencedParameter[];
}

/** Renders steps and values, and records what each step references. */
class Renderer {
  /** The references of each step; `undefined` holds those outside steps. */
  public readonly usages = new Map<RenderableStep | undefined, Usage>();

  public context(owner: RenderableStep | undefined): RenderContext {
    const usage = this.usageOf(owner);
    const context: RenderContext = {
      value: (value) => this.renderValue(value, context),
      step: (step) => this.renderStep(step),
      referenceParameter: (parameter) => {
        if (!usage.parameters.includes(parameter)) usage.parameters.push(parameter);
      },
      referenceStep: (step, check) => {
        usage.steps.push({ step, check });
      },
    };
    return context;
  }

  public renderStep(step: RenderableStep): Record<string, unknown> {
    const context = this.context(step);
    const dependsOn = step.dependsOn.map((dependency) => dependency.name);
    return {
      Name: step.name,
      Type: step.type,
      ...(step.displayName === undefined ? {} : { DisplayName: step.displayName }),
      ...(step.description === undefined ? {} : { Description: step.description }),
      ...(dependsOn.length === 0 ? {} : { DependsOn: dependsOn }),
      Arguments: step.renderArguments(context),
      ...step.renderAttributes(context),
    };
  }

  private usageOf(owner: RenderableStep | undefined): Usage {
    let usage = this.usages.get(owner);
    if (!usage) {
      usage = { steps: [], parameters: [] };
      this.usages.set(owner, usage);
    }
    return usage;
  }

  private renderValue(value: unknown, context: RenderContext): unknown {
    if (value instanceof PipelineValue) return value.renderJson(context);
    if (value === null || typeof value !== 'object') return value;
    if (value instanceof Date) return value.toISOString();
    if (Array.isArray(value)) return value.map((item) => (item === undefined ? null : this.renderValue(item, context)));
    if (Tokenization.isResolvable(value)) return value;
    const rendered: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const item = this.renderValue((value as Record<string, unknown>)[key], context);
      if (item !== undefined) rendered[key] = item;
    }
    return rendered;
  }
}

/** Reports, per step or section, where the rendered definition holds CloudFormation tokens. */
function findUnresolvedTokens(
  body: Record<string, unknown>,
  parameters: readonly PipelineParameter[],
  steps: readonly Step[],
  problems: Set<string>,
): void {
  const report = (where: string, value: unknown) => {
    const paths: string[] = [];
    collectTokenPaths(value, '', paths);
    if (paths.length > 0) {
      problems.add(
        `${where} holds unresolved CloudFormation tokens at ${paths.join(', ')}: ` +
          'render(scope) with a construct of the stack so that they resolve in the template',
      );
    }
  };
  report('the metadata', body.Metadata);
  (body.Parameters as unknown[]).forEach((parameter, i) => {
    report(`parameter "${parameters[i].name}"`, parameter);
  });
  report('the pipeline experiment config', body.PipelineExperimentConfig);
  (body.Steps as unknown[]).forEach((step, i) => {
    report(`step "${steps[i].name}"`, step);
  });
}

function collectTokenPaths(value: unknown, path: string, paths: string[]): void {
  const here = path === '' ? '(root)' : path.replace(/^\./, '');
  if (typeof value === 'string' || typeof value === 'number') {
    if (Token.isUnresolved(value)) paths.push(here);
  } else if (Array.isArray(value)) {
    value.forEach((item, i) => {
      collectTokenPaths(item, `${path}[${i}]`, paths);
    });
  } else if (value !== null && typeof value === 'object') {
    if (Tokenization.isResolvable(value)) {
      paths.push(here);
      return;
    }
    for (const [key, item] of Object.entries(value)) {
      if (Token.isUnresolved(key)) paths.push(`${here} (a key)`);
      collectTokenPaths(item, `${path}.${key}`, paths);
    }
  }
}
