import type { ApproveDeps } from './aws';
import { ApproveError, describeError } from './errors';
import type { ApproveTarget } from './plan';

/**
 * Stage 5: the approve command is the break-glass path into the same rollout state machine that an approval
 * starts by itself (ADR 0023). It starts an execution, with `force` when the gate did not pass the version, and
 * follows it; the state machine does the checks, the compare-and-swap write, the stack update, the verification of
 * the endpoint and the restore.
 */

/** The runbook of stage 5 promotion and rollout. */
export const ROLLOUT_RUNBOOK = 'docs/runbooks/promotion-and-rollout.md';

interface Request {
  readonly dryRun?: boolean;
  readonly wait?: boolean;
  readonly force?: boolean;
  readonly packageArn: string;
}

interface Result {
  readonly modelPackageArn: string;
  readonly previousModelPackageArn: string;
  readonly parameterName: string;
  readonly stackName: string;
  readonly endpointName: string;
  readonly publishedBy?: string;
}

/** Execution names: letters, digits, - and _, at most 80 characters, unique for 90 days per state machine. */
export function executionName(packageArn: string, now: number): string {
  const version = packageArn.split('/').pop() ?? 'unknown';
  return `approve-v${version}-${now}`.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 80);
}

export async function startRollout(
  request: Request,
  target: ApproveTarget,
  stateMachineArn: string,
  result: Result,
  deps: ApproveDeps,
  timing: { readonly timeoutMs: number; readonly pollIntervalMs: number },
) {
  const { log } = deps;
  if (request.dryRun) {
    log('dry run: nothing is changed. The approval would:');
    log(`  start the rollout state machine ${stateMachineArn}${request.force ? ' with force (break glass)' : ''},`);
    log(
      `  which checks the verdict, writes ${target.parameterName} (${result.previousModelPackageArn} -> ${request.packageArn}),`,
    );
    log(`  updates stack ${target.stackName} and verifies endpoint ${target.endpointName} serves the version`);
    return { ...result, outcome: 'dry-run' as const };
  }
  const rollouts = deps.rollouts;
  if (!rollouts) {
    throw new ApproveError(
      `environment "${target.environment.name}" rolls out through ${stateMachineArn}, and no Step Functions client was given`,
      'aws',
    );
  }
  let executionArn: string;
  try {
    executionArn = await rollouts.start(stateMachineArn, executionName(request.packageArn, Date.now()), {
      state: { modelPackageArn: request.packageArn, force: request.force === true, requestedBy: 'npm run approve' },
    });
  } catch (error) {
    throw new ApproveError(
      `could not start the rollout state machine ${stateMachineArn}: ${describeError(error)}; assume the break-glass role (see ${ROLLOUT_RUNBOOK})`,
      'aws',
    );
  }
  log(`started the rollout ${executionArn}${request.force ? ' (forced: break glass)' : ''}`);
  if (request.wait === false) {
    log(`not waiting (--no-wait); follow it in the Step Functions console or with`);
    log(`  aws stepfunctions describe-execution --execution-arn ${executionArn} --region ${target.environment.region}`);
    return { ...result, outcome: 'rollout-started' as const, executionArn };
  }
  let waited = 0;
  for (;;) {
    const execution = await rollouts.describe(executionArn);
    if (execution.status === 'SUCCEEDED') {
      log(`rolled out: endpoint ${target.endpointName} serves ${request.packageArn}`);
      return { ...result, outcome: 'rolled-out' as const, executionArn };
    }
    if (execution.status !== 'RUNNING') {
      throw new ApproveError(
        [
          `the rollout ${executionArn} ended ${execution.status}: ${execution.error ?? 'no error'}`,
          execution.cause ?? '',
          `the state machine restored the previous value where it still held its own; see ${ROLLOUT_RUNBOOK}`,
        ]
          .filter((line) => line !== '')
          .join('\n'),
        'rollout-failed',
      );
    }
    if (waited >= timing.timeoutMs) {
      throw new ApproveError(
        `gave up waiting after ${Math.round(timing.timeoutMs / 60_000)} minutes: the rollout ${executionArn} goes on in Step Functions; see ${ROLLOUT_RUNBOOK}`,
        'timeout',
      );
    }
    await deps.sleep(timing.pollIntervalMs);
    waited += timing.pollIntervalMs;
  }
}
