import type { Parameter, Stack } from '@aws-sdk/client-cloudformation';
import { DescribeModelPackageCommand } from '@aws-sdk/client-sagemaker';
import { GetParameterCommand } from '@aws-sdk/client-ssm';
import { APPROVED_MODEL_STACK_PARAMETER, NO_APPROVED_MODEL } from '../../lib/naming';
import { type ApproveDeps, approvedParameterOf, describeStack } from './aws';
import { ApproveError, awsError, describeError, isNamed, RUNBOOK } from './errors';
import type { ApproveTarget } from './plan';

/**
 * The checks in AWS before any change: the package is Approved (SageMaker), the approved-version parameter exists
 * (SSM), the serving stack can be updated and reads that parameter, and what the monitoring stack is (CloudFormation).
 * They only read.
 */

/** Stack statuses from which UpdateStack may start. */
export const UPDATABLE_STATUSES: readonly string[] = [
  'CREATE_COMPLETE',
  'UPDATE_COMPLETE',
  'UPDATE_ROLLBACK_COMPLETE',
  'IMPORT_COMPLETE',
  'IMPORT_ROLLBACK_COMPLETE',
];

export async function checkApproved(arn: string, target: ApproveTarget, deps: ApproveDeps): Promise<void> {
  let status: string | undefined;
  try {
    const out = await deps.sagemaker.send(new DescribeModelPackageCommand({ ModelPackageName: arn }));
    status = out?.ModelApprovalStatus;
  } catch (error) {
    if (isNamed(error, 'ResourceNotFound', 'ValidationException')) {
      throw new ApproveError(
        `model package "${arn}" was not found (${describeError(error)}); check the version number, and that your AWS credentials are for account ${target.environment.account} (environment "${target.environment.name}")`,
        'not-found',
      );
    }
    throw awsError(`could not describe model package "${arn}"`, error, target);
  }
  if (status !== 'Approved') {
    const env = target.environment;
    throw new ApproveError(
      [
        `model package "${arn}" has approval status "${status ?? 'none'}", not "Approved"; a ModelApprover (role ${target.modelApproverRoleName}) must approve it first, for example with`,
        `  aws sagemaker update-model-package --model-package-arn ${arn} --model-approval-status Approved --region ${env.region}`,
      ].join('\n'),
      'not-approved',
    );
  }
}

export async function readApprovedArn(target: ApproveTarget, deps: ApproveDeps): Promise<string> {
  let value: string | undefined;
  try {
    const out = await deps.ssm.send(new GetParameterCommand({ Name: target.parameterName }));
    value = out?.Parameter?.Value;
  } catch (error) {
    if (isNamed(error, 'ParameterNotFound')) {
      const env = target.environment;
      throw new ApproveError(
        `SSM parameter "${target.parameterName}" does not exist in account ${env.account}, region ${env.region}: the registry stack of environment "${env.name}" is not deployed, or was deployed before model "${target.model}" was configured; deploy it (stage 2) first`,
        'not-deployed',
      );
    }
    throw awsError(`could not read SSM parameter "${target.parameterName}"`, error, target);
  }
  if (value === undefined) {
    throw new ApproveError(`SSM parameter "${target.parameterName}" has no value`, 'aws');
  }
  return value;
}

export async function checkServingStack(target: ApproveTarget, deps: ApproveDeps): Promise<Stack> {
  const env = target.environment;
  let stack: Stack | undefined;
  try {
    stack = await describeStack(target.stackName, deps);
  } catch (error) {
    throw awsError(`could not describe stack "${target.stackName}"`, error, target);
  }
  if (!stack?.StackStatus) {
    throw new ApproveError(
      `serving stack "${target.stackName}" does not exist in account ${env.account}, region ${env.region}: deploy the serving stack of model "${target.model}" in environment "${env.name}" (stage 2) first`,
      'not-deployed',
    );
  }
  const status = stack.StackStatus;
  if (status.endsWith('_IN_PROGRESS')) {
    throw new ApproveError(
      `serving stack "${target.stackName}" is busy (${status}); wait until it finishes, then run the command again`,
      'stack-not-ready',
    );
  }
  if (!UPDATABLE_STATUSES.includes(status)) {
    throw new ApproveError(
      `serving stack "${target.stackName}" cannot be updated in status ${status}; see "When the stack update fails" in ${RUNBOOK}`,
      'stack-not-ready',
    );
  }
  const parameter = approvedParameterOf(stack);
  if (!parameter) {
    throw new ApproveError(
      `serving stack "${target.stackName}" has no parameter ${APPROVED_MODEL_STACK_PARAMETER}, so it cannot pick up an approved version; redeploy it from this platform`,
      'not-deployed',
    );
  }
  if (parameter.ParameterValue !== target.parameterName) {
    throw new ApproveError(
      `serving stack "${target.stackName}" reads ${APPROVED_MODEL_STACK_PARAMETER} from "${parameter.ParameterValue ?? ''}"; expected the SSM parameter "${target.parameterName}"; redeploy it from this platform`,
      'not-deployed',
    );
  }
  return stack;
}

/** The model's monitoring stack as DescribeStacks shows it. */
export type MonitoringStack =
  /** Not deployed: the environment is below stage 4. */
  | { readonly kind: 'absent' }
  /** Deployed without Model Monitor (a serverless endpoint, or no data capture), so it reads no approved version. */
  | { readonly kind: 'no-model-monitor'; readonly stack: Stack }
  /** Deployed with Model Monitor, whose baselines are those of the version it resolved from `parameter`. */
  | { readonly kind: 'monitored'; readonly stack: Stack; readonly parameter: Parameter };

export type MonitoredStack = Extract<MonitoringStack, { kind: 'monitored' }>;

/** Describes the monitoring stack; AWS failures other than "does not exist" are thrown as they are. */
export async function lookupMonitoringStack(target: ApproveTarget, deps: ApproveDeps): Promise<MonitoringStack> {
  const stack = await describeStack(target.monitoringStackName, deps);
  if (!stack?.StackStatus) return { kind: 'absent' };
  const parameter = approvedParameterOf(stack);
  return parameter ? { kind: 'monitored', stack, parameter } : { kind: 'no-model-monitor', stack };
}

/** Why the monitoring stack cannot be updated now, or undefined when it can. */
export function monitoringBlocker(monitoring: MonitoredStack, target: ApproveTarget): string | undefined {
  const name = target.monitoringStackName;
  const status = monitoring.stack.StackStatus as string;
  if (monitoring.parameter.ParameterValue !== target.parameterName) {
    return `monitoring stack "${name}" reads ${APPROVED_MODEL_STACK_PARAMETER} from "${monitoring.parameter.ParameterValue ?? ''}", not from the SSM parameter "${target.parameterName}"; redeploy it from this platform`;
  }
  if (status.endsWith('_IN_PROGRESS')) return `monitoring stack "${name}" is busy (${status})`;
  if (!UPDATABLE_STATUSES.includes(status)) return `monitoring stack "${name}" cannot be updated in status ${status}`;
  return undefined;
}

/** What the monitoring stack's baselines are now, for messages. */
export function baselinesOf(monitoring: MonitoredStack): string {
  const resolved = monitoring.parameter.ResolvedValue;
  if (resolved === NO_APPROVED_MODEL) return 'no Model Monitor yet';
  return `baselines of ${resolved ?? 'unknown'}`;
}
