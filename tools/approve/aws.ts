import {
  type CloudFormationClient,
  DescribeStackEventsCommand,
  DescribeStacksCommand,
  type Stack,
} from '@aws-sdk/client-cloudformation';
import type { SageMakerClient } from '@aws-sdk/client-sagemaker';
import type { SSMClient } from '@aws-sdk/client-ssm';
import {
  approvedParameterOf,
  CAPABILITIES as BINDING_CAPABILITIES,
  describeStack as bindingDescribeStack,
  startStackUpdate as bindingStartStackUpdate,
  isNoUpdates,
  keepParameters,
} from '../../lambda/rollout/binding';
import type { ApproveTarget } from './plan';
import type { RolloutClient } from './step-functions';

/** The AWS calls that the checks and the binding share, and the AWS CLI commands that repeat them by hand. */

/** Everything the approval talks to, injected so tests can replace it. */
export interface ApproveDeps {
  readonly sagemaker: SageMakerClient;
  readonly ssm: SSMClient;
  readonly cloudformation: CloudFormationClient;
  /** Waits between two looks at the stack status. */
  readonly sleep: (ms: number) => Promise<void>;
  /** Prints one line of progress for the user. */
  readonly log: (line: string) => void;
  /**
   * Starts and follows the rollout state machine (stage 5).
   * @default - none: at stage 5 the command refuses to run without it
   */
  readonly rollouts?: RolloutClient;
}

/** Capabilities of a stack update: the platform's stacks create IAM roles with names. */
export const CAPABILITIES = BINDING_CAPABILITIES;

/** Most failure events quoted from a failed update. */
const MAX_FAILURE_EVENTS = 5;

// The binding itself (stack lookup, update with the previous template, the parameter's compare-and-swap write and
// restore) is the one implementation in lambda/rollout/binding.ts, which the rollout state machine runs too.

/** The stack of that name, or undefined when it does not exist; other failures are thrown as they are. */
export function describeStack(stackName: string, deps: ApproveDeps): Promise<Stack | undefined> {
  return bindingDescribeStack(deps, stackName);
}

export { approvedParameterOf, isNoUpdates, keepParameters };

/**
 * Updates the stack with its previous template and the previous value of every parameter, so CloudFormation
 * resolves the approved-version parameter again.
 */
export function startStackUpdate(stackName: string, stack: Stack, deps: ApproveDeps) {
  return bindingStartStackUpdate(deps, stackName, stack);
}

/** How a wait for a stack update ended. */
export type StackWait =
  /** The stack left the `_IN_PROGRESS` statuses, in `status`. */
  | { readonly kind: 'ended'; readonly status: string }
  /** The bound was reached while the stack was still in `status`. */
  | { readonly kind: 'timeout'; readonly status: string }
  /** A DescribeStacks call failed. */
  | { readonly kind: 'lost'; readonly error: unknown };

/** Polls the stack until its status is no longer in progress or `timeoutMs` has passed, logging each new status. */
export async function waitForStack(
  stackName: string,
  deps: ApproveDeps,
  timeoutMs: number,
  pollIntervalMs: number,
): Promise<StackWait> {
  let waited = 0;
  let last: string | undefined;
  for (;;) {
    let stack: Stack | undefined;
    try {
      const out = await deps.cloudformation.send(new DescribeStacksCommand({ StackName: stackName }));
      stack = out?.Stacks?.[0];
    } catch (error) {
      return { kind: 'lost', error };
    }
    const status = stack?.StackStatus ?? 'UNKNOWN';
    if (status !== last) {
      const reason = stack?.StackStatusReason ? `: ${stack.StackStatusReason}` : '';
      deps.log(`  [${clock(waited)}] ${stackName} ${status}${reason}`);
      last = status;
    }
    if (!status.endsWith('_IN_PROGRESS')) return { kind: 'ended', status };
    if (waited >= timeoutMs) return { kind: 'timeout', status };
    await deps.sleep(pollIntervalMs);
    waited += pollIntervalMs;
  }
}

/** Failed resource events of the last update, oldest first; empty when they cannot be read. */
export async function failureReasons(stackName: string, deps: ApproveDeps): Promise<string[]> {
  try {
    const out = await deps.cloudformation.send(new DescribeStackEventsCommand({ StackName: stackName }));
    const reasons: string[] = [];
    // newest first: stop at the event that started the update
    for (const event of out?.StackEvents ?? []) {
      const isStack = event.ResourceType === 'AWS::CloudFormation::Stack';
      if (isStack && event.ResourceStatus === 'UPDATE_IN_PROGRESS') break;
      const reason = event.ResourceStatusReason ?? '';
      if (!event.ResourceStatus?.endsWith('_FAILED') || reason === '' || /cancelled/i.test(reason)) continue;
      reasons.push(`${event.LogicalResourceId} (${event.ResourceType}) ${event.ResourceStatus}: ${reason}`);
    }
    return reasons.reverse().slice(0, MAX_FAILURE_EVENTS);
  } catch {
    return [];
  }
}

/** The failure events as lines of a message; nothing when there are none. */
export function whatFailed(reasons: readonly string[]): string[] {
  return reasons.length > 0 ? ['what failed, first to last:', ...reasons.map((r) => `  - ${r}`)] : [];
}

export function describeStackCommand(stackName: string, region: string): string {
  return `aws cloudformation describe-stacks --stack-name ${stackName} --region ${region} --query 'Stacks[0].StackStatus'`;
}

export function putParameterCommand(target: ApproveTarget, value: string): string {
  return `aws ssm put-parameter --name ${target.parameterName} --value ${value} --type String --overwrite --region ${target.environment.region}`;
}

function clock(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
}
