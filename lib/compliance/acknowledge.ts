import { Stack, Stage, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/** Rules whose findings are per action, resource or policy: acknowledge them one finding at a time. */
const GRANULAR_RULES = /^(AwsSolutions-IAM4|AwsSolutions-IAM5)$/;

/** Shortest reason accepted: it has to say why, not just that. */
export const MIN_REASON_LENGTH = 20;

/**
 * The only way the platform acknowledges a cdk-nag finding. It refuses a bare granular rule id (such as
 * `AwsSolutions-IAM5` without `[Action::...]` or `[Resource::...]`), a short reason, and a stack- or
 * stage-wide acknowledgement, so every exception is one finding on the narrowest construct.
 */
export function acknowledge(scope: IConstruct, id: string, reason: string): void {
  const rule = id.replace(/\[.*\]$/, '');
  if (GRANULAR_RULES.test(rule) && rule === id) {
    throw new Error(`acknowledgement '${id}' on ${scope.node.path} must name one finding, e.g. '${id}[Resource::...]'`);
  }
  if (reason.trim().length < MIN_REASON_LENGTH) {
    throw new Error(
      `acknowledgement '${id}' on ${scope.node.path} needs a reason of at least ${MIN_REASON_LENGTH} characters that says why`,
    );
  }
  if (Stack.isStack(scope) || Stage.isStage(scope)) {
    throw new Error(`acknowledgement '${id}' on ${scope.node.path} is too broad: put it on the resource it is about`);
  }
  // The CDK records where each acknowledgement is made (the trace of its metadata), and under tsx's source maps every
  // frame costs a lookup: thousands of acknowledgements at 100 models took seconds. This frame and its callers say
  // where; deeper frames add nothing.
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 4;
  try {
    Validations.of(scope).acknowledge({ id, reason });
  } finally {
    Error.stackTraceLimit = limit;
  }
}
