import type { ResolvedEnvironment, ResolvedPlatformConfig } from '../../lib/config/loader';
import {
  approvedModelParameterName,
  endpointName,
  modelPackageGroupName,
  modelStackName,
  personaRoleName,
  rolloutStateMachineName,
} from '../../lib/naming';
import { ApproveError } from './errors';

/**
 * What the approve command acts on, worked out before any AWS call: the model and environment from the resolved
 * config, the names of their resources from lib/naming.ts, and the checks of the model package ARN.
 */

/** Partitions whose model package ARNs the command accepts. */
export const PARTITIONS = ['aws', 'aws-cn', 'aws-us-gov'] as const;
export type Partition = (typeof PARTITIONS)[number];

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
  /** The model's one stack, `<project>-<env>-model-<model>`: it serves and monitors the model. */
  readonly stackName: string;
  readonly endpointName: string;
  /** Whether the model is served in real time; batch-only models read the parameter at each run. */
  readonly realtime: boolean;
  /** The model approver persona's role in the environment, which approves model package versions. */
  readonly modelApproverRoleName: string;
  /**
   * The model's rollout state machine (stage 5, continuous deployment): the command starts it instead of binding
   * the version itself, so both paths run the same checks and binding (ADR 0023).
   * @default - none below stage 5: the command binds the version itself
   */
  readonly rolloutStateMachineArn?: string;
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
    stackName: modelStackName(project, environment.name, model),
    endpointName: endpointName(project, environment.name, model),
    realtime: config.config.models.find((m) => m.name === model)?.serving !== 'batch',
    modelApproverRoleName: personaRoleName(project, environment.name, 'model-approver'),
    rolloutStateMachineArn: environment.maturity.capabilities.has('continuousDeployment')
      ? [
          'arn',
          partitionOfRegion(environment.region),
          'states',
          environment.region,
          environment.account,
          `stateMachine:${rolloutStateMachineName(project, environment.name, model)}`,
        ].join(':')
      : undefined,
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
