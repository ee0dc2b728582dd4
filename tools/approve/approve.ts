import type { ResolvedPlatformConfig } from '../../lib/config/loader';
import {
  type ApproveDeps,
  approvedParameterOf,
  describeStackCommand,
  failureReasons,
  isNoUpdates,
  putParameterCommand,
  startStackUpdate,
  whatFailed,
} from './aws';
import { restoreApprovedArn, waitForModelStackUpdate, writeApprovedArn } from './bind';
import { checkApproved, checkModelStack, readApprovedVersion } from './checks';
import { ApproveError, describeError, RUNBOOK } from './errors';
import { checkModelPackageArn, resolveTarget } from './plan';
import { publishedFromDev, publishedVersionNotice } from './provenance';
import { startRollout } from './rollout';

export type { ApproveDeps } from './aws';

/**
 * `npm run approve`: binds an approved model package version to a model's endpoint in one environment. It writes
 * the approved-version SSM parameter, then updates the model's one stack (`<project>-<env>-model-<model>`, ADR 0018),
 * which resolves the parameter again and rolls the new version out through the endpoint's deployment guardrails. In
 * the same update, and only after the endpoint serves the version (the schedules depend on the endpoint), Model
 * Monitor (stage 4) moves to the baselines of that version; a rollback of the update rolls both back. Nothing
 * changes until every check has passed, and a failed or rolled-back update puts the previous parameter value back.
 */

/** Default bound of the wait for the stack update. */
export const DEFAULT_TIMEOUT_MS = 60 * 60 * 1000;
/** Default time between two looks at the stack status. */
export const DEFAULT_POLL_INTERVAL_MS = 15 * 1000;

export interface ApproveRequest {
  readonly config: ResolvedPlatformConfig;
  /** Name of a model of the config. */
  readonly model: string;
  /** Name of an environment of the config. */
  readonly environment: string;
  /** ARN of the model package version to serve. */
  readonly packageArn: string;
  /** Check everything and report the plan, change nothing. @default false */
  readonly dryRun?: boolean;
  /** Wait for the model stack update to finish; without waiting, it is only started. @default true */
  readonly wait?: boolean;
  /** Bound of the wait for the model stack update. @default 60 minutes */
  readonly timeoutMs?: number;
  /** Time between two looks at the stack status. @default 15 seconds */
  readonly pollIntervalMs?: number;
  /**
   * Break glass (stage 5): roll the version out although the champion/challenger gate did not pass it.
   * @default false
   */
  readonly force?: boolean;
}

export type ApproveOutcome =
  /** The parameter already held the ARN: nothing was done. */
  | 'already-approved'
  /** A batch-only model: the parameter was set, and the next batch run uses it. */
  | 'parameter-set'
  /** Dry run: everything was checked, nothing was changed. */
  | 'dry-run'
  /** The parameter was written and the stack update started; not waited for (`--no-wait`). */
  | 'update-started'
  /** The parameter was written and the stack update finished. */
  | 'updated'
  /** Stage 5: the rollout state machine was started; not waited for (`--no-wait`). */
  | 'rollout-started'
  /** Stage 5: the rollout state machine bound the version and verified the endpoint serves it. */
  | 'rolled-out';

export interface ApproveResult {
  readonly outcome: ApproveOutcome;
  /** The ARN now approved (or, in a dry run, to be approved). */
  readonly modelPackageArn: string;
  /** The parameter value before: an ARN, or `none`. */
  readonly previousModelPackageArn: string;
  readonly parameterName: string;
  readonly stackName: string;
  readonly endpointName: string;
  /** Last status of the model's stack that the command saw. */
  readonly stackStatus?: string;
  /**
   * The identity that published the version from dev (stage 2), as SageMaker recorded it: the version's metrics are
   * the publisher's claim, not evidence.
   * @default - not published: registered in this environment, or by an identity SageMaker did not record
   */
  readonly publishedBy?: string;
  /** Stage 5: the execution of the rollout state machine. */
  readonly executionArn?: string;
}

/**
 * Approves `request.packageArn` as the version that `request.model` serves in `request.environment`. Checks the
 * model, environment and ARN before any AWS call, then that the package is Approved, the registry parameter
 * exists and the model's stack can be updated; only then writes the parameter and updates the stack. Returns what
 * happened, or throws an {@link ApproveError} whose message is meant for the user.
 */
export async function approveModelVersion(request: ApproveRequest, deps: ApproveDeps): Promise<ApproveResult> {
  const target = resolveTarget(request.config, request.model, request.environment);
  const arn = request.packageArn;
  const parsed = checkModelPackageArn(arn, target);
  const timeoutMs = request.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const pollIntervalMs = request.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
  if (!(timeoutMs > 0) || !(pollIntervalMs > 0)) {
    throw new ApproveError(
      `timeout and poll interval must be positive, got ${timeoutMs} and ${pollIntervalMs} ms`,
      'usage',
    );
  }
  const { log } = deps;
  const env = target.environment;

  log(`model "${target.model}", environment "${env.name}" (account ${env.account}, region ${env.region})`);
  const { registeredBy } = await checkApproved(arn, target, deps);
  log(`model package ${target.modelPackageGroupName} version ${parsed.version} is Approved`);
  // SageMaker recorded who registered the version; a publisher's metrics are a claim, never evidence
  const publishedBy = registeredBy && publishedFromDev(registeredBy, target) ? registeredBy : undefined;
  if (publishedBy) for (const line of publishedVersionNotice(publishedBy, target)) log(line);

  const read = await readApprovedVersion(target, deps);
  const previous = read.value;
  const result = {
    modelPackageArn: arn,
    previousModelPackageArn: previous,
    parameterName: target.parameterName,
    stackName: target.stackName,
    endpointName: target.endpointName,
    publishedBy,
  };
  if (previous === arn) {
    log(`already approved: ${target.parameterName} holds ${arn}; nothing to do`);
    log(`(if endpoint ${target.endpointName} does not serve it, see "Already approved" in ${RUNBOOK})`);
    return { ...result, outcome: 'already-approved' };
  }

  if (target.rolloutStateMachineArn) {
    return startRollout(request, target, target.rolloutStateMachineArn, result, deps, { timeoutMs, pollIntervalMs });
  }

  if (!target.realtime) {
    // batch scoring resolves the parameter when each run starts: there is no stack to update
    if (request.dryRun) {
      log('dry run: nothing is changed. The approval would:');
      log(`  set SSM parameter ${target.parameterName}: ${previous} -> ${arn} (used from the next batch run)`);
      return { ...result, outcome: 'dry-run' };
    }
    await writeApprovedArn(target, read, arn, deps);
    log(`set ${target.parameterName}: ${previous} -> ${arn}; the next batch run scores with it`);
    return { ...result, outcome: 'parameter-set' };
  }

  const stack = await checkModelStack(target, deps);
  const status = stack.StackStatus as string;
  const served = approvedParameterOf(stack)?.ResolvedValue;
  if (request.dryRun) {
    log('dry run: nothing is changed. The approval would:');
    log(`  1. set SSM parameter ${target.parameterName}: ${previous} -> ${arn}`);
    log(`  2. update stack ${target.stackName} (now ${status}, serving ${served ?? 'unknown'}),`);
    log(`     which reads the parameter again and rolls the version out to endpoint ${target.endpointName},`);
    log('     then points Model Monitor, if the stack has it (stage 4), at the baselines of the version');
    return { ...result, outcome: 'dry-run', stackStatus: status };
  }

  const written = await writeApprovedArn(target, read, arn, deps);
  log(`set ${target.parameterName}: ${previous} -> ${arn}`);

  try {
    await startStackUpdate(target.stackName, stack, deps);
  } catch (error) {
    if (isNoUpdates(error)) {
      // the stack already resolved this ARN at its last update: parameter and stack agree now
      log(`stack ${target.stackName} already serves ${arn}; no update needed`);
      return { ...result, outcome: 'updated', stackStatus: status };
    }
    const restored = await restoreApprovedArn(target, written, previous, deps);
    throw new ApproveError(
      [
        `could not start the update of stack "${target.stackName}": ${describeError(error)}`,
        restored,
        `see ${RUNBOOK}`,
      ].join('\n'),
      'update-failed',
    );
  }
  log(`started the update of stack ${target.stackName}`);

  if (request.wait === false) {
    log('not waiting (--no-wait). Follow it with:');
    log(`  ${describeStackCommand(target.stackName, env.region)}`);
    log(`if it ends in UPDATE_ROLLBACK_COMPLETE, put the previous value back (see ${RUNBOOK}):`);
    log(`  ${putParameterCommand(target, previous)}`);
    return { ...result, outcome: 'update-started', stackStatus: 'UPDATE_IN_PROGRESS' };
  }

  const final = await waitForModelStackUpdate(target, previous, deps, timeoutMs, pollIntervalMs);
  if (final === 'UPDATE_COMPLETE') {
    log(`approved: stack ${target.stackName} is UPDATE_COMPLETE and endpoint ${target.endpointName} serves ${arn}`);
    return { ...result, outcome: 'updated', stackStatus: final };
  }

  const reasons = await failureReasons(target.stackName, deps);
  const restored = await restoreApprovedArn(target, written, previous, deps);
  const rolledBack = final === 'UPDATE_ROLLBACK_COMPLETE';
  const headline = rolledBack
    ? `CloudFormation rolled back the update of stack "${target.stackName}" (UPDATE_ROLLBACK_COMPLETE): the deployment guardrails of endpoint ${target.endpointName} rolled the new version back (a rollback alarm fired), or a resource failed to update. The endpoint keeps serving the previous version.`
    : final === 'UPDATE_ROLLBACK_FAILED'
      ? `the update of stack "${target.stackName}" failed and so did its rollback (UPDATE_ROLLBACK_FAILED); the stack needs a hand before it can be updated again`
      : `the update of stack "${target.stackName}" ended in ${final}`;
  throw new ApproveError(
    [headline, ...whatFailed(reasons), restored, `see ${RUNBOOK}`].join('\n'),
    rolledBack ? 'rolled-back' : 'update-failed',
  );
}
