import { NO_APPROVED_MODEL } from '../../lib/naming';
import {
  type ApproveDeps,
  describeStackCommand,
  failureReasons,
  isNoUpdates,
  putApprovedArn,
  putParameterCommand,
  startStackUpdate,
  updateStackCommand,
  waitForStack,
  whatFailed,
} from './aws';
import { lookupMonitoringStack, type MonitoredStack, type MonitoringStack, monitoringBlocker } from './checks';
import { ApproveError, awsError, awsProblem, describeError, RUNBOOK } from './errors';
import type { ApproveTarget } from './plan';

/**
 * The changes, once every check has passed: write the approved-version parameter, wait for the serving stack
 * update, put the previous value back when it fails, and refresh the monitoring stack once the endpoint serves
 * the version.
 */

export type MonitoringOutcome =
  /** The stack was updated and Model Monitor uses the baselines of the approved version. */
  | 'refreshed'
  /** The stack already used the approved version ("No updates are to be performed"). */
  | 'up-to-date'
  /** The stack has no Model Monitor (serverless endpoint or no data capture): nothing to refresh. */
  | 'no-model-monitor'
  /** Still to refresh: in a dry run, or after `--no-wait`, where the command prints how. */
  | 'pending';

/** What the approval did to the model's monitoring stack. */
export interface MonitoringResult {
  readonly outcome: MonitoringOutcome;
  readonly stackName: string;
  /** Last status of the monitoring stack that the command saw. */
  readonly stackStatus: string;
}

export async function writeApprovedArn(target: ApproveTarget, value: string, deps: ApproveDeps): Promise<void> {
  try {
    await putApprovedArn(target, value, deps);
  } catch (error) {
    throw awsError(`could not write SSM parameter "${target.parameterName}"; nothing was changed`, error, target);
  }
}

/** Puts the previous value back; returns the sentence that tells the user whether that worked. */
export async function restoreApprovedArn(target: ApproveTarget, previous: string, deps: ApproveDeps): Promise<string> {
  try {
    await putApprovedArn(target, previous, deps);
    return `set ${target.parameterName} back to ${previous}, so the next stack update does not pick up the rejected version`;
  } catch (error) {
    return [
      `could NOT set ${target.parameterName} back to ${previous} (${describeError(error)}); do it by hand before anything updates the stack again:`,
      `  ${putParameterCommand(target, previous)}`,
    ].join('\n');
  }
}

/**
 * Waits for the serving stack update; returns its final status. Throws when the wait stops before the update
 * does, with how to follow it and put the previous value back.
 */
export async function waitForServingUpdate(
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
    `If it ends in UPDATE_COMPLETE, refresh monitoring stack ${target.monitoringStackName} if there is one (stage 4): see "Monitoring not refreshed" in ${RUNBOOK}`,
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

/**
 * Logs why a monitoring stack without Model Monitor has nothing to refresh, and returns the result: nothing when
 * it is not deployed, `no-model-monitor` when it reads no approved version.
 */
export function nothingToRefresh(
  monitoring: Exclude<MonitoringStack, MonitoredStack>,
  name: string,
  log: (line: string) => void,
): MonitoringResult | undefined {
  if (monitoring.kind === 'absent') {
    log(`monitoring stack ${name} is not deployed (it comes with stage 4): no Model Monitor to refresh`);
    return undefined;
  }
  log(`monitoring stack ${name} has no Model Monitor (serverless endpoint, or no data capture): nothing to refresh`);
  return { outcome: 'no-model-monitor', stackName: name, stackStatus: monitoring.stack.StackStatus as string };
}

/**
 * After the endpoint serves `arn`: updates the monitoring stack, so that Model Monitor uses the baselines of that
 * version, and waits for it. Nothing to do before stage 4, or when the stack has no Model Monitor. Throws an
 * {@link ApproveError} of kind `monitoring-not-refreshed` when the stack cannot be updated or its update does not
 * complete; the parameter keeps `arn` either way.
 */
export async function refreshMonitoring(
  target: ApproveTarget,
  arn: string,
  deps: ApproveDeps,
  timeoutMs: number,
  pollIntervalMs: number,
): Promise<MonitoringResult | undefined> {
  const { log } = deps;
  const name = target.monitoringStackName;
  let monitoring: MonitoringStack;
  try {
    monitoring = await lookupMonitoringStack(target, deps);
  } catch (error) {
    throw monitoringNotRefreshed(target, arn, undefined, [
      awsProblem(`could not describe monitoring stack "${name}"`, error, target),
    ]);
  }
  if (monitoring.kind !== 'monitored') return nothingToRefresh(monitoring, name, log);
  const stackStatus = monitoring.stack.StackStatus as string;
  const blocker = monitoringBlocker(monitoring, target);
  if (blocker) throw monitoringNotRefreshed(target, arn, monitoring, [blocker]);

  try {
    await startStackUpdate(name, monitoring.stack, deps);
  } catch (error) {
    if (isNoUpdates(error)) {
      log(`monitoring stack ${name} already uses the baselines of ${arn}; no update needed`);
      return { outcome: 'up-to-date', stackName: name, stackStatus };
    }
    throw monitoringNotRefreshed(target, arn, monitoring, [
      `could not start the update of monitoring stack "${name}": ${describeError(error)}`,
    ]);
  }
  log(`started the update of monitoring stack ${name}, so Model Monitor uses the baselines of ${arn}`);

  const wait = await waitForStack(name, deps, timeoutMs, pollIntervalMs);
  if (wait.kind === 'ended' && wait.status === 'UPDATE_COMPLETE') {
    log(`monitoring refreshed: stack ${name} is UPDATE_COMPLETE; Model Monitor uses the baselines of ${arn}`);
    return { outcome: 'refreshed', stackName: name, stackStatus: wait.status };
  }
  if (wait.kind !== 'ended') {
    const headline =
      wait.kind === 'lost'
        ? `lost track of the update of monitoring stack "${name}": ${describeError(wait.error)}`
        : `gave up waiting after ${duration(timeoutMs)}: monitoring stack "${name}" is still ${wait.status}`;
    throw monitoringNotRefreshed(target, arn, monitoring, [
      `${headline}. The update goes on in CloudFormation; follow it with`,
      `  ${describeStackCommand(name, target.environment.region)}`,
      'If it ends in UPDATE_COMPLETE, monitoring is refreshed and nothing is left to do.',
    ]);
  }
  const reasons = await failureReasons(name, deps);
  const headline =
    wait.status === 'UPDATE_ROLLBACK_COMPLETE'
      ? `CloudFormation rolled back the update of monitoring stack "${name}" (UPDATE_ROLLBACK_COMPLETE)`
      : wait.status === 'UPDATE_ROLLBACK_FAILED'
        ? `the update of monitoring stack "${name}" failed and so did its rollback (UPDATE_ROLLBACK_FAILED); the stack needs a hand before it can be updated again`
        : `the update of monitoring stack "${name}" ended in ${wait.status}`;
  throw monitoringNotRefreshed(target, arn, monitoring, [headline, ...whatFailed(reasons)]);
}

/** `--no-wait`: logs how to refresh the monitoring stack once the serving stack update is complete. */
export async function monitoringFollowUp(
  target: ApproveTarget,
  deps: ApproveDeps,
): Promise<MonitoringResult | undefined> {
  const { log } = deps;
  const name = target.monitoringStackName;
  let monitoring: MonitoringStack;
  try {
    monitoring = await lookupMonitoringStack(target, deps);
  } catch (error) {
    log(`could not describe monitoring stack ${name} (${describeError(error)}); if it exists (stage 4), refresh it`);
    log(`once stack ${target.stackName} is UPDATE_COMPLETE, from a checkout of the deployed version:`);
    log(`  npx cdk deploy --exclusively '${target.monitoringStackPath}'`);
    return undefined;
  }
  if (monitoring.kind !== 'monitored') return nothingToRefresh(monitoring, name, log);
  const stackStatus = monitoring.stack.StackStatus as string;
  log(`once stack ${target.stackName} is UPDATE_COMPLETE, and not before, refresh monitoring stack ${name},`);
  log('so Model Monitor uses the baselines of the new version:');
  log(`  ${updateStackCommand(name, monitoring.stack, target.environment.region)}`);
  return { outcome: 'pending', stackName: name, stackStatus };
}

/**
 * The error of an approval whose version the endpoint serves, but whose monitoring stack was not refreshed:
 * `problem` says why, the rest what that means and how to refresh it. The parameter must keep the new value.
 */
function monitoringNotRefreshed(
  target: ApproveTarget,
  arn: string,
  monitoring: MonitoredStack | undefined,
  problem: readonly string[],
): ApproveError {
  const name = target.monitoringStackName;
  const endpoint = target.endpointName;
  const before = monitoring?.parameter.ResolvedValue;
  const stale =
    before === undefined
      ? `Model Monitor of endpoint ${endpoint} may still compare traffic with the baselines of the version served before.`
      : before === NO_APPROVED_MODEL
        ? `Model Monitor of endpoint ${endpoint} is not set up yet: the monitoring stack creates it from the baselines of the approved version.`
        : `Model Monitor of endpoint ${endpoint} still compares traffic with the baselines of ${before}.`;
  return new ApproveError(
    [
      `version ${arn} is approved and served: endpoint ${endpoint} serves it and ${target.parameterName} holds it. But monitoring stack "${name}" was not refreshed:`,
      ...problem,
      stale,
      `Do not set ${target.parameterName} back: it must name the version the endpoint serves. Once the cause is fixed, refresh the monitoring stack with`,
      ...(monitoring
        ? [
            `  ${updateStackCommand(name, monitoring.stack, target.environment.region)}`,
            'or, from a checkout of the deployed version,',
          ]
        : []),
      `  npx cdk deploy --exclusively '${target.monitoringStackPath}'`,
      `(running npm run approve again answers "already approved" and does not refresh it); see "Monitoring not refreshed" in ${RUNBOOK}`,
    ].join('\n'),
    'monitoring-not-refreshed',
  );
}

function duration(ms: number): string {
  if (ms % 60_000 !== 0) return `${Math.round(ms / 1000)} seconds`;
  return ms === 60_000 ? '1 minute' : `${ms / 60_000} minutes`;
}
