import { AddTagsCommand, DescribeModelPackageCommand } from '@aws-sdk/client-sagemaker';
import { rolloutCardCheck } from '../shared/model-card';
import {
  approvedParameterOf,
  type BindingClients,
  claimParameter,
  describeStack,
  errorMessage,
  isNoUpdates,
  liveEndpoint,
  type ParameterValue,
  readParameter,
  restoreIfOurs,
  servesExactly,
  stackProgress,
  startStackUpdate,
  UPDATABLE_STATUSES,
} from './binding';

/**
 * The steps of a model's rollout state machine (stage 5, ADR 0023), one Lambda action each; the state machine
 * (lib/constructs/model-rollout.ts) waits between polls, catches the named errors and notifies. Each step reads
 * and returns the rollout's state, so every branch replays from recorded inputs.
 */

/** What the function knows of its model, from its environment. */
export interface RolloutSettings {
  readonly project: string;
  readonly environment: string;
  readonly model: string;
  readonly parameterName: string;
  readonly modelPackageGroupName: string;
  readonly stackName: string;
  readonly endpointName: string;
  /** Served in real time: the stack is updated and the endpoint verified; otherwise the next batch run reads it. */
  readonly realtime: boolean;
  /** The gate acts in this environment (`promotion.mode` enabled): only versions with a passing verdict roll out. */
  readonly requireVerdict: boolean;
  /** Model Monitor (stage 4) moves to the version's drift baselines: a version without them cannot roll out. */
  readonly requireBaselines: boolean;
  /**
   * Prod from stage 5 (ADR 0029): only a version whose model card is Approved and names its owner rolls out;
   * a break-glass rollout may pass it, and says so in its outcome.
   */
  readonly requireApprovedCard: boolean;
}

/** The errors the state machine catches by name; each message is meant for the person on call. */
export const ROLLOUT_ERRORS = {
  refused: 'RolloutRefused',
  concurrent: 'ConcurrentApproval',
  updateFailed: 'StackUpdateFailed',
  silentRollback: 'SilentRollback',
} as const;

export class RolloutError extends Error {
  constructor(name: (typeof ROLLOUT_ERRORS)[keyof typeof ROLLOUT_ERRORS], message: string) {
    super(message);
    this.name = name;
  }
}

/** The key of the verdict's decision in the package's customer metadata (mlops_shared/promotion.py). */
export const VERDICT_DECISION_KEY = 'promotion-decision';
export const VERDICT_MODE_KEY = 'promotion-mode';
/** The tag a rollout leaves on the package it rolled out: its outcome. */
export const ROLLOUT_TAG = 'rollout-outcome';

/** The rollout's state, passed from step to step. */
export interface RolloutState {
  readonly modelPackageArn: string;
  /** Break-glass: roll out without a passing verdict (recorded in the outcome). */
  readonly force?: boolean;
  readonly requestedBy?: string;
  readonly previous?: ParameterValue;
  readonly written?: ParameterValue;
  readonly alreadyApproved?: boolean;
  readonly realtime?: boolean;
  readonly progress?: string;
  readonly stackStatus?: string;
  readonly noUpdate?: boolean;
}

export type RolloutAction = 'prepare' | 'claim' | 'update' | 'poll' | 'verify' | 'restore';

export interface RolloutDeps extends BindingClients {
  readonly settings: RolloutSettings;
}

export async function runStep(action: RolloutAction, state: RolloutState, deps: RolloutDeps): Promise<RolloutState> {
  switch (action) {
    case 'prepare':
      return prepare(state, deps);
    case 'claim':
      return claim(state, deps);
    case 'update':
      return update(state, deps);
    case 'poll':
      return poll(state, deps);
    case 'verify':
      return verify(state, deps);
    case 'restore':
      return restore(state, deps);
  }
}

/** Every check before any change: the package, its verdict and baselines, the parameter and the model's stack. */
async function prepare(state: RolloutState, deps: RolloutDeps): Promise<RolloutState> {
  const { settings } = deps;
  const arn = state.modelPackageArn;
  if (typeof arn !== 'string' || !arn.includes(`:model-package/${settings.modelPackageGroupName}/`)) {
    throw new RolloutError(
      ROLLOUT_ERRORS.refused,
      `"${String(arn)}" is not a version of model package group ${settings.modelPackageGroupName}`,
    );
  }
  const pkg = await deps.sagemaker.send(new DescribeModelPackageCommand({ ModelPackageName: arn }));
  if (pkg?.ModelApprovalStatus !== 'Approved') {
    throw new RolloutError(
      ROLLOUT_ERRORS.refused,
      `${arn} has approval status ${pkg?.ModelApprovalStatus ?? 'none'}, not Approved`,
    );
  }
  const metadata = pkg?.CustomerMetadataProperties ?? {};
  const decision = metadata[VERDICT_DECISION_KEY];
  if (settings.requireVerdict && decision !== 'approve' && !state.force) {
    throw new RolloutError(
      ROLLOUT_ERRORS.refused,
      decision === undefined
        ? `${arn} has no verdict of the champion/challenger gate; only a break-glass rollout (npm run approve -- --force) may roll it out`
        : `the gate's verdict on ${arn} is "${decision}" (${metadata['promotion-reason'] ?? 'no reason recorded'}); only a break-glass rollout may roll it out`,
    );
  }
  if (settings.requireApprovedCard && !state.force) {
    // the strict rule of lambda/shared/model-card.ts is prod's
    const card = rolloutCardCheck(pkg?.ModelCard, 'prod');
    if (!card.allowed) throw new RolloutError(ROLLOUT_ERRORS.refused, `${arn} cannot roll out: ${card.reason}`);
  }
  if (settings.requireBaselines) {
    const baselines = pkg?.DriftCheckBaselines;
    const missing = [
      ['ModelDataQuality', baselines?.ModelDataQuality?.Statistics?.S3Uri],
      ['ModelQuality', baselines?.ModelQuality?.Statistics?.S3Uri],
    ].filter(([, uri]) => !uri);
    if (missing.length > 0) {
      throw new RolloutError(
        ROLLOUT_ERRORS.refused,
        `${arn} has no ${missing.map(([kind]) => kind).join(' or ')} drift baseline, which Model Monitor needs; register it from the training pipeline`,
      );
    }
  }
  const previous = await readParameter(deps, settings.parameterName);
  const next: RolloutState = { ...state, previous, realtime: settings.realtime };
  if (previous.value === arn) return { ...next, alreadyApproved: true };
  if (!settings.realtime) return next;
  const stack = await describeStack(deps, settings.stackName);
  const status = stack?.StackStatus;
  if (!stack || !status) {
    throw new RolloutError(ROLLOUT_ERRORS.refused, `model stack ${settings.stackName} does not exist`);
  }
  if (!UPDATABLE_STATUSES.includes(status)) {
    throw new RolloutError(ROLLOUT_ERRORS.refused, `model stack ${settings.stackName} cannot be updated in ${status}`);
  }
  if (approvedParameterOf(stack)?.ParameterValue !== settings.parameterName) {
    throw new RolloutError(
      ROLLOUT_ERRORS.refused,
      `model stack ${settings.stackName} does not read the approved version from ${settings.parameterName}`,
    );
  }
  return { ...next, stackStatus: status };
}

/** The compare-and-swap write: a concurrent approval is never overwritten. */
async function claim(state: RolloutState, deps: RolloutDeps): Promise<RolloutState> {
  const { parameterName } = deps.settings;
  const previous = state.previous as ParameterValue;
  const result = await claimParameter(deps, parameterName, previous, state.modelPackageArn);
  if (result.kind === 'concurrent') {
    throw new RolloutError(
      ROLLOUT_ERRORS.concurrent,
      `${parameterName} changed since the rollout read it (version ${previous.version}, now ${result.current.version} holding ${result.current.value}): another approval is rolling out; this one stops and leaves it`,
    );
  }
  return { ...state, written: result.written };
}

async function update(state: RolloutState, deps: RolloutDeps): Promise<RolloutState> {
  const { stackName } = deps.settings;
  const stack = await describeStack(deps, stackName);
  if (!stack) throw new RolloutError(ROLLOUT_ERRORS.updateFailed, `model stack ${stackName} disappeared`);
  try {
    await startStackUpdate(deps, stackName, stack);
  } catch (error) {
    // the stack already resolved this ARN at its last update: parameter and stack agree
    if (isNoUpdates(error)) return { ...state, noUpdate: true, progress: 'complete' };
    throw new RolloutError(
      ROLLOUT_ERRORS.updateFailed,
      `could not start the update of ${stackName}: ${errorMessage(error)}`,
    );
  }
  return { ...state, progress: 'in-progress' };
}

async function poll(state: RolloutState, deps: RolloutDeps): Promise<RolloutState> {
  const { stackName } = deps.settings;
  const status = (await describeStack(deps, stackName))?.StackStatus ?? 'UNKNOWN';
  const progress = stackProgress(status);
  if (progress === 'rolled-back' || progress === 'failed') {
    throw new RolloutError(
      ROLLOUT_ERRORS.updateFailed,
      progress === 'rolled-back'
        ? `CloudFormation rolled back the update of ${stackName} (${status}): the deployment guardrails rolled the version back (an alarm fired) or a resource failed; the endpoint keeps the previous version`
        : `the update of ${stackName} ended in ${status}`,
    );
  }
  return { ...state, progress, stackStatus: status };
}

/** The endpoint must serve exactly the approved package: CloudFormation can report success after a rollback. */
async function verify(state: RolloutState, deps: RolloutDeps): Promise<RolloutState> {
  const { endpointName } = deps.settings;
  const live = await liveEndpoint(deps, endpointName);
  if (servesExactly(live, state.modelPackageArn)) return state;
  await deps.sagemaker.send(
    new AddTagsCommand({
      ResourceArn: state.modelPackageArn,
      Tags: [{ Key: ROLLOUT_TAG, Value: 'silent-rollback' }],
    }),
  );
  throw new RolloutError(
    ROLLOUT_ERRORS.silentRollback,
    `endpoint ${endpointName} is ${live.status} and serves ${live.modelPackages.join(', ') || 'no model package'} (config ${live.endpointConfigName ?? 'none'}), not ${state.modelPackageArn}, although its stack reports ${state.stackStatus ?? 'success'}: a silent rollback`,
  );
}

/** Puts the previous value back only while the parameter holds the rollout's own write. */
async function restore(state: RolloutState, deps: RolloutDeps): Promise<RolloutState> {
  const { written, previous } = state;
  if (!written || !previous) return state;
  const result = await restoreIfOurs(deps, deps.settings.parameterName, written, previous.value);
  return { ...state, progress: result.kind === 'restored' ? 'restored' : 'left-for-newer-approval' };
}
