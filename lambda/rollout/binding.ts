import {
  type CloudFormationClient,
  DescribeStacksCommand,
  type Parameter,
  type Stack,
  UpdateStackCommand,
} from '@aws-sdk/client-cloudformation';
import {
  DescribeEndpointCommand,
  DescribeEndpointConfigCommand,
  DescribeModelCommand,
  type SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import {
  GetParameterCommand,
  GetParameterHistoryCommand,
  PutParameterCommand,
  type SSMClient,
} from '@aws-sdk/client-ssm';

/**
 * Binding an approved model version to a model's stack: the one implementation that the rollout state machine
 * (stage 5, lambda/rollout/rollout.ts) and `npm run approve` (tools/approve) share. It never imports lib/: the
 * names it acts on arrive as arguments (ADR 0023, "one implementation").
 *
 * - the approved-version parameter is written with a compare-and-swap on its version, so a concurrent approval is
 *   never silently overwritten (SSM has no conditional put: the history shows what the write replaced);
 * - the model's stack is updated with its previous template and parameters, so CloudFormation resolves the
 *   parameter again and rolls the version out through the endpoint's deployment guardrails;
 * - a failed update restores the previous value only while the parameter still holds the rollout's own value;
 * - afterwards the endpoint's live configuration must serve exactly the approved package.
 */

/** The model stack's CloudFormation parameter that resolves the approved-version SSM parameter. */
export const APPROVED_STACK_PARAMETER = 'ApprovedModelPackageArn';

/** Capabilities of a stack update: the platform's stacks create IAM roles with names. */
export const CAPABILITIES = ['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM'] as const;

/** Stack statuses from which UpdateStack may start. */
export const UPDATABLE_STATUSES: readonly string[] = [
  'CREATE_COMPLETE',
  'UPDATE_COMPLETE',
  'UPDATE_ROLLBACK_COMPLETE',
  'IMPORT_COMPLETE',
  'IMPORT_ROLLBACK_COMPLETE',
];

export interface BindingClients {
  readonly ssm: SSMClient;
  readonly cloudformation: CloudFormationClient;
  readonly sagemaker: SageMakerClient;
}

/** A value of the parameter and the version that holds it. */
export interface ParameterValue {
  readonly value: string;
  readonly version: number;
}

export function errorName(error: unknown): string {
  return (error as { name?: string } | undefined)?.name ?? '';
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export async function readParameter(clients: BindingClients, name: string): Promise<ParameterValue> {
  const out = await clients.ssm.send(new GetParameterCommand({ Name: name }));
  const value = out?.Parameter?.Value;
  const version = out?.Parameter?.Version;
  if (value === undefined || version === undefined) throw new Error(`SSM parameter "${name}" has no value`);
  return { value, version };
}

/** How a compare-and-swap write of the parameter ended. */
export type ClaimResult =
  /** Written: `version` holds `value`, and it replaced the version that was read. */
  | { readonly kind: 'written'; readonly written: ParameterValue }
  /** Another writer got there first: the parameter was left with (or given back) the concurrent value. */
  | { readonly kind: 'concurrent'; readonly current: ParameterValue };

/**
 * Writes `value` if the parameter still holds `expected`. SSM has no conditional put, so the write is checked
 * afterwards: the version before ours must be the one that was read. If another approval slipped in between (or
 * came since the read), its value is written back and the claim reports it: a concurrent approval is never lost.
 */
export async function claimParameter(
  clients: BindingClients,
  name: string,
  expected: ParameterValue,
  value: string,
): Promise<ClaimResult> {
  const before = await readParameter(clients, name);
  if (before.version !== expected.version) return { kind: 'concurrent', current: before };
  const put = await clients.ssm.send(
    new PutParameterCommand({ Name: name, Value: value, Type: 'String', Overwrite: true }),
  );
  const version = put?.Version;
  if (version === undefined) throw new Error(`SSM did not return the version it wrote to "${name}"`);
  if (version === expected.version + 1) return { kind: 'written', written: { value, version } };
  // someone wrote between our read and our write: give their value back, unless they wrote again since
  const replaced = await versionValue(clients, name, version - 1);
  const after = await readParameter(clients, name);
  if (after.version === version && replaced !== undefined) {
    const restored = await clients.ssm.send(
      new PutParameterCommand({ Name: name, Value: replaced, Type: 'String', Overwrite: true }),
    );
    return { kind: 'concurrent', current: { value: replaced, version: restored?.Version ?? version + 1 } };
  }
  return { kind: 'concurrent', current: after };
}

async function versionValue(clients: BindingClients, name: string, version: number): Promise<string | undefined> {
  let token: string | undefined;
  do {
    const out = await clients.ssm.send(new GetParameterHistoryCommand({ Name: name, NextToken: token }));
    const found = out?.Parameters?.find((p) => p.Version === version);
    if (found) return found.Value;
    token = out?.NextToken;
  } while (token);
  return undefined;
}

/** How a restore ended: put back, or left alone because someone else has written since. */
export type RestoreResult =
  | { readonly kind: 'restored'; readonly value: string }
  | { readonly kind: 'left'; readonly current: ParameterValue };

/** Puts `previous` back only while the parameter still holds the rollout's own write (`ours`). */
export async function restoreIfOurs(
  clients: BindingClients,
  name: string,
  ours: ParameterValue,
  previous: string,
): Promise<RestoreResult> {
  const current = await readParameter(clients, name);
  if (current.version !== ours.version || current.value !== ours.value) return { kind: 'left', current };
  await clients.ssm.send(new PutParameterCommand({ Name: name, Value: previous, Type: 'String', Overwrite: true }));
  return { kind: 'restored', value: previous };
}

export async function describeStack(clients: BindingClients, stackName: string): Promise<Stack | undefined> {
  try {
    const out = await clients.cloudformation.send(new DescribeStacksCommand({ StackName: stackName }));
    return out?.Stacks?.[0];
  } catch (error) {
    if (errorName(error) === 'ValidationError' && /does not exist/i.test(errorMessage(error))) return undefined;
    throw error;
  }
}

export function approvedParameterOf(stack: Stack): Parameter | undefined {
  return stack.Parameters?.find((p) => p.ParameterKey === APPROVED_STACK_PARAMETER);
}

/** The approved-version parameter first, then every other parameter of the stack, all with their previous value. */
export function keepParameters(current: readonly Parameter[]): Parameter[] {
  const others = current
    .map((p) => p.ParameterKey)
    .filter((key): key is string => key !== undefined && key !== APPROVED_STACK_PARAMETER);
  return [APPROVED_STACK_PARAMETER, ...others].map((key) => ({ ParameterKey: key, UsePreviousValue: true }));
}

/**
 * Updates the stack with its previous template and the previous value of every parameter, so CloudFormation
 * resolves the approved-version parameter again.
 */
export function startStackUpdate(clients: BindingClients, stackName: string, stack: Stack) {
  return clients.cloudformation.send(
    new UpdateStackCommand({
      StackName: stackName,
      UsePreviousTemplate: true,
      Parameters: keepParameters(stack.Parameters ?? []),
      Capabilities: [...CAPABILITIES],
    }),
  );
}

/** Whether UpdateStack refused because nothing would change: the stack already resolved the parameter's value. */
export function isNoUpdates(error: unknown): boolean {
  return errorName(error) === 'ValidationError' && /No updates are to be performed/i.test(errorMessage(error));
}

/** What a stack status means for a rollout. */
export type StackProgress = 'in-progress' | 'complete' | 'rolled-back' | 'failed';

export function stackProgress(status: string): StackProgress {
  if (status.endsWith('_IN_PROGRESS')) return 'in-progress';
  if (status === 'UPDATE_COMPLETE') return 'complete';
  if (status === 'UPDATE_ROLLBACK_COMPLETE') return 'rolled-back';
  return 'failed';
}

/** What the endpoint serves now, as SageMaker reports it. */
export interface LiveEndpoint {
  readonly status: string;
  readonly endpointConfigName?: string;
  /** The model package of each production variant's model. */
  readonly modelPackages: readonly string[];
}

export async function liveEndpoint(clients: BindingClients, endpointName: string): Promise<LiveEndpoint> {
  const endpoint = await clients.sagemaker.send(new DescribeEndpointCommand({ EndpointName: endpointName }));
  const configName = endpoint?.EndpointConfigName;
  const status = endpoint?.EndpointStatus ?? 'Unknown';
  if (!configName) return { status, modelPackages: [] };
  const config = await clients.sagemaker.send(new DescribeEndpointConfigCommand({ EndpointConfigName: configName }));
  const modelPackages: string[] = [];
  for (const variant of config?.ProductionVariants ?? []) {
    if (!variant.ModelName) continue;
    const model = await clients.sagemaker.send(new DescribeModelCommand({ ModelName: variant.ModelName }));
    const containers = [model?.PrimaryContainer, ...(model?.Containers ?? [])];
    for (const container of containers) {
      if (container?.ModelPackageName) modelPackages.push(container.ModelPackageName);
    }
  }
  return { status, endpointConfigName: configName, modelPackages };
}

/** Whether the live endpoint serves exactly `packageArn`, in service, and nothing else. */
export function servesExactly(live: LiveEndpoint, packageArn: string): boolean {
  return (
    live.status === 'InService' && live.modelPackages.length > 0 && live.modelPackages.every((p) => p === packageArn)
  );
}
