import * as path from 'node:path';
import {
  CloudFormationClient,
  DescribeStacksCommand,
  type DescribeStacksCommandOutput,
  type StackStatus,
  UpdateStackCommand,
} from '@aws-sdk/client-cloudformation';
import { DescribeModelPackageCommand, type ModelApprovalStatus, SageMakerClient } from '@aws-sdk/client-sagemaker';
import { GetParameterCommand, GetParameterHistoryCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { resolveConfig } from '../../../lib/config/loader';
import type { ApproveRequest } from '../../../tools/approve/approve';
import { parseApproveArgs } from '../../../tools/approve/cli';
import { ApproveError } from '../../../tools/approve/errors';

// The fixtures of the approve command's tests: a three-environment config, the mocked AWS clients, and
// what the command printed and slept. Each test file calls resetApproveMocks before each test.

export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');

export const CONFIG = resolveConfig({
  project: 'mlops',
  maturity: 1,
  environments: [
    { name: 'dev', account: '111111111111', region: 'eu-west-1' },
    { name: 'test', account: '222222222222', region: 'eu-west-1' },
    { name: 'prod', account: '333333333333', region: 'eu-west-1' },
  ],
  users: [{ name: 'model-approver', persona: 'model-approver', environments: ['test', 'prod'] }],
  models: [{ name: 'churn' }],
});

export const PARAMETER = '/mlops/test/models/churn/approved-model-package-arn';
/** The model's one stack (ADR 0018): it serves the model and, from stage 4, monitors it. */
export const STACK = 'mlops-test-model-churn';
/** A model package version ARN, built from parts (the lint forbids a literal partition in an ARN). */
export function arnOf(
  parts: { partition?: string; region?: string; account?: string; group?: string; version?: number } = {},
) {
  const { partition = 'aws', region = 'eu-west-1', account = '222222222222', group = 'mlops-test-churn' } = parts;
  return ['arn', partition, 'sagemaker', region, account, `model-package/${group}/${parts.version ?? 3}`].join(':');
}
export const VERSION_2 = arnOf({ version: 2 });
export const VERSION_3 = arnOf({ version: 3 });

export const sagemakerMock = mockClient(SageMakerClient);
export const ssmMock = mockClient(SSMClient);
export const cloudformationMock = mockClient(CloudFormationClient);

export let lines: string[];
/** Every value the approved-version parameter held, oldest first (version = index + 1). */
export let parameterHistory: string[] = [];
export let sleep: jest.Mock<Promise<void>, [number]>;

export function deps() {
  return {
    sagemaker: new SageMakerClient({ region: 'eu-west-1' }),
    ssm: new SSMClient({ region: 'eu-west-1' }),
    cloudformation: new CloudFormationClient({ region: 'eu-west-1' }),
    sleep,
    log: (line: string) => lines.push(line),
  };
}

export function request(overrides: Partial<ApproveRequest> = {}): ApproveRequest {
  return { config: CONFIG, model: 'churn', environment: 'test', packageArn: VERSION_3, ...overrides };
}

export function stackIn(status: StackStatus, extraParameters: { ParameterKey: string; ParameterValue: string }[] = []) {
  return {
    Stacks: [
      {
        StackName: STACK,
        StackStatus: status,
        CreationTime: new Date('2026-01-01T00:00:00Z'),
        Parameters: [
          { ParameterKey: 'ApprovedModelPackageArn', ParameterValue: PARAMETER, ResolvedValue: VERSION_2 },
          ...extraParameters,
        ],
      },
    ],
  } satisfies Partial<DescribeStacksCommandOutput>;
}

/**
 * The package exists with `approval`, the parameter holds `current`, and the model's stack reports `statuses` in
 * turn.
 */
export function givenDeployed(
  options: { approval?: ModelApprovalStatus; current?: string; statuses?: StackStatus[] } = {},
): void {
  const { approval = 'Approved', current = VERSION_2, statuses = ['UPDATE_COMPLETE'] } = options;
  sagemakerMock
    .on(DescribeModelPackageCommand, { ModelPackageName: VERSION_3 })
    .resolves({ ModelPackageGroupName: 'mlops-test-churn', ModelPackageVersion: 3, ModelApprovalStatus: approval });
  // the parameter keeps its versions, as SSM does: the write is a compare-and-swap on them (ADR 0023)
  parameterHistory = [current];
  ssmMock.on(GetParameterCommand, { Name: PARAMETER }).callsFake(() => ({
    Parameter: {
      Name: PARAMETER,
      Value: parameterHistory[parameterHistory.length - 1],
      Version: parameterHistory.length,
    },
  }));
  ssmMock.on(PutParameterCommand).callsFake((input: { Value: string }) => {
    parameterHistory.push(input.Value);
    return { Version: parameterHistory.length };
  });
  ssmMock.on(GetParameterHistoryCommand).callsFake(() => ({
    Parameters: parameterHistory.map((Value, i) => ({ Name: PARAMETER, Value, Version: i + 1 })),
  }));
  cloudformationMock.on(UpdateStackCommand).resolves({ StackId: `stack/${STACK}/1` });
  let describe = cloudformationMock.on(DescribeStacksCommand, { StackName: STACK });
  for (const status of statuses.slice(0, -1)) describe = describe.resolvesOnce(stackIn(status));
  describe.resolves(stackIn(statuses[statuses.length - 1] as StackStatus));
}

/** The stacks that UpdateStack was called on, in order. */
export function updatedStacks(): unknown[] {
  return cloudformationMock.commandCalls(UpdateStackCommand).map((call) => call.args[0].input.StackName);
}

export function expectNoAwsCalls(): void {
  expect(sagemakerMock.calls()).toHaveLength(0);
  expect(ssmMock.calls()).toHaveLength(0);
  expect(cloudformationMock.calls()).toHaveLength(0);
}

export function putValues(): unknown[] {
  return ssmMock.commandCalls(PutParameterCommand).map((call) => call.args[0].input.Value);
}

export async function rejectionOf(action: Promise<unknown>): Promise<ApproveError> {
  try {
    await action;
  } catch (error) {
    if (error instanceof ApproveError) return error;
    throw error;
  }
  throw new Error('expected an ApproveError, but the approval succeeded');
}

export function usageErrorOf(argv: string[]): ApproveError {
  try {
    parseApproveArgs(argv);
  } catch (error) {
    if (error instanceof ApproveError) return error;
    throw error;
  }
  throw new Error('expected a usage error, but the arguments were accepted');
}

export function awsError(name: string, message: string): Error {
  return Object.assign(new Error(message), { name });
}

/** Resets the AWS mocks, the printed lines and the sleeps: call it before each test. */
export function resetApproveMocks(): void {
  sagemakerMock.reset();
  ssmMock.reset();
  cloudformationMock.reset();
  lines = [];
  sleep = jest.fn(async (_ms: number) => undefined);
}
