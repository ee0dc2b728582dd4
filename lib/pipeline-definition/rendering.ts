/**
 * What values and steps share while a definition renders. Values (values.ts) and steps (step.ts) both build on
 * this module and neither on the other's internals, so the two never import each other: a value knows a step only
 * as a {@link RenderableStep}, which every `Step` is.
 */

/** The pattern of parameter and step names. */
export const NAME_PATTERN = /^[A-Za-z0-9\-_]{1,64}$/;

/**
 * Returns a problem (a clause such as `output "x" of step "Evaluate", which has no such output`) when a reference
 * names something its step does not have, or `undefined` when it is fine. Runs at render, once the definition is
 * complete.
 */
export type ReferenceCheck = () => string | undefined;

/** A step as the renderer and the values that reference it see it; `Step` (step.ts) implements it. */
export interface RenderableStep {
  /** The step name, unique in the definition. */
  readonly name: string;
  /** The step `Type`. */
  readonly type: string;
  /** @default - none */
  readonly displayName?: string;
  /** @default - none */
  readonly description?: string;
  /** Steps this one explicitly depends on (`DependsOn`). */
  readonly dependsOn: readonly RenderableStep[];
  /** Renders `Arguments`. */
  renderArguments(context: RenderContext): unknown;
  /** Renders the step-specific keys that follow `Arguments`, in their order. */
  renderAttributes(context: RenderContext): Record<string, unknown>;
}

/** A pipeline parameter as a reference to it sees it; `PipelineParameter` (values.ts) implements it. */
export interface ReferencedParameter {
  /** The parameter name. */
  readonly name: string;
}

/**
 * What a value or a step sees while the definition renders: it renders nested values and records what they reference,
 * so that the definition can validate references and find dependency cycles.
 */
export interface RenderContext {
  /** Renders a nested argument value: pipeline values become functions, plain objects get sorted keys. */
  value(value: unknown): unknown;
  /** Renders a step nested in this one (the branches of a condition step). */
  step(step: RenderableStep): unknown;
  /** Records a reference to a pipeline parameter. */
  referenceParameter(parameter: ReferencedParameter): void;
  /** Records a reference to a step; `check` validates the referenced property, output or property file. */
  referenceStep(step: RenderableStep, check?: ReferenceCheck): void;
}
