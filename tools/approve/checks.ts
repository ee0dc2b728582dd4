import type { Stack } from '@aws-sdk/client-cloudformation';
import { DescribeModelPackageCommand } from '@aws-sdk/client-sagemaker';
import { GetParameterCommand } from '@aws-sdk/client-ssm';
import { UPDATABLE_STATUSES as BINDING_UPDATABLE_STATUSES, type ParameterValue } from '../../lambda/rollout/binding';
import { APPROVED_MODEL_STACK_PARAMETER } from '../../lib/naming';
import { type ApproveDeps, approvedParameterOf, describeStack } from './aws';
import { ApproveError, awsError, describeError, isNamed, RUNBOOK } from './errors';
import type { ApproveTarget } from './plan';

/**
 * The checks in AWS before any change: the package is Approved (SageMaker), the approved-version parameter exists
 * (SSM), the model's stack can be updated and reads that parameter (CloudFormation).
 * They only read.
 */

/** Stack statuses from which UpdateStack may start. */
export const UPDATABLE_STATUSES: readonly string[] = BINDING_UPDATABLE_STATUSES;

/**
 * Checks that the version is Approved, and returns the IAM identity that SageMaker recorded as having registered it
 * (`CreatedBy`), which nobody can set: it tells a version published from dev from one trained here.
 */
export async function checkApproved(
  arn: string,
  target: ApproveTarget,
  deps: ApproveDeps,
): Promise<{ readonly registeredBy?: string }> {
  let status: string | undefined;
  let registeredBy: string | undefined;
  try {
    const out = await deps.sagemaker.send(new DescribeModelPackageCommand({ ModelPackageName: arn }));
    status = out?.ModelApprovalStatus;
    registeredBy = out?.CreatedBy?.IamIdentity?.Arn;
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
  return { registeredBy };
}

export async function readApprovedArn(target: ApproveTarget, deps: ApproveDeps): Promise<string> {
  return (await readApprovedVersion(target, deps)).value;
}

/** The approved-version parameter's value and the version holding it, for the compare-and-swap write. */
export async function readApprovedVersion(target: ApproveTarget, deps: ApproveDeps): Promise<ParameterValue> {
  let value: string | undefined;
  let version: number | undefined;
  try {
    const out = await deps.ssm.send(new GetParameterCommand({ Name: target.parameterName }));
    value = out?.Parameter?.Value;
    version = out?.Parameter?.Version;
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
  return { value, version: version ?? 0 };
}

export async function checkModelStack(target: ApproveTarget, deps: ApproveDeps): Promise<Stack> {
  const env = target.environment;
  let stack: Stack | undefined;
  try {
    stack = await describeStack(target.stackName, deps);
  } catch (error) {
    throw awsError(`could not describe stack "${target.stackName}"`, error, target);
  }
  if (!stack?.StackStatus) {
    throw new ApproveError(
      `model stack "${target.stackName}" does not exist in account ${env.account}, region ${env.region}: deploy the stack of model "${target.model}" in environment "${env.name}" (stage 2) first`,
      'not-deployed',
    );
  }
  const status = stack.StackStatus;
  if (status.endsWith('_IN_PROGRESS')) {
    throw new ApproveError(
      `model stack "${target.stackName}" is busy (${status}); wait until it finishes, then run the command again`,
      'stack-not-ready',
    );
  }
  if (!UPDATABLE_STATUSES.includes(status)) {
    throw new ApproveError(
      `model stack "${target.stackName}" cannot be updated in status ${status}; see "When the stack update fails" in ${RUNBOOK}`,
      'stack-not-ready',
    );
  }
  const parameter = approvedParameterOf(stack);
  if (!parameter) {
    throw new ApproveError(
      `model stack "${target.stackName}" has no parameter ${APPROVED_MODEL_STACK_PARAMETER}, so it cannot pick up an approved version; redeploy it from this platform`,
      'not-deployed',
    );
  }
  if (parameter.ParameterValue !== target.parameterName) {
    throw new ApproveError(
      `model stack "${target.stackName}" reads ${APPROVED_MODEL_STACK_PARAMETER} from "${parameter.ParameterValue ?? ''}"; expected the SSM parameter "${target.parameterName}"; redeploy it from this platform`,
      'not-deployed',
    );
  }
  return stack;
}
