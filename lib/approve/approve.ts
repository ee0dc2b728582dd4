import {
  type CloudFormationClient,
  DescribeStackEventsCommand,
  DescribeStacksCommand,
  type Parameter,
  type Stack,
  UpdateStackCommand,
} from '@aws-sdk/client-cloudformation';
import { DescribeModelPackageCommand, type SageMakerClient } from '@aws-sdk/client-sagemaker';
import { GetParameterCommand, PutParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import type { ResolvedEnvironment, ResolvedPlatformConfig } from '../config/loader';
import {
  APPROVED_MODEL_STACK_PARAMETER,
  approvedModelParameterName,
  endpointName,
  modelPackageGroupName,
  monitoringStackName,
  NO_APPROVED_MODEL,
  servingStackName,
} from '../naming';

/**
 * `npm run approve`: binds an approved model package version to a model's endpoint in one environment. It writes
 * the approved-version SSM parameter, then updates the serving stack, which resolves the parameter again and
 * rolls the new version out through the endpoint's deployment guardrails. Nothing changes until every check has
 * passed, and a failed or rolled-back update puts the previous parameter value back. Once the endpoint serves the
 * version, it updates the model's monitoring stack (stage 4) too, so Model Monitor compares traffic with the
 * baselines of that version; a failure there leaves the parameter alone, since the endpoint serves its value.
 */

export const RUNBOOK = 'docs/runbooks/approve-and-rollback.md';

export const APPROVE_USAGE =
  'usage: npm run approve -- --model <name> --env <environment> --package-arn <model package version ARN> ' +
  '[--dry-run] [--no-wait] [--timeout-minutes <minutes>] [--config <path>]';

export const APPROVE_HELP = `${APPROVE_USAGE}

Serves an approved model package version: writes it to the model's approved-version SSM parameter, then updates
the model's serving stack, which rolls it out to the endpoint through the deployment guardrails. Once the endpoint
serves it, updates the model's monitoring stack (stage 4), so Model Monitor uses the baselines of that version.

  --model <name>              a model of the config (models[].name)
  --env <environment>         an environment of the config (environments[].name)
  --package-arn <arn>         ARN of an Approved version in the model's package group of that environment
  --dry-run                   check everything and print the plan; change nothing
  --no-wait                   start the serving stack update and return without waiting for it; prints the
                              command that refreshes the monitoring stack once the update is complete
  --timeout-minutes <minutes> how long to wait for each stack update, serving then monitoring (default 60)
  --config <path>             the platform config (default config/platform.json)

Runbook: ${RUNBOOK}`;

/** Partitions whose model package ARNs the command accepts. */
export const PARTITIONS = ['aws', 'aws-cn', 'aws-us-gov'] as const;
export type Partition = (typeof PARTITIONS)[number];

/** Default bound of the wait for each stack update. */
export const DEFAULT_TIMEOUT_MS = 60 * 60 * 1000;
/** Default time between two looks at the stack status. */
export const DEFAULT_POLL_INTERVAL_MS = 15 * 1000;
const MAX_TIMEOUT_MINUTES = 24 * 60;

/** Stack statuses from which UpdateStack may start. */
const UPDATABLE_STATUSES: readonly string[] = [
  'CREATE_COMPLETE',
  'UPDATE_COMPLETE',
  'UPDATE_ROLLBACK_COMPLETE',
  'IMPORT_COMPLETE',
  'IMPORT_ROLLBACK_COMPLETE',
];
/** Capabilities of a stack update: the platform's stacks create IAM roles with names. */
const CAPABILITIES = ['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM'] as const;
/** Most failure events quoted from a failed update. */
const MAX_FAILURE_EVENTS = 5;

export type ApproveErrorKind =
  /** Bad command line (exit code 2). */
  | 'usage'
  /** Unknown model or environment, or an ARN that cannot be the model's. */
  | 'invalid-request'
  /** The model package is missing. */
  | 'not-found'
  /** The model package is not Approved. */
  | 'not-approved'
  /** The registry or serving stack is not deployed. */
  | 'not-deployed'
  /** The serving stack is busy or in a status that cannot be updated. */
  | 'stack-not-ready'
  /** An AWS call failed. */
  | 'aws'
  /** The stack update could not start or ended in failure. */
  | 'update-failed'
  /** CloudFormation rolled the update back. */
  | 'rolled-back'
  /** The stack update did not finish in time. */
  | 'timeout'
  /**
   * The version is approved and the endpoint serves it, but the monitoring stack could not be updated: Model
   * Monitor still uses the baselines of the version served before (exit code 3).
   */
  | 'monitoring-not-refreshed';

/** A failure to show the user as is: the message says what is wrong and what to do, without a stack trace. */
export class ApproveError extends Error {
  constructor(
    message: string,
    readonly kind: ApproveErrorKind,
  ) {
    super(message);
    this.name = 'ApproveError';
  }

  /**
   * Exit code of the command: 2 for a bad command line, 3 when the version is served but monitoring was not
   * refreshed, 1 otherwise.
   */
  get exitCode(): number {
    if (this.kind === 'usage') return 2;
    return this.kind === 'monitoring-not-refreshed' ? 3 : 1;
  }
}

function usageError(problem: string): ApproveError {
  return new ApproveError(`${problem}\n${APPROVE_USAGE}`, 'usage');
}

// ---------------------------------------------------------------------------------------------------------------
// Command line

/** The command line of `npm run approve`, parsed. */
export interface ApproveArgs {
  readonly model: string;
  readonly environment: string;
  readonly packageArn: string;
  readonly dryRun: boolean;
  readonly wait: boolean;
  readonly timeoutMinutes?: number;
  /** Path of the config file; the loader's default when absent. */
  readonly config?: string;
}

export type ParsedApproveArgs = { readonly help: true } | ({ readonly help: false } & ApproveArgs);

const VALUE_FLAGS = ['--model', '--env', '--package-arn', '--timeout-minutes', '--config'] as const;
type ValueFlag = (typeof VALUE_FLAGS)[number];
const SWITCHES = ['--dry-run', '--no-wait'] as const;
type Switch = (typeof SWITCHES)[number];
const REQUIRED_FLAGS: readonly ValueFlag[] = ['--model', '--env', '--package-arn'];

const isValueFlag = (flag: string): flag is ValueFlag => (VALUE_FLAGS as readonly string[]).includes(flag);
const isSwitch = (flag: string): flag is Switch => (SWITCHES as readonly string[]).includes(flag);

/**
 * Parses the arguments after `npm run approve --`. Accepts `--flag value` and `--flag=value`. Throws an
 * {@link ApproveError} of kind `usage` naming the flag for an unknown or repeated flag, a missing value or a
 * missing required flag.
 */
export function parseApproveArgs(argv: readonly string[]): ParsedApproveArgs {
  if (argv.includes('--help') || argv.includes('-h')) return { help: true };
  const values = new Map<ValueFlag, string>();
  const switches = new Set<Switch>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (!arg.startsWith('-')) throw usageError(`unexpected argument "${arg}"; every value follows its flag`);
    const equals = arg.indexOf('=');
    const flag = equals === -1 ? arg : arg.slice(0, equals);
    const inline = equals === -1 ? undefined : arg.slice(equals + 1);
    if (isSwitch(flag)) {
      if (inline !== undefined) throw usageError(`${flag} takes no value, got "${arg}"`);
      if (switches.has(flag)) throw usageError(`${flag} is given more than once`);
      switches.add(flag);
      continue;
    }
    if (!isValueFlag(flag)) throw usageError(`unknown flag ${flag}`);
    if (values.has(flag)) throw usageError(`${flag} is given more than once`);
    let value = inline;
    if (value === undefined) {
      const next = argv[i + 1];
      if (next !== undefined && !next.startsWith('--')) {
        value = next;
        i++;
      }
    }
    if (value === undefined || value.trim() === '') throw usageError(`${flag} needs a value`);
    values.set(flag, value.trim());
  }

  const missing = REQUIRED_FLAGS.filter((flag) => !values.has(flag));
  if (missing.length > 0) {
    throw usageError(`missing required flag${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`);
  }
  const timeout = values.get('--timeout-minutes');
  let timeoutMinutes: number | undefined;
  if (timeout !== undefined) {
    timeoutMinutes = Number(timeout);
    if (!/^\d+$/.test(timeout) || timeoutMinutes < 1 || timeoutMinutes > MAX_TIMEOUT_MINUTES) {
      throw usageError(
        `--timeout-minutes needs a whole number of minutes from 1 to ${MAX_TIMEOUT_MINUTES}, got "${timeout}"`,
      );
    }
  }
  return {
    help: false,
    model: values.get('--model') as string,
    environment: values.get('--env') as string,
    packageArn: values.get('--package-arn') as string,
    dryRun: switches.has('--dry-run'),
    wait: !switches.has('--no-wait'),
    timeoutMinutes,
    config: values.get('--config'),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Checks that need no AWS call

/** The partition of a region: `aws-cn` for `cn-*`, `aws-us-gov` for `us-gov-*`, else `aws`. */
export function partitionOfRegion(region: string): Partition {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

/** What the command acts on: one model in one environment, and the names of its resources. */
export interface ApproveTarget {
  readonly project: string;
  readonly model: string;
  readonly environment: ResolvedEnvironment;
  readonly partition: Partition;
  readonly parameterName: string;
  readonly modelPackageGroupName: string;
  readonly stackName: string;
  readonly endpointName: string;
  /** Whether the model has a real-time serving stack; batch-only models read the parameter at each run. */
  readonly realtime: boolean;
  /** The model's monitoring stack (stage 4), which reads the parameter too when it runs Model Monitor. */
  readonly monitoringStackName: string;
  /** Path of the monitoring stack in the CDK app, for `cdk deploy`: `<Stage>/Monitoring-<model>`. */
  readonly monitoringStackPath: string;
}

/** Finds the model and the environment in the config, or throws an {@link ApproveError} listing the known ones. */
export function resolveTarget(config: ResolvedPlatformConfig, model: string, environmentName: string): ApproveTarget {
  const models = config.config.models.map((m) => m.name);
  if (!models.includes(model)) {
    throw new ApproveError(
      models.length === 0
        ? `unknown model "${model}": the config has no models; add it under models[]`
        : `unknown model "${model}"; configured models: ${models.join(', ')}`,
      'invalid-request',
    );
  }
  const environment = config.allEnvironments.find((e) => e.name === environmentName);
  if (!environment) {
    throw new ApproveError(
      `unknown environment "${environmentName}"; configured environments: ${config.allEnvironments.map((e) => e.name).join(', ')}`,
      'invalid-request',
    );
  }
  const { project } = config;
  return {
    project,
    model,
    environment,
    partition: partitionOfRegion(environment.region),
    parameterName: approvedModelParameterName(project, environment.name, model),
    modelPackageGroupName: modelPackageGroupName(project, environment.name, model),
    stackName: servingStackName(project, environment.name, model),
    endpointName: endpointName(project, environment.name, model),
    realtime: config.config.models.find((m) => m.name === model)?.serving !== 'batch',
    monitoringStackName: monitoringStackName(project, environment.name, model),
    monitoringStackPath: `${environment.stageId}/Monitoring-${model}`,
  };
}

/** The parts of a model package version ARN. */
export interface ModelPackageArn {
  readonly partition: Partition;
  readonly region: string;
  readonly account: string;
  readonly group: string;
  readonly version: number;
}

const MODEL_PACKAGE_ARN = new RegExp(
  `^arn:(${PARTITIONS.join('|')}):sagemaker:([a-z]{2}(?:-[a-z]+)+-\\d):(\\d{12}):model-package/([a-zA-Z0-9](?:-*[a-zA-Z0-9]){0,62})/([1-9]\\d*)$`,
);

/** A model package version ARN of the target's group, for examples in messages. */
export function exampleModelPackageArn(target: ApproveTarget, version = 1): string {
  const { region, account } = target.environment;
  return [
    'arn',
    target.partition,
    'sagemaker',
    region,
    account,
    `model-package/${target.modelPackageGroupName}/${version}`,
  ].join(':');
}

/**
 * Checks that `arn` is a model package version ARN in the target environment's partition, account and region,
 * and in the target model's package group. Throws an {@link ApproveError} with one line per problem.
 */
export function checkModelPackageArn(arn: string, target: ApproveTarget): ModelPackageArn {
  const example = exampleModelPackageArn(target);
  const match = MODEL_PACKAGE_ARN.exec(arn);
  if (!match) {
    const problem = /:model-package-group\//.test(arn)
      ? `"${arn}" is the ARN of a model package group, not of one version; expected a version ARN such as "${example}"`
      : `malformed model package ARN "${arn}"; expected arn:<partition>:sagemaker:<region>:<12-digit account>:model-package/<group>/<version>, such as "${example}"`;
    throw new ApproveError(problem, 'invalid-request');
  }
  const [, partition, region, account, group, version] = match as unknown as [
    string,
    Partition,
    string,
    string,
    string,
    string,
  ];
  const env = target.environment;
  const problems: string[] = [];
  if (account !== env.account) {
    problems.push(
      `model package ARN "${arn}" is in account "${account}"; expected "${env.account}", the account of environment "${env.name}"`,
    );
  }
  if (region !== env.region) {
    problems.push(
      `model package ARN "${arn}" is in region "${region}"; expected "${env.region}", the region of environment "${env.name}"`,
    );
  }
  if (partition !== target.partition) {
    problems.push(
      `model package ARN "${arn}" is in partition "${partition}"; expected "${target.partition}", the partition of region ${env.region}`,
    );
  }
  if (group !== target.modelPackageGroupName) {
    problems.push(
      `model package ARN "${arn}" is in model package group "${group}"; expected "${target.modelPackageGroupName}", the group of model "${target.model}" in environment "${env.name}"`,
    );
  }
  if (problems.length > 0) throw new ApproveError(problems.join('\n'), 'invalid-request');
  return { partition, region, account, group, version: Number(version) };
}

// ---------------------------------------------------------------------------------------------------------------
// The approval

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
  /**
   * Wait for the serving stack update to finish, then update the monitoring stack and wait for it too. Without
   * waiting, only the serving stack update is started. @default true
   */
  readonly wait?: boolean;
  /** Bound of each wait: for the serving stack update, then for the monitoring stack update. @default 60 minutes */
  readonly timeoutMs?: number;
  /** Time between two looks at the stack status. @default 15 seconds */
  readonly pollIntervalMs?: number;
}

/** Everything the approval talks to, injected so tests can replace it. */
export interface ApproveDeps {
  readonly sagemaker: SageMakerClient;
  readonly ssm: SSMClient;
  readonly cloudformation: CloudFormationClient;
  /** Waits between two looks at the stack status. */
  readonly sleep: (ms: number) => Promise<void>;
  /** Prints one line of progress for the user. */
  readonly log: (line: string) => void;
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
  | 'updated';

export interface ApproveResult {
  readonly outcome: ApproveOutcome;
  /** The ARN now approved (or, in a dry run, to be approved). */
  readonly modelPackageArn: string;
  /** The parameter value before: an ARN, or `none`. */
  readonly previousModelPackageArn: string;
  readonly parameterName: string;
  readonly stackName: string;
  readonly endpointName: string;
  /** Last status of the serving stack that the command saw. */
  readonly stackStatus?: string;
  /**
   * The model's monitoring stack, when the command looked at it and it exists: after the serving stack update,
   * in a dry run and with `--no-wait`. Undefined before stage 4 (no monitoring stack) and for batch-only models.
   */
  readonly monitoring?: MonitoringResult;
}

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

/**
 * Approves `request.packageArn` as the version that `request.model` serves in `request.environment`. Checks the
 * model, environment and ARN before any AWS call, then that the package is Approved, the registry parameter
 * exists and the serving stack can be updated; only then writes the parameter and updates the stack. Returns what
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
  await checkApproved(arn, target, deps);
  log(`model package ${target.modelPackageGroupName} version ${parsed.version} is Approved`);

  const previous = await readApprovedArn(target, deps);
  const result = {
    modelPackageArn: arn,
    previousModelPackageArn: previous,
    parameterName: target.parameterName,
    stackName: target.stackName,
    endpointName: target.endpointName,
  };
  if (previous === arn) {
    log(`already approved: ${target.parameterName} holds ${arn}; nothing to do`);
    log(`(if endpoint ${target.endpointName} does not serve it, see "Already approved" in ${RUNBOOK})`);
    return { ...result, outcome: 'already-approved' };
  }

  if (!target.realtime) {
    // batch scoring resolves the parameter when each run starts: there is no stack to update
    if (request.dryRun) {
      log('dry run: nothing is changed. The approval would:');
      log(`  set SSM parameter ${target.parameterName}: ${previous} -> ${arn} (used from the next batch run)`);
      return { ...result, outcome: 'dry-run' };
    }
    await writeApprovedArn(target, arn, deps);
    log(`set ${target.parameterName}: ${previous} -> ${arn}; the next batch run scores with it`);
    return { ...result, outcome: 'parameter-set' };
  }

  const stack = await checkServingStack(target, deps);
  const status = stack.StackStatus as string;
  const served = approvedParameterOf(stack)?.ResolvedValue;
  if (request.dryRun) {
    let monitoring: MonitoringStack;
    try {
      monitoring = await lookupMonitoringStack(target, deps);
    } catch (error) {
      throw awsError(`could not describe stack "${target.monitoringStackName}"`, error, target);
    }
    log('dry run: nothing is changed. The approval would:');
    log(`  1. set SSM parameter ${target.parameterName}: ${previous} -> ${arn}`);
    log(`  2. update stack ${target.stackName} (now ${status}, serving ${served ?? 'unknown'}),`);
    log(`     which reads the parameter again and rolls the version out to endpoint ${target.endpointName}`);
    return {
      ...result,
      outcome: 'dry-run',
      stackStatus: status,
      monitoring: planMonitoringRefresh(monitoring, target, log),
    };
  }

  await writeApprovedArn(target, arn, deps);
  log(`set ${target.parameterName}: ${previous} -> ${arn}`);

  try {
    await startStackUpdate(target.stackName, stack, deps);
  } catch (error) {
    if (isNoUpdates(error)) {
      // the stack already resolved this ARN at its last update: parameter and stack agree now
      log(`stack ${target.stackName} already serves ${arn}; no update needed`);
      const monitoring = await refreshMonitoring(target, arn, deps, timeoutMs, pollIntervalMs);
      return { ...result, outcome: 'updated', stackStatus: status, monitoring };
    }
    const restored = await restoreApprovedArn(target, previous, deps);
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
    // the monitoring stack must follow only a served version: its refresh is left to the operator, after the update
    const monitoring = await monitoringFollowUp(target, deps);
    return { ...result, outcome: 'update-started', stackStatus: 'UPDATE_IN_PROGRESS', monitoring };
  }

  const final = await waitForServingUpdate(target, previous, deps, timeoutMs, pollIntervalMs);
  if (final === 'UPDATE_COMPLETE') {
    log(`approved: stack ${target.stackName} is UPDATE_COMPLETE and endpoint ${target.endpointName} serves ${arn}`);
    const monitoring = await refreshMonitoring(target, arn, deps, timeoutMs, pollIntervalMs);
    return { ...result, outcome: 'updated', stackStatus: final, monitoring };
  }

  const reasons = await failureReasons(target.stackName, deps);
  const restored = await restoreApprovedArn(target, previous, deps);
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

// ---------------------------------------------------------------------------------------------------------------
// AWS steps

async function checkApproved(arn: string, target: ApproveTarget, deps: ApproveDeps): Promise<void> {
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
        `model package "${arn}" has approval status "${status ?? 'none'}", not "Approved"; a ModelApprover (role ${target.project}-${env.name}-model-approver) must approve it first, for example with`,
        `  aws sagemaker update-model-package --model-package-arn ${arn} --model-approval-status Approved --region ${env.region}`,
      ].join('\n'),
      'not-approved',
    );
  }
}

async function readApprovedArn(target: ApproveTarget, deps: ApproveDeps): Promise<string> {
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

/** The stack of that name, or undefined when it does not exist; other failures are thrown as they are. */
async function describeStack(stackName: string, deps: ApproveDeps): Promise<Stack | undefined> {
  try {
    const out = await deps.cloudformation.send(new DescribeStacksCommand({ StackName: stackName }));
    return out?.Stacks?.[0];
  } catch (error) {
    if (isNamed(error, 'ValidationError') && /does not exist/i.test(messageOf(error))) return undefined;
    throw error;
  }
}

function approvedParameterOf(stack: Stack): Parameter | undefined {
  return stack.Parameters?.find((p) => p.ParameterKey === APPROVED_MODEL_STACK_PARAMETER);
}

async function checkServingStack(target: ApproveTarget, deps: ApproveDeps): Promise<Stack> {
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

/**
 * Updates the stack with its previous template and the previous value of every parameter, so CloudFormation
 * resolves the approved-version parameter again.
 */
function startStackUpdate(stackName: string, stack: Stack, deps: ApproveDeps) {
  return deps.cloudformation.send(
    new UpdateStackCommand({
      StackName: stackName,
      UsePreviousTemplate: true,
      Parameters: keepParameters(stack.Parameters ?? []),
      Capabilities: [...CAPABILITIES],
    }),
  );
}

/** Whether UpdateStack refused because nothing would change: the stack already resolved the parameter's value. */
function isNoUpdates(error: unknown): boolean {
  return isNamed(error, 'ValidationError') && /No updates are to be performed/i.test(messageOf(error));
}

/** The approved-version parameter first, then every other parameter of the stack, all with their previous value. */
function keepParameters(current: readonly Parameter[]): Parameter[] {
  const others = current
    .map((p) => p.ParameterKey)
    .filter((key): key is string => key !== undefined && key !== APPROVED_MODEL_STACK_PARAMETER);
  return [APPROVED_MODEL_STACK_PARAMETER, ...others].map((key) => ({
    ParameterKey: key,
    UsePreviousValue: true,
  }));
}

async function writeApprovedArn(target: ApproveTarget, value: string, deps: ApproveDeps): Promise<void> {
  try {
    await putApprovedArn(target, value, deps);
  } catch (error) {
    throw awsError(`could not write SSM parameter "${target.parameterName}"; nothing was changed`, error, target);
  }
}

function putApprovedArn(target: ApproveTarget, value: string, deps: ApproveDeps) {
  return deps.ssm.send(
    new PutParameterCommand({ Name: target.parameterName, Value: value, Type: 'String', Overwrite: true }),
  );
}

/** Puts the previous value back; returns the sentence that tells the user whether that worked. */
async function restoreApprovedArn(target: ApproveTarget, previous: string, deps: ApproveDeps): Promise<string> {
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

/** How a wait for a stack update ended. */
type StackWait =
  /** The stack left the `_IN_PROGRESS` statuses, in `status`. */
  | { readonly kind: 'ended'; readonly status: string }
  /** The bound was reached while the stack was still in `status`. */
  | { readonly kind: 'timeout'; readonly status: string }
  /** A DescribeStacks call failed. */
  | { readonly kind: 'lost'; readonly error: unknown };

/** Polls the stack until its status is no longer in progress or `timeoutMs` has passed, logging each new status. */
async function waitForStack(
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

/**
 * Waits for the serving stack update; returns its final status. Throws when the wait stops before the update
 * does, with how to follow it and put the previous value back.
 */
async function waitForServingUpdate(
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

/** Failed resource events of the last update, oldest first; empty when they cannot be read. */
async function failureReasons(stackName: string, deps: ApproveDeps): Promise<string[]> {
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
function whatFailed(reasons: readonly string[]): string[] {
  return reasons.length > 0 ? ['what failed, first to last:', ...reasons.map((r) => `  - ${r}`)] : [];
}

// ---------------------------------------------------------------------------------------------------------------
// The monitoring stack (stage 4)

/** The model's monitoring stack as DescribeStacks shows it. */
type MonitoringStack =
  /** Not deployed: the environment is below stage 4. */
  | { readonly kind: 'absent' }
  /** Deployed without Model Monitor (a serverless endpoint, or no data capture), so it reads no approved version. */
  | { readonly kind: 'no-model-monitor'; readonly stack: Stack }
  /** Deployed with Model Monitor, whose baselines are those of the version it resolved from `parameter`. */
  | { readonly kind: 'monitored'; readonly stack: Stack; readonly parameter: Parameter };

type MonitoredStack = Extract<MonitoringStack, { kind: 'monitored' }>;

/** Describes the monitoring stack; AWS failures other than "does not exist" are thrown as they are. */
async function lookupMonitoringStack(target: ApproveTarget, deps: ApproveDeps): Promise<MonitoringStack> {
  const stack = await describeStack(target.monitoringStackName, deps);
  if (!stack?.StackStatus) return { kind: 'absent' };
  const parameter = approvedParameterOf(stack);
  return parameter ? { kind: 'monitored', stack, parameter } : { kind: 'no-model-monitor', stack };
}

/**
 * Logs why a monitoring stack without Model Monitor has nothing to refresh, and returns the result: nothing when
 * it is not deployed, `no-model-monitor` when it reads no approved version.
 */
function nothingToRefresh(
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

/** Why the monitoring stack cannot be updated now, or undefined when it can. */
function monitoringBlocker(monitoring: MonitoredStack, target: ApproveTarget): string | undefined {
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
function baselinesOf(monitoring: MonitoredStack): string {
  const resolved = monitoring.parameter.ResolvedValue;
  if (resolved === NO_APPROVED_MODEL) return 'no Model Monitor yet';
  return `baselines of ${resolved ?? 'unknown'}`;
}

/** Dry run: logs step 3, the monitoring refresh, when there is one to do. */
function planMonitoringRefresh(
  monitoring: MonitoringStack,
  target: ApproveTarget,
  log: (line: string) => void,
): MonitoringResult | undefined {
  const name = target.monitoringStackName;
  if (monitoring.kind === 'absent') {
    log(`  (no monitoring stack ${name}: it comes with stage 4, so there is no Model Monitor to refresh)`);
    return undefined;
  }
  const stackStatus = monitoring.stack.StackStatus as string;
  if (monitoring.kind === 'no-model-monitor') {
    log(`  (monitoring stack ${name} has no Model Monitor, so there is nothing to refresh there)`);
    return { outcome: 'no-model-monitor', stackName: name, stackStatus };
  }
  log(`  3. once the endpoint serves it, update stack ${name} (now ${stackStatus}, ${baselinesOf(monitoring)}),`);
  log(`     so Model Monitor of endpoint ${target.endpointName} uses the baselines of the new version`);
  const blocker = monitoringBlocker(monitoring, target);
  if (blocker) {
    log(`     but ${blocker}: the approval would serve the version and fail to refresh monitoring`);
  }
  return { outcome: 'pending', stackName: name, stackStatus };
}

/**
 * After the endpoint serves `arn`: updates the monitoring stack, so that Model Monitor uses the baselines of that
 * version, and waits for it. Nothing to do before stage 4, or when the stack has no Model Monitor. Throws an
 * {@link ApproveError} of kind `monitoring-not-refreshed` when the stack cannot be updated or its update does not
 * complete; the parameter keeps `arn` either way.
 */
async function refreshMonitoring(
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
async function monitoringFollowUp(target: ApproveTarget, deps: ApproveDeps): Promise<MonitoringResult | undefined> {
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

// ---------------------------------------------------------------------------------------------------------------
// Helpers

function describeStackCommand(stackName: string, region: string): string {
  return `aws cloudformation describe-stacks --stack-name ${stackName} --region ${region} --query 'Stacks[0].StackStatus'`;
}

/** The AWS CLI form of {@link startStackUpdate}. */
function updateStackCommand(stackName: string, stack: Stack, region: string): string {
  const parameters = keepParameters(stack.Parameters ?? []).map(
    (p) => `ParameterKey=${p.ParameterKey},UsePreviousValue=true`,
  );
  return [
    `aws cloudformation update-stack --stack-name ${stackName} --use-previous-template`,
    `--parameters ${parameters.join(' ')}`,
    `--capabilities ${CAPABILITIES.join(' ')} --region ${region}`,
  ].join(' ');
}

function putParameterCommand(target: ApproveTarget, value: string): string {
  return `aws ssm put-parameter --name ${target.parameterName} --value ${value} --type String --overwrite --region ${target.environment.region}`;
}

const CREDENTIAL_ERRORS = [
  'AccessDenied',
  'AccessDeniedException',
  'ExpiredToken',
  'ExpiredTokenException',
  'InvalidClientTokenId',
  'UnrecognizedClientException',
];

function awsError(what: string, error: unknown, target: ApproveTarget): ApproveError {
  return new ApproveError(awsProblem(what, error, target), 'aws');
}

/** What failed and why, with a hint when the credentials are the likely cause. */
function awsProblem(what: string, error: unknown, target: ApproveTarget): string {
  const { account, name } = target.environment;
  const hint = isNamed(error, 'CredentialsProviderError')
    ? `; sign in to account ${account} (environment "${name}") first, for example with AWS_PROFILE or aws sso login`
    : isNamed(error, ...CREDENTIAL_ERRORS)
      ? `; are your AWS credentials for account ${account} (environment "${name}"), with the rights listed in ${RUNBOOK}?`
      : '';
  return `${what}: ${describeError(error)}${hint}`;
}

function isNamed(error: unknown, ...names: string[]): boolean {
  return error instanceof Error && names.includes(error.name);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  return error.name && error.name !== 'Error' ? `${error.name}: ${error.message}` : error.message;
}

function clock(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
}

function duration(ms: number): string {
  if (ms % 60_000 !== 0) return `${Math.round(ms / 1000)} seconds`;
  return ms === 60_000 ? '1 minute' : `${ms / 60_000} minutes`;
}
