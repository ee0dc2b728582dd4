import { claimParameter, type ParameterValue, restoreIfOurs } from '../../lambda/rollout/binding';
import { type ApproveDeps, describeStackCommand, putParameterCommand, waitForStack } from './aws';
import { ApproveError, awsError, describeError, RUNBOOK } from './errors';
import type { ApproveTarget } from './plan';

/**
 * The changes, once every check has passed: write the approved-version parameter, wait for the model stack update
 * (which serves the version and then refreshes Model Monitor), and put the previous value back when it fails.
 */

/**
 * Writes `value` unless another approval changed the parameter since it was read (`expected`): the compare-and-swap
 * of lambda/rollout/binding.ts, which the rollout state machine uses too. Returns the version written.
 */
export async function writeApprovedArn(
  target: ApproveTarget,
  expected: ParameterValue,
  value: string,
  deps: ApproveDeps,
): Promise<ParameterValue> {
  let result: Awaited<ReturnType<typeof claimParameter>>;
  try {
    result = await claimParameter(deps, target.parameterName, expected, value);
  } catch (error) {
    throw awsError(`could not write SSM parameter "${target.parameterName}"; nothing was changed`, error, target);
  }
  if (result.kind === 'concurrent') {
    throw new ApproveError(
      `SSM parameter "${target.parameterName}" changed while the command ran (now ${result.current.value}, version ${result.current.version}): another approval is rolling out, and it was left in place; check it, then run the command again if you still mean to approve this version`,
      'concurrent',
    );
  }
  return result.written;
}

/**
 * Puts the previous value back while the parameter still holds this command's own write; returns the sentence that
 * tells the user what happened.
 */
export async function restoreApprovedArn(
  target: ApproveTarget,
  written: ParameterValue,
  previous: string,
  deps: ApproveDeps,
): Promise<string> {
  try {
    const result = await restoreIfOurs(deps, target.parameterName, written, previous);
    if (result.kind === 'left') {
      return `left ${target.parameterName} at ${result.current.value} (version ${result.current.version}): another approval wrote it after this command, so it is not overwritten`;
    }
    return `set ${target.parameterName} back to ${previous}, so the next stack update does not pick up the rejected version`;
  } catch (error) {
    return [
      `could NOT set ${target.parameterName} back to ${previous} (${describeError(error)}); do it by hand before anything updates the stack again:`,
      `  ${putParameterCommand(target, previous)}`,
    ].join('\n');
  }
}

/**
 * Waits for the model stack update; returns its final status. Throws when the wait stops before the update
 * does, with how to follow it and put the previous value back.
 */
export async function waitForModelStackUpdate(
  target: ApproveTarget,
  previous: string,
  deps: ApproveDeps,
  timeoutMs: number,
  pollIntervalMs: number,
): Promise<string> {
  const wait = await waitForStack(target.stackName, deps, timeoutMs, pollIntervalMs);
  if (wait.kind === 'ended') return wait.status;
  const followUp = [
    'The update goes on in CloudFormation, and the parameter keeps the new value. Follow it with',
    `  ${describeStackCommand(target.stackName, target.environment.region)}`,
    'and if it ends in UPDATE_ROLLBACK_COMPLETE, put the previous value back:',
    `  ${putParameterCommand(target, previous)}`,
  ];
  if (wait.kind === 'lost') {
    throw new ApproveError(
      [`lost track of the update of stack "${target.stackName}": ${describeError(wait.error)}`, ...followUp].join('\n'),
      'aws',
    );
  }
  throw new ApproveError(
    [
      `gave up waiting after ${duration(timeoutMs)}: stack "${target.stackName}" is still ${wait.status}.`,
      ...followUp,
      `see ${RUNBOOK}`,
    ].join('\n'),
    'timeout',
  );
}

function duration(ms: number): string {
  if (ms % 60_000 !== 0) return `${Math.round(ms / 1000)} seconds`;
  return ms === 60_000 ? '1 minute' : `${ms / 60_000} minutes`;
}
