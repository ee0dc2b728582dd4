import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import {
  CloudFormationClient,
  DescribeStackEventsCommand,
  DescribeStacksCommand,
  type DescribeStacksCommandOutput,
  type StackEvent,
  type StackStatus,
  UpdateStackCommand,
} from '@aws-sdk/client-cloudformation';
import {
  DescribeModelPackageCommand,
  type ModelApprovalStatus,
  ResourceNotFound,
  SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import { GetParameterCommand, ParameterNotFound, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { App } from 'aws-cdk-lib';
import { mockClient } from 'aws-sdk-client-mock';
import { resolveConfig } from '../../../lib/config/loader';
import {
  approvedModelParameterName,
  endpointName,
  modelPackageGroupName,
  monitoringStackName,
  servingStackName,
} from '../../../lib/naming';
import { PlatformStack } from '../../../lib/stacks/platform-stack';
import {
  type ApproveRequest,
  approveModelVersion,
  DEFAULT_POLL_INTERVAL_MS,
  DEFAULT_TIMEOUT_MS,
} from '../../../tools/approve/approve';
import { parseApproveArgs } from '../../../tools/approve/cli';
import { ApproveError } from '../../../tools/approve/errors';

const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');

const CONFIG = resolveConfig({
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

const PARAMETER = '/mlops/test/models/churn/approved-model-package-arn';
const STACK = 'mlops-test-serving-churn';
const MONITORING_STACK = 'mlops-test-monitoring-churn';
const BOOTSTRAP_VERSION = {
  ParameterKey: 'BootstrapVersion',
  ParameterValue: '/cdk-bootstrap/hnb659fds/version',
  ResolvedValue: '21',
};

/** A model package version ARN, built from parts (the lint forbids a literal partition in an ARN). */
function arnOf(
  parts: { partition?: string; region?: string; account?: string; group?: string; version?: number } = {},
) {
  const { partition = 'aws', region = 'eu-west-1', account = '222222222222', group = 'mlops-test-churn' } = parts;
  return ['arn', partition, 'sagemaker', region, account, `model-package/${group}/${parts.version ?? 3}`].join(':');
}
const VERSION_2 = arnOf({ version: 2 });
const VERSION_3 = arnOf({ version: 3 });

const sagemakerMock = mockClient(SageMakerClient);
const ssmMock = mockClient(SSMClient);
const cloudformationMock = mockClient(CloudFormationClient);

let lines: string[];
let sleep: jest.Mock<Promise<void>, [number]>;

function deps() {
  return {
    sagemaker: new SageMakerClient({ region: 'eu-west-1' }),
    ssm: new SSMClient({ region: 'eu-west-1' }),
    cloudformation: new CloudFormationClient({ region: 'eu-west-1' }),
    sleep,
    log: (line: string) => lines.push(line),
  };
}

function request(overrides: Partial<ApproveRequest> = {}): ApproveRequest {
  return { config: CONFIG, model: 'churn', environment: 'test', packageArn: VERSION_3, ...overrides };
}

function stackIn(status: StackStatus, extraParameters: { ParameterKey: string; ParameterValue: string }[] = []) {
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
 * The model's monitoring stack (stage 4): not deployed (stages 1 to 3), deployed without Model Monitor (serverless
 * endpoint or no data capture), or with Model Monitor, reading the approved-version parameter.
 */
type Monitoring = 'absent' | 'without-model-monitor' | 'with-model-monitor';

function monitoringStackIn(status: StackStatus, withModelMonitor: boolean) {
  return {
    Stacks: [
      {
        StackName: MONITORING_STACK,
        StackStatus: status,
        CreationTime: new Date('2026-02-01T00:00:00Z'),
        Parameters: [
          ...(withModelMonitor
            ? [{ ParameterKey: 'ApprovedModelPackageArn', ParameterValue: PARAMETER, ResolvedValue: VERSION_2 }]
            : []),
          BOOTSTRAP_VERSION,
        ],
      },
    ],
  } satisfies Partial<DescribeStacksCommandOutput>;
}

/**
 * The package exists with `approval`, the parameter holds `current`, the serving stack reports `statuses` in turn,
 * and the monitoring stack is as `monitoring` says, reporting `monitoringStatuses` in turn when it exists.
 */
function givenDeployed(options: {
  monitoring: Monitoring;
  approval?: ModelApprovalStatus;
  current?: string;
  statuses?: StackStatus[];
  monitoringStatuses?: StackStatus[];
}): void {
  const { approval = 'Approved', current = VERSION_2, statuses = ['UPDATE_COMPLETE'] } = options;
  sagemakerMock
    .on(DescribeModelPackageCommand, { ModelPackageName: VERSION_3 })
    .resolves({ ModelPackageGroupName: 'mlops-test-churn', ModelPackageVersion: 3, ModelApprovalStatus: approval });
  ssmMock.on(GetParameterCommand, { Name: PARAMETER }).resolves({ Parameter: { Name: PARAMETER, Value: current } });
  ssmMock.on(PutParameterCommand).resolves({ Version: 2 });
  cloudformationMock.on(UpdateStackCommand).resolves({ StackId: `stack/${STACK}/1` });
  let describe = cloudformationMock.on(DescribeStacksCommand, { StackName: STACK });
  for (const status of statuses.slice(0, -1)) describe = describe.resolvesOnce(stackIn(status));
  describe.resolves(stackIn(statuses[statuses.length - 1] as StackStatus));
  givenMonitoring(options.monitoring, options.monitoringStatuses);
}

function givenMonitoring(monitoring: Monitoring, statuses: StackStatus[] = ['UPDATE_COMPLETE']): void {
  const describe = cloudformationMock.on(DescribeStacksCommand, { StackName: MONITORING_STACK });
  if (monitoring === 'absent') {
    describe.rejects(awsError('ValidationError', `Stack with id ${MONITORING_STACK} does not exist`));
    return;
  }
  let answers = describe;
  const withModelMonitor = monitoring === 'with-model-monitor';
  for (const status of statuses.slice(0, -1))
    answers = answers.resolvesOnce(monitoringStackIn(status, withModelMonitor));
  answers.resolves(monitoringStackIn(statuses[statuses.length - 1] as StackStatus, withModelMonitor));
  cloudformationMock
    .on(UpdateStackCommand, { StackName: MONITORING_STACK })
    .resolves({ StackId: `stack/${MONITORING_STACK}/1` });
}

/** The stacks that UpdateStack was called on, in order. */
function updatedStacks(): unknown[] {
  return cloudformationMock.commandCalls(UpdateStackCommand).map((call) => call.args[0].input.StackName);
}

function expectNoAwsCalls(): void {
  expect(sagemakerMock.calls()).toHaveLength(0);
  expect(ssmMock.calls()).toHaveLength(0);
  expect(cloudformationMock.calls()).toHaveLength(0);
}

function putValues(): unknown[] {
  return ssmMock.commandCalls(PutParameterCommand).map((call) => call.args[0].input.Value);
}

async function rejectionOf(action: Promise<unknown>): Promise<ApproveError> {
  try {
    await action;
  } catch (error) {
    if (error instanceof ApproveError) return error;
    throw error;
  }
  throw new Error('expected an ApproveError, but the approval succeeded');
}

function usageErrorOf(argv: string[]): ApproveError {
  try {
    parseApproveArgs(argv);
  } catch (error) {
    if (error instanceof ApproveError) return error;
    throw error;
  }
  throw new Error('expected a usage error, but the arguments were accepted');
}

function awsError(name: string, message: string): Error {
  return Object.assign(new Error(message), { name });
}

beforeEach(() => {
  sagemakerMock.reset();
  ssmMock.reset();
  cloudformationMock.reset();
  lines = [];
  sleep = jest.fn(async (_ms: number) => undefined);
});

describe('the naming contract', () => {
  test('derives every name from project, environment and model', () => {
    expect(approvedModelParameterName('mlops', 'test', 'churn')).toBe(PARAMETER);
    expect(modelPackageGroupName('mlops', 'test', 'churn')).toBe('mlops-test-churn');
    expect(servingStackName('mlops', 'test', 'churn')).toBe(STACK);
    expect(endpointName('mlops', 'test', 'churn')).toBe('mlops-test-churn');
    expect(monitoringStackName('mlops', 'test', 'churn')).toBe(MONITORING_STACK);
  });

  test('names the serving and monitoring stacks as PlatformStack names them from their construct ids', () => {
    // GIVEN
    class Probe extends PlatformStack {}
    const app = new App();
    const envConfig = CONFIG.allEnvironments.find((e) => e.name === 'test');
    if (!envConfig) throw new Error('the test config has a test environment');

    // WHEN
    const serving = new Probe(app, 'Serving-churn', { project: 'mlops', envConfig });
    const monitoring = new Probe(app, 'Monitoring-churn', { project: 'mlops', envConfig });

    // THEN
    expect(serving.stackName).toBe(servingStackName('mlops', 'test', 'churn'));
    expect(monitoring.stackName).toBe(monitoringStackName('mlops', 'test', 'churn'));
  });
});

describe('the command line', () => {
  test('accepts the required flags, both value styles and the switches', () => {
    // WHEN
    const args = parseApproveArgs([
      '--model',
      'churn',
      '--env=test',
      '--package-arn',
      VERSION_3,
      '--dry-run',
      '--no-wait',
      '--config',
      'other.json',
      '--timeout-minutes',
      '90',
    ]);

    // THEN
    expect(args).toEqual({
      help: false,
      model: 'churn',
      environment: 'test',
      packageArn: VERSION_3,
      dryRun: true,
      wait: false,
      timeoutMinutes: 90,
      config: 'other.json',
    });
  });

  test('defaults to a real run that waits, with the default config', () => {
    expect(parseApproveArgs(['--model', 'churn', '--env', 'test', '--package-arn', VERSION_3])).toEqual({
      help: false,
      model: 'churn',
      environment: 'test',
      packageArn: VERSION_3,
      dryRun: false,
      wait: true,
      timeoutMinutes: undefined,
      config: undefined,
    });
  });

  test('--help asks for the help text whatever else is given', () => {
    expect(parseApproveArgs(['--bogus', '--help'])).toEqual({ help: true });
  });

  test.each([
    [['--model', 'churn', '--env', 'test', '--package-arn', 'x', '--force'], 'unknown flag --force'],
    [['--model', 'churn', '--package-arn', 'x'], 'missing required flag --env'],
    [[], 'missing required flags --model, --env, --package-arn'],
    [['--model', '--env', 'test', '--package-arn', 'x'], '--model needs a value'],
    [['--model', 'churn', '--env', 'test', '--package-arn'], '--package-arn needs a value'],
    [['--model=', '--env', 'test', '--package-arn', 'x'], '--model needs a value'],
    [
      ['--model', 'churn', '--model', 'fraud', '--env', 'test', '--package-arn', 'x'],
      '--model is given more than once',
    ],
    [['churn', '--env', 'test'], 'unexpected argument "churn"; every value follows its flag'],
    [['--dry-run=yes'], '--dry-run takes no value, got "--dry-run=yes"'],
    [
      ['--model', 'churn', '--env', 'test', '--package-arn', 'x', '--timeout-minutes', '0'],
      '--timeout-minutes needs a whole number of minutes from 1 to 1440, got "0"',
    ],
  ])('%j is a usage error: %s', (argv, problem) => {
    // WHEN
    const error = usageErrorOf(argv);

    // THEN
    expect(error.kind).toBe('usage');
    expect(error.exitCode).toBe(2);
    expect(error.message.split('\n')).toEqual([
      problem,
      expect.stringMatching(/^usage: npm run approve -- --model <name> --env <environment> --package-arn /),
    ]);
    expectNoAwsCalls();
  });
});

describe('checks before any AWS call', () => {
  test.each([
    [
      'a malformed ARN',
      'mlops-test-churn/3',
      `malformed model package ARN "mlops-test-churn/3"; expected arn:<partition>:sagemaker:<region>:<12-digit account>:model-package/<group>/<version>, such as "${arnOf({ version: 1 })}"`,
    ],
    [
      'an ARN without a version',
      arnOf().replace(/\/3$/, ''),
      `malformed model package ARN "${arnOf().replace(/\/3$/, '')}"; expected arn:<partition>:sagemaker:<region>:<12-digit account>:model-package/<group>/<version>, such as "${arnOf({ version: 1 })}"`,
    ],
    [
      'an unknown partition',
      arnOf({ partition: 'aws-mars' }),
      expect.stringMatching(/^malformed model package ARN "arn:aws-mars:sagemaker:/),
    ],
    [
      'the ARN of the model package group',
      ['arn', 'aws', 'sagemaker', 'eu-west-1', '222222222222', 'model-package-group/mlops-test-churn'].join(':'),
      `"${['arn', 'aws', 'sagemaker', 'eu-west-1', '222222222222', 'model-package-group/mlops-test-churn'].join(':')}" is the ARN of a model package group, not of one version; expected a version ARN such as "${arnOf({ version: 1 })}"`,
    ],
    [
      'an ARN of another account',
      arnOf({ account: '111111111111' }),
      `model package ARN "${arnOf({ account: '111111111111' })}" is in account "111111111111"; expected "222222222222", the account of environment "test"`,
    ],
    [
      'an ARN of another region',
      arnOf({ region: 'us-east-1' }),
      `model package ARN "${arnOf({ region: 'us-east-1' })}" is in region "us-east-1"; expected "eu-west-1", the region of environment "test"`,
    ],
    [
      'an ARN of another partition',
      arnOf({ partition: 'aws-cn' }),
      `model package ARN "${arnOf({ partition: 'aws-cn' })}" is in partition "aws-cn"; expected "aws", the partition of region eu-west-1`,
    ],
    [
      'an ARN of another group',
      arnOf({ group: 'mlops-dev-churn' }),
      `model package ARN "${arnOf({ group: 'mlops-dev-churn' })}" is in model package group "mlops-dev-churn"; expected "mlops-test-churn", the group of model "churn" in environment "test"`,
    ],
  ])('%s is rejected with its own message', async (_case, packageArn, message) => {
    // WHEN
    const error = await rejectionOf(approveModelVersion(request({ packageArn }), deps()));

    // THEN
    expect(error.kind).toBe('invalid-request');
    expect(error.message).toEqual(message);
    expectNoAwsCalls();
  });

  test('an ARN wrong in several ways lists every problem', async () => {
    // GIVEN
    const packageArn = arnOf({ account: '333333333333', group: 'mlops-prod-churn' });

    // WHEN
    const error = await rejectionOf(approveModelVersion(request({ packageArn }), deps()));

    // THEN
    expect(error.message.split('\n')).toEqual([
      expect.stringContaining('is in account "333333333333"; expected "222222222222"'),
      expect.stringContaining('is in model package group "mlops-prod-churn"; expected "mlops-test-churn"'),
    ]);
    expectNoAwsCalls();
  });

  test('an unknown model is named, with the configured models', async () => {
    const error = await rejectionOf(approveModelVersion(request({ model: 'fraud' }), deps()));

    expect(error.kind).toBe('invalid-request');
    expect(error.message).toBe('unknown model "fraud"; configured models: churn');
    expectNoAwsCalls();
  });

  test('a config without models says so', async () => {
    // GIVEN
    const config = resolveConfig({ ...CONFIG.config, models: [] });

    // WHEN
    const error = await rejectionOf(approveModelVersion(request({ config }), deps()));

    // THEN
    expect(error.message).toBe('unknown model "churn": the config has no models; add it under models[]');
    expectNoAwsCalls();
  });

  test('an unknown environment is named, with the configured environments', async () => {
    const error = await rejectionOf(approveModelVersion(request({ environment: 'staging' }), deps()));

    expect(error.kind).toBe('invalid-request');
    expect(error.message).toBe('unknown environment "staging"; configured environments: dev, test, prod');
    expectNoAwsCalls();
  });
});

describe('checks in AWS before any change', () => {
  test('a version not yet Approved is refused, with how to approve it, and nothing is written', async () => {
    // GIVEN
    givenDeployed({ monitoring: 'absent', approval: 'PendingManualApproval' });

    // WHEN
    const error = await rejectionOf(approveModelVersion(request(), deps()));

    // THEN
    expect(error.kind).toBe('not-approved');
    expect(error.message).toBe(
      [
        `model package "${VERSION_3}" has approval status "PendingManualApproval", not "Approved"; a ModelApprover (role mlops-test-model-approver) must approve it first, for example with`,
        `  aws sagemaker update-model-package --model-package-arn ${VERSION_3} --model-approval-status Approved --region eu-west-1`,
      ].join('\n'),
    );
    expect(ssmMock.commandCalls(PutParameterCommand)).toHaveLength(0);
    expect(ssmMock.calls()).toHaveLength(0);
    expect(cloudformationMock.calls()).toHaveLength(0);
  });

  test.each([
    ['ResourceNotFound', new ResourceNotFound({ message: 'Model package not found', $metadata: {} })],
    ['ValidationException', awsError('ValidationException', `ModelPackage ${VERSION_3} does not exist.`)],
  ])('a missing package (%s) is reported clearly', async (name, rejection) => {
    // GIVEN
    sagemakerMock.on(DescribeModelPackageCommand).rejects(rejection);

    // WHEN
    const error = await rejectionOf(approveModelVersion(request(), deps()));

    // THEN
    expect(error.kind).toBe('not-found');
    expect(error.message).toBe(
      `model package "${VERSION_3}" was not found (${name}: ${rejection.message}); check the version number, and that your AWS credentials are for account 222222222222 (environment "test")`,
    );
    expect(ssmMock.calls()).toHaveLength(0);
    expect(cloudformationMock.calls()).toHaveLength(0);
  });

  test('a missing parameter means the registry stack is not deployed', async () => {
    // GIVEN
    givenDeployed({ monitoring: 'absent' });
    ssmMock.on(GetParameterCommand).rejects(new ParameterNotFound({ message: '', $metadata: {} }));

    // WHEN
    const error = await rejectionOf(approveModelVersion(request(), deps()));

    // THEN
    expect(error.kind).toBe('not-deployed');
    expect(error.message).toBe(
      `SSM parameter "${PARAMETER}" does not exist in account 222222222222, region eu-west-1: the registry stack of environment "test" is not deployed, or was deployed before model "churn" was configured; deploy it (stage 2) first`,
    );
    expect(ssmMock.commandCalls(PutParameterCommand)).toHaveLength(0);
    expect(cloudformationMock.calls()).toHaveLength(0);
  });

  test('a serving stack that is not deployed is reported and nothing is written', async () => {
    // GIVEN
    givenDeployed({ monitoring: 'absent' });
    cloudformationMock
      .on(DescribeStacksCommand, { StackName: STACK })
      .rejects(awsError('ValidationError', `Stack with id ${STACK} does not exist`));

    // WHEN
    const error = await rejectionOf(approveModelVersion(request(), deps()));

    // THEN
    expect(error.kind).toBe('not-deployed');
    expect(error.message).toBe(
      `serving stack "${STACK}" does not exist in account 222222222222, region eu-west-1: deploy the serving stack of model "churn" in environment "test" (stage 2) first`,
    );
    expect(ssmMock.commandCalls(PutParameterCommand)).toHaveLength(0);
  });

  test.each([
    ['UPDATE_IN_PROGRESS' as const, `serving stack "${STACK}" is busy (UPDATE_IN_PROGRESS); wait until it finishes`],
    ['UPDATE_ROLLBACK_FAILED' as const, `serving stack "${STACK}" cannot be updated in status UPDATE_ROLLBACK_FAILED`],
  ])('a serving stack in %s is not touched', async (status, message) => {
    // GIVEN
    givenDeployed({ monitoring: 'absent', statuses: [status] });

    // WHEN
    const error = await rejectionOf(approveModelVersion(request(), deps()));

    // THEN
    expect(error.kind).toBe('stack-not-ready');
    expect(error.message).toContain(message);
    expect(ssmMock.commandCalls(PutParameterCommand)).toHaveLength(0);
    expect(cloudformationMock.commandCalls(UpdateStackCommand)).toHaveLength(0);
  });
});

describe('a dry run', () => {
  test('reports the plan, old value to new value and the stack, and changes nothing', async () => {
    // GIVEN
    givenDeployed({ monitoring: 'absent', current: 'none' });

    // WHEN
    const result = await approveModelVersion(request({ dryRun: true }), deps());

    // THEN
    expect(result).toEqual({
      outcome: 'dry-run',
      modelPackageArn: VERSION_3,
      previousModelPackageArn: 'none',
      parameterName: PARAMETER,
      stackName: STACK,
      endpointName: 'mlops-test-churn',
      stackStatus: 'UPDATE_COMPLETE',
    });
    expect(lines).toEqual(
      expect.arrayContaining([
        'dry run: nothing is changed. The approval would:',
        `  1. set SSM parameter ${PARAMETER}: none -> ${VERSION_3}`,
        `  2. update stack ${STACK} (now UPDATE_COMPLETE, serving ${VERSION_2}),`,
      ]),
    );
    expect(ssmMock.commandCalls(PutParameterCommand)).toHaveLength(0);
    expect(cloudformationMock.commandCalls(UpdateStackCommand)).toHaveLength(0);
  });
});

describe('an approval', () => {
  test('of the version already approved is a no-op', async () => {
    // GIVEN
    givenDeployed({ monitoring: 'absent', current: VERSION_3 });

    // WHEN
    const result = await approveModelVersion(request(), deps());

    // THEN
    expect(result.outcome).toBe('already-approved');
    expect(result.previousModelPackageArn).toBe(VERSION_3);
    expect(lines).toContain(`already approved: ${PARAMETER} holds ${VERSION_3}; nothing to do`);
    expect(ssmMock.commandCalls(PutParameterCommand)).toHaveLength(0);
    expect(cloudformationMock.calls()).toHaveLength(0);
  });

  test('writes the parameter, then updates the stack, and waits through UPDATE_IN_PROGRESS to UPDATE_COMPLETE', async () => {
    // GIVEN
    givenDeployed({
      monitoring: 'absent',
      statuses: [
        'UPDATE_COMPLETE',
        'UPDATE_IN_PROGRESS',
        'UPDATE_IN_PROGRESS',
        'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS',
        'UPDATE_COMPLETE',
      ],
    });

    // WHEN
    const result = await approveModelVersion(request(), deps());

    // THEN
    expect(result).toEqual({
      outcome: 'updated',
      modelPackageArn: VERSION_3,
      previousModelPackageArn: VERSION_2,
      parameterName: PARAMETER,
      stackName: STACK,
      endpointName: 'mlops-test-churn',
      stackStatus: 'UPDATE_COMPLETE',
    });
    const puts = ssmMock.commandCalls(PutParameterCommand);
    const updates = cloudformationMock.commandCalls(UpdateStackCommand);
    expect(puts.map((call) => call.args[0].input)).toEqual([
      { Name: PARAMETER, Value: VERSION_3, Type: 'String', Overwrite: true },
    ]);
    expect(updates.map((call) => call.args[0].input)).toEqual([
      {
        StackName: STACK,
        UsePreviousTemplate: true,
        Parameters: [{ ParameterKey: 'ApprovedModelPackageArn', UsePreviousValue: true }],
        Capabilities: ['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM'],
      },
    ]);
    expect(puts[0]?.calledBefore(updates[0] as (typeof updates)[number])).toBe(true);
    // one look before the change, then one per status until UPDATE_COMPLETE
    expect(cloudformationMock.commandCalls(DescribeStacksCommand, { StackName: STACK })).toHaveLength(5);
    expect(sleep.mock.calls).toEqual([
      [DEFAULT_POLL_INTERVAL_MS],
      [DEFAULT_POLL_INTERVAL_MS],
      [DEFAULT_POLL_INTERVAL_MS],
    ]);
    expect(lines.filter((line) => line.startsWith('  ['))).toEqual([
      `  [0:00] ${STACK} UPDATE_IN_PROGRESS`,
      `  [0:30] ${STACK} UPDATE_COMPLETE_CLEANUP_IN_PROGRESS`,
      `  [0:45] ${STACK} UPDATE_COMPLETE`,
    ]);
  });

  test('keeps the previous value of every other parameter of the stack', async () => {
    // GIVEN
    givenDeployed({ monitoring: 'absent' });
    cloudformationMock
      .on(DescribeStacksCommand, { StackName: STACK })
      .resolves(
        stackIn('UPDATE_COMPLETE', [
          { ParameterKey: 'BootstrapVersion', ParameterValue: '/cdk-bootstrap/hnb659fds/version' },
        ]),
      );

    // WHEN
    await approveModelVersion(request(), deps());

    // THEN
    expect(cloudformationMock.commandCalls(UpdateStackCommand)[0]?.args[0].input.Parameters).toEqual([
      { ParameterKey: 'ApprovedModelPackageArn', UsePreviousValue: true },
      { ParameterKey: 'BootstrapVersion', UsePreviousValue: true },
    ]);
  });

  test('with --no-wait starts the update and returns without polling', async () => {
    // GIVEN
    givenDeployed({ monitoring: 'absent' });

    // WHEN
    const result = await approveModelVersion(request({ wait: false }), deps());

    // THEN
    expect(result.outcome).toBe('update-started');
    expect(cloudformationMock.commandCalls(UpdateStackCommand)).toHaveLength(1);
    expect(cloudformationMock.commandCalls(DescribeStacksCommand, { StackName: STACK })).toHaveLength(1);
    expect(sleep).not.toHaveBeenCalled();
    expect(lines).toContain(
      `  aws ssm put-parameter --name ${PARAMETER} --value ${VERSION_2} --type String --overwrite --region eu-west-1`,
    );
  });

  test('whose stack update cannot start puts the old value back and reports the error', async () => {
    // GIVEN
    givenDeployed({ monitoring: 'absent' });
    cloudformationMock
      .on(UpdateStackCommand)
      .rejects(awsError('AccessDenied', 'User is not authorized to perform: iam:PassRole'));

    // WHEN
    const error = await rejectionOf(approveModelVersion(request(), deps()));

    // THEN
    expect(error.kind).toBe('update-failed');
    expect(error.message.split('\n')).toEqual([
      `could not start the update of stack "${STACK}": AccessDenied: User is not authorized to perform: iam:PassRole`,
      `set ${PARAMETER} back to ${VERSION_2}, so the next stack update does not pick up the rejected version`,
      'see docs/runbooks/approve-and-rollback.md',
    ]);
    expect(putValues()).toEqual([VERSION_3, VERSION_2]);
    expect(cloudformationMock.commandCalls(DescribeStacksCommand)).toHaveLength(1);
  });

  test('whose restore fails too tells how to restore by hand', async () => {
    // GIVEN
    givenDeployed({ monitoring: 'absent' });
    cloudformationMock.on(UpdateStackCommand).rejects(awsError('ValidationError', 'Template format error'));
    ssmMock
      .on(PutParameterCommand)
      .resolvesOnce({ Version: 2 })
      .rejects(awsError('ThrottlingException', 'Rate exceeded'));

    // WHEN
    const error = await rejectionOf(approveModelVersion(request(), deps()));

    // THEN
    expect(error.message.split('\n')).toEqual([
      `could not start the update of stack "${STACK}": ValidationError: Template format error`,
      `could NOT set ${PARAMETER} back to ${VERSION_2} (ThrottlingException: Rate exceeded); do it by hand before anything updates the stack again:`,
      `  aws ssm put-parameter --name ${PARAMETER} --value ${VERSION_2} --type String --overwrite --region eu-west-1`,
      'see docs/runbooks/approve-and-rollback.md',
    ]);
  });

  test('that CloudFormation rolls back puts the old value back and reports the rollback and its cause', async () => {
    // GIVEN
    givenDeployed({
      monitoring: 'absent',
      statuses: [
        'UPDATE_COMPLETE',
        'UPDATE_IN_PROGRESS',
        'UPDATE_ROLLBACK_IN_PROGRESS',
        'UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS',
        'UPDATE_ROLLBACK_COMPLETE',
      ],
    });
    const event = (LogicalResourceId: string, ResourceType: string, ResourceStatus: string, reason?: string) =>
      ({ LogicalResourceId, ResourceType, ResourceStatus, ResourceStatusReason: reason }) as StackEvent;
    cloudformationMock.on(DescribeStackEventsCommand).resolves({
      // newest first, as CloudFormation returns them
      StackEvents: [
        event(STACK, 'AWS::CloudFormation::Stack', 'UPDATE_ROLLBACK_COMPLETE'),
        event(
          STACK,
          'AWS::CloudFormation::Stack',
          'UPDATE_ROLLBACK_IN_PROGRESS',
          'The following resource(s) failed to update: [Endpoint]. ',
        ),
        event('Alarm', 'AWS::CloudWatch::Alarm', 'UPDATE_FAILED', 'Resource update cancelled'),
        event(
          'Endpoint',
          'AWS::SageMaker::Endpoint',
          'UPDATE_FAILED',
          'Endpoint update rolled back: alarm mlops-test-churn-5xx is in ALARM',
        ),
        event(STACK, 'AWS::CloudFormation::Stack', 'UPDATE_IN_PROGRESS', 'User Initiated'),
        event('Endpoint', 'AWS::SageMaker::Endpoint', 'UPDATE_FAILED', 'an older update'),
      ],
    });

    // WHEN
    const error = await rejectionOf(approveModelVersion(request(), deps()));

    // THEN
    expect(error.kind).toBe('rolled-back');
    expect(error.message.split('\n')).toEqual([
      `CloudFormation rolled back the update of stack "${STACK}" (UPDATE_ROLLBACK_COMPLETE): the deployment guardrails of endpoint mlops-test-churn rolled the new version back (a rollback alarm fired), or a resource failed to update. The endpoint keeps serving the previous version.`,
      'what failed, first to last:',
      '  - Endpoint (AWS::SageMaker::Endpoint) UPDATE_FAILED: Endpoint update rolled back: alarm mlops-test-churn-5xx is in ALARM',
      `set ${PARAMETER} back to ${VERSION_2}, so the next stack update does not pick up the rejected version`,
      'see docs/runbooks/approve-and-rollback.md',
    ]);
    expect(putValues()).toEqual([VERSION_3, VERSION_2]);
    expect(lines).toContain(`  [0:15] ${STACK} UPDATE_ROLLBACK_IN_PROGRESS`);
  });

  test('whose rollback fails too is reported as such, with the old value back', async () => {
    // GIVEN
    givenDeployed({
      monitoring: 'absent',
      statuses: ['UPDATE_COMPLETE', 'UPDATE_ROLLBACK_IN_PROGRESS', 'UPDATE_ROLLBACK_FAILED'],
    });

    // WHEN
    const error = await rejectionOf(approveModelVersion(request(), deps()));

    // THEN
    expect(error.kind).toBe('update-failed');
    expect(error.message).toMatch(/^the update of stack "mlops-test-serving-churn" failed and so did its rollback/);
    expect(putValues()).toEqual([VERSION_3, VERSION_2]);
  });

  test('that does not finish in the default 60 minutes is reported, and the new value stays', async () => {
    // GIVEN
    givenDeployed({ monitoring: 'absent', statuses: ['UPDATE_COMPLETE', 'UPDATE_IN_PROGRESS'] });

    // WHEN
    const error = await rejectionOf(approveModelVersion(request(), deps()));

    // THEN
    expect(error.kind).toBe('timeout');
    expect(error.message.split('\n').slice(0, 3)).toEqual([
      `gave up waiting after 60 minutes: stack "${STACK}" is still UPDATE_IN_PROGRESS.`,
      'The update goes on in CloudFormation, and the parameter keeps the new value. Follow it with',
      `  aws cloudformation describe-stacks --stack-name ${STACK} --region eu-west-1 --query 'Stacks[0].StackStatus'`,
    ]);
    const waited = sleep.mock.calls.reduce((total, [ms]) => total + ms, 0);
    expect(waited).toBe(DEFAULT_TIMEOUT_MS);
    expect(putValues()).toEqual([VERSION_3]);
  });

  test('honours an injected timeout and poll interval', async () => {
    // GIVEN
    givenDeployed({ monitoring: 'absent', statuses: ['UPDATE_COMPLETE', 'UPDATE_IN_PROGRESS'] });

    // WHEN
    const error = await rejectionOf(
      approveModelVersion(request({ timeoutMs: 90_000, pollIntervalMs: 30_000 }), deps()),
    );

    // THEN
    expect(error.message).toMatch(/^gave up waiting after 90 seconds/);
    expect(sleep.mock.calls).toEqual([[30_000], [30_000], [30_000]]);
  });
});

describe('the monitoring stack (stage 4)', () => {
  const event = (LogicalResourceId: string, ResourceType: string, ResourceStatus: string, reason?: string) =>
    ({ LogicalResourceId, ResourceType, ResourceStatus, ResourceStatusReason: reason }) as StackEvent;
  const MONITORING_UPDATE = [
    `  aws cloudformation update-stack --stack-name ${MONITORING_STACK} --use-previous-template`,
    '--parameters ParameterKey=ApprovedModelPackageArn,UsePreviousValue=true ParameterKey=BootstrapVersion,UsePreviousValue=true',
    '--capabilities CAPABILITY_IAM CAPABILITY_NAMED_IAM --region eu-west-1',
  ].join(' ');

  test('that is not deployed (stages 1 to 3) leaves the approval a success, and says so', async () => {
    // GIVEN
    givenDeployed({ monitoring: 'absent' });

    // WHEN
    const result = await approveModelVersion(request(), deps());

    // THEN
    expect(result.outcome).toBe('updated');
    expect(result.monitoring).toBeUndefined();
    expect(lines[lines.length - 1]).toBe(
      `monitoring stack ${MONITORING_STACK} is not deployed (it comes with stage 4): no Model Monitor to refresh`,
    );
    expect(updatedStacks()).toEqual([STACK]);
  });

  test('with Model Monitor is updated after the serving stack completes, and waited for', async () => {
    // GIVEN
    givenDeployed({
      monitoring: 'with-model-monitor',
      statuses: ['UPDATE_COMPLETE', 'UPDATE_IN_PROGRESS', 'UPDATE_COMPLETE'],
      monitoringStatuses: ['UPDATE_COMPLETE', 'UPDATE_IN_PROGRESS', 'UPDATE_COMPLETE'],
    });

    // WHEN
    const result = await approveModelVersion(request(), deps());

    // THEN
    expect(result.outcome).toBe('updated');
    expect(result.monitoring).toEqual({
      outcome: 'refreshed',
      stackName: MONITORING_STACK,
      stackStatus: 'UPDATE_COMPLETE',
    });
    expect(updatedStacks()).toEqual([STACK, MONITORING_STACK]);
    const [servingUpdate, monitoringUpdate] = cloudformationMock.commandCalls(UpdateStackCommand);
    expect(monitoringUpdate?.args[0].input).toEqual({
      StackName: MONITORING_STACK,
      UsePreviousTemplate: true,
      Parameters: [
        { ParameterKey: 'ApprovedModelPackageArn', UsePreviousValue: true },
        { ParameterKey: 'BootstrapVersion', UsePreviousValue: true },
      ],
      Capabilities: ['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM'],
    });
    // the monitoring stack is looked at only once the serving stack reported UPDATE_COMPLETE
    const servingLooks = cloudformationMock.commandCalls(DescribeStacksCommand, { StackName: STACK });
    const monitoringLooks = cloudformationMock.commandCalls(DescribeStacksCommand, { StackName: MONITORING_STACK });
    expect(servingLooks).toHaveLength(3);
    expect(monitoringLooks).toHaveLength(3);
    expect(servingLooks[2]?.calledBefore(monitoringLooks[0] as (typeof monitoringLooks)[number])).toBe(true);
    expect(servingUpdate?.calledBefore(monitoringUpdate as NonNullable<typeof servingUpdate>)).toBe(true);
    expect(lines.slice(-6)).toEqual([
      `  [0:15] ${STACK} UPDATE_COMPLETE`,
      `approved: stack ${STACK} is UPDATE_COMPLETE and endpoint mlops-test-churn serves ${VERSION_3}`,
      `started the update of monitoring stack ${MONITORING_STACK}, so Model Monitor uses the baselines of ${VERSION_3}`,
      `  [0:00] ${MONITORING_STACK} UPDATE_IN_PROGRESS`,
      `  [0:15] ${MONITORING_STACK} UPDATE_COMPLETE`,
      `monitoring refreshed: stack ${MONITORING_STACK} is UPDATE_COMPLETE; Model Monitor uses the baselines of ${VERSION_3}`,
    ]);
    expect(putValues()).toEqual([VERSION_3]);
  });

  test('that already uses the version ("No updates are to be performed") is a success', async () => {
    // GIVEN
    givenDeployed({ monitoring: 'with-model-monitor' });
    cloudformationMock
      .on(UpdateStackCommand, { StackName: MONITORING_STACK })
      .rejects(awsError('ValidationError', 'No updates are to be performed.'));

    // WHEN
    const result = await approveModelVersion(request(), deps());

    // THEN
    expect(result.outcome).toBe('updated');
    expect(result.monitoring).toEqual({
      outcome: 'up-to-date',
      stackName: MONITORING_STACK,
      stackStatus: 'UPDATE_COMPLETE',
    });
    expect(lines).toContain(
      `monitoring stack ${MONITORING_STACK} already uses the baselines of ${VERSION_3}; no update needed`,
    );
    expect(putValues()).toEqual([VERSION_3]);
  });

  test('is refreshed too when the serving stack already serves the version', async () => {
    // GIVEN
    givenDeployed({ monitoring: 'with-model-monitor' });
    cloudformationMock
      .on(UpdateStackCommand, { StackName: STACK })
      .rejects(awsError('ValidationError', 'No updates are to be performed.'));

    // WHEN
    const result = await approveModelVersion(request(), deps());

    // THEN
    expect(result.outcome).toBe('updated');
    expect(result.monitoring?.outcome).toBe('refreshed');
    expect(updatedStacks()).toEqual([STACK, MONITORING_STACK]);
    expect(lines).toContain(`stack ${STACK} already serves ${VERSION_3}; no update needed`);
  });

  test('without Model Monitor (serverless endpoint or no data capture) is skipped, and says so', async () => {
    // GIVEN
    givenDeployed({ monitoring: 'without-model-monitor' });

    // WHEN
    const result = await approveModelVersion(request(), deps());

    // THEN
    expect(result.outcome).toBe('updated');
    expect(result.monitoring).toEqual({
      outcome: 'no-model-monitor',
      stackName: MONITORING_STACK,
      stackStatus: 'UPDATE_COMPLETE',
    });
    expect(updatedStacks()).toEqual([STACK]);
    expect(lines[lines.length - 1]).toBe(
      `monitoring stack ${MONITORING_STACK} has no Model Monitor (serverless endpoint, or no data capture): nothing to refresh`,
    );
  });

  test('whose update rolls back fails the approval with its own kind, and the parameter keeps the new version', async () => {
    // GIVEN
    givenDeployed({
      monitoring: 'with-model-monitor',
      monitoringStatuses: ['UPDATE_COMPLETE', 'UPDATE_ROLLBACK_IN_PROGRESS', 'UPDATE_ROLLBACK_COMPLETE'],
    });
    const missing = `model package ${VERSION_3} cannot be monitored: DriftCheckBaselines.ModelDataQuality.Statistics is missing`;
    cloudformationMock.on(DescribeStackEventsCommand, { StackName: MONITORING_STACK }).resolves({
      // newest first, as CloudFormation returns them
      StackEvents: [
        event(MONITORING_STACK, 'AWS::CloudFormation::Stack', 'UPDATE_ROLLBACK_COMPLETE'),
        event(MONITORING_STACK, 'AWS::CloudFormation::Stack', 'UPDATE_ROLLBACK_IN_PROGRESS', 'failed: [Baselines]'),
        event('Baselines', 'Custom::ModelPackageBaselines', 'UPDATE_FAILED', missing),
        event(MONITORING_STACK, 'AWS::CloudFormation::Stack', 'UPDATE_IN_PROGRESS', 'User Initiated'),
      ],
    });

    // WHEN
    const error = await rejectionOf(approveModelVersion(request(), deps()));

    // THEN
    expect(error.kind).toBe('monitoring-not-refreshed');
    expect(error.exitCode).toBe(3);
    expect(error.message.split('\n')).toEqual([
      `version ${VERSION_3} is approved and served: endpoint mlops-test-churn serves it and ${PARAMETER} holds it. But monitoring stack "${MONITORING_STACK}" was not refreshed:`,
      `CloudFormation rolled back the update of monitoring stack "${MONITORING_STACK}" (UPDATE_ROLLBACK_COMPLETE)`,
      'what failed, first to last:',
      `  - Baselines (Custom::ModelPackageBaselines) UPDATE_FAILED: ${missing}`,
      `Model Monitor of endpoint mlops-test-churn still compares traffic with the baselines of ${VERSION_2}.`,
      `Do not set ${PARAMETER} back: it must name the version the endpoint serves. Once the cause is fixed, refresh the monitoring stack with`,
      MONITORING_UPDATE,
      'or, from a checkout of the deployed version,',
      "  npx cdk deploy --exclusively 'Test/Monitoring-churn'",
      '(running npm run approve again answers "already approved" and does not refresh it); see "Monitoring not refreshed" in docs/runbooks/approve-and-rollback.md',
    ]);
    // not restored: the endpoint serves the new version, and the parameter must name it
    expect(putValues()).toEqual([VERSION_3]);
    expect(updatedStacks()).toEqual([STACK, MONITORING_STACK]);
  });

  test('whose update cannot start fails the approval with its own kind, and the parameter keeps the new version', async () => {
    // GIVEN
    givenDeployed({ monitoring: 'with-model-monitor' });
    cloudformationMock
      .on(UpdateStackCommand, { StackName: MONITORING_STACK })
      .rejects(awsError('AccessDenied', 'User is not authorized to perform: cloudformation:UpdateStack'));

    // WHEN
    const error = await rejectionOf(approveModelVersion(request(), deps()));

    // THEN
    expect(error.kind).toBe('monitoring-not-refreshed');
    expect(error.message.split('\n').slice(1, 3)).toEqual([
      `could not start the update of monitoring stack "${MONITORING_STACK}": AccessDenied: User is not authorized to perform: cloudformation:UpdateStack`,
      `Model Monitor of endpoint mlops-test-churn still compares traffic with the baselines of ${VERSION_2}.`,
    ]);
    expect(putValues()).toEqual([VERSION_3]);
  });

  test('that is busy is not updated, and the approval says how to refresh it later', async () => {
    // GIVEN
    givenDeployed({ monitoring: 'with-model-monitor', monitoringStatuses: ['UPDATE_IN_PROGRESS'] });

    // WHEN
    const error = await rejectionOf(approveModelVersion(request(), deps()));

    // THEN
    expect(error.kind).toBe('monitoring-not-refreshed');
    expect(error.message.split('\n')[1]).toBe(`monitoring stack "${MONITORING_STACK}" is busy (UPDATE_IN_PROGRESS)`);
    expect(error.message).toContain(MONITORING_UPDATE);
    expect(updatedStacks()).toEqual([STACK]);
    expect(putValues()).toEqual([VERSION_3]);
  });

  test('whose update does not finish in time is reported, with how to follow it', async () => {
    // GIVEN
    givenDeployed({
      monitoring: 'with-model-monitor',
      monitoringStatuses: ['UPDATE_COMPLETE', 'UPDATE_IN_PROGRESS'],
    });

    // WHEN
    const error = await rejectionOf(
      approveModelVersion(request({ timeoutMs: 60_000, pollIntervalMs: 30_000 }), deps()),
    );

    // THEN
    expect(error.kind).toBe('monitoring-not-refreshed');
    expect(error.message.split('\n').slice(1, 4)).toEqual([
      `gave up waiting after 1 minute: monitoring stack "${MONITORING_STACK}" is still UPDATE_IN_PROGRESS. The update goes on in CloudFormation; follow it with`,
      `  aws cloudformation describe-stacks --stack-name ${MONITORING_STACK} --region eu-west-1 --query 'Stacks[0].StackStatus'`,
      'If it ends in UPDATE_COMPLETE, monitoring is refreshed and nothing is left to do.',
    ]);
    expect(putValues()).toEqual([VERSION_3]);
  });

  test('is not touched when the serving stack update rolls back', async () => {
    // GIVEN
    givenDeployed({
      monitoring: 'with-model-monitor',
      statuses: ['UPDATE_COMPLETE', 'UPDATE_ROLLBACK_COMPLETE'],
    });

    // WHEN
    const error = await rejectionOf(approveModelVersion(request(), deps()));

    // THEN
    expect(error.kind).toBe('rolled-back');
    expect(cloudformationMock.commandCalls(DescribeStacksCommand, { StackName: MONITORING_STACK })).toHaveLength(0);
    expect(updatedStacks()).toEqual([STACK]);
    expect(putValues()).toEqual([VERSION_3, VERSION_2]);
  });

  test('is named in the follow-up of a serving stack update that does not finish in time', async () => {
    // GIVEN
    givenDeployed({ monitoring: 'with-model-monitor', statuses: ['UPDATE_COMPLETE', 'UPDATE_IN_PROGRESS'] });

    // WHEN
    const error = await rejectionOf(approveModelVersion(request(), deps()));

    // THEN
    expect(error.kind).toBe('timeout');
    expect(error.message).toContain(
      `If it ends in UPDATE_COMPLETE, refresh monitoring stack ${MONITORING_STACK} if there is one (stage 4): see "Monitoring not refreshed" in docs/runbooks/approve-and-rollback.md`,
    );
    expect(updatedStacks()).toEqual([STACK]);
  });

  test('is left to the operator with --no-wait, with the command that refreshes it', async () => {
    // GIVEN
    givenDeployed({ monitoring: 'with-model-monitor' });

    // WHEN
    const result = await approveModelVersion(request({ wait: false }), deps());

    // THEN
    expect(result.outcome).toBe('update-started');
    expect(result.monitoring).toEqual({
      outcome: 'pending',
      stackName: MONITORING_STACK,
      stackStatus: 'UPDATE_COMPLETE',
    });
    expect(updatedStacks()).toEqual([STACK]);
    expect(sleep).not.toHaveBeenCalled();
    expect(lines.slice(-3)).toEqual([
      `once stack ${STACK} is UPDATE_COMPLETE, and not before, refresh monitoring stack ${MONITORING_STACK},`,
      'so Model Monitor uses the baselines of the new version:',
      MONITORING_UPDATE,
    ]);
  });

  test('is listed as step 3 of a dry run, and nothing is changed', async () => {
    // GIVEN
    givenDeployed({ monitoring: 'with-model-monitor' });

    // WHEN
    const result = await approveModelVersion(request({ dryRun: true }), deps());

    // THEN
    expect(result.outcome).toBe('dry-run');
    expect(result.monitoring).toEqual({
      outcome: 'pending',
      stackName: MONITORING_STACK,
      stackStatus: 'UPDATE_COMPLETE',
    });
    expect(lines.slice(-6)).toEqual([
      'dry run: nothing is changed. The approval would:',
      `  1. set SSM parameter ${PARAMETER}: ${VERSION_2} -> ${VERSION_3}`,
      `  2. update stack ${STACK} (now UPDATE_COMPLETE, serving ${VERSION_2}),`,
      `     which reads the parameter again and rolls the version out to endpoint mlops-test-churn`,
      `  3. once the endpoint serves it, update stack ${MONITORING_STACK} (now UPDATE_COMPLETE, baselines of ${VERSION_2}),`,
      '     so Model Monitor of endpoint mlops-test-churn uses the baselines of the new version',
    ]);
    expect(putValues()).toEqual([]);
    expect(updatedStacks()).toEqual([]);
  });

  test('is not a step of a dry run when it is not deployed', async () => {
    // GIVEN
    givenDeployed({ monitoring: 'absent' });

    // WHEN
    const result = await approveModelVersion(request({ dryRun: true }), deps());

    // THEN
    expect(result.monitoring).toBeUndefined();
    expect(lines.some((line) => line.startsWith('  3. '))).toBe(false);
    expect(lines[lines.length - 1]).toBe(
      `  (no monitoring stack ${MONITORING_STACK}: it comes with stage 4, so there is no Model Monitor to refresh)`,
    );
  });

  test('is not looked at for a batch-only model, which has no endpoint to monitor', async () => {
    // GIVEN
    const config = resolveConfig({
      ...CONFIG.config,
      models: [{ name: 'churn', serving: 'batch', batch: { schedule: 'cron(0 3 * * ? *)', inputPrefix: 'scoring/' } }],
    });
    givenDeployed({ monitoring: 'without-model-monitor' });

    // WHEN
    const result = await approveModelVersion(request({ config }), deps());

    // THEN
    expect(result.outcome).toBe('parameter-set');
    expect(result.monitoring).toBeUndefined();
    expect(putValues()).toEqual([VERSION_3]);
    expect(cloudformationMock.calls()).toHaveLength(0);
  });
});

describe('the command', () => {
  const run = (...argv: string[]) =>
    spawnSync(path.join(REPO_ROOT, 'node_modules', '.bin', 'tsx'), ['tools/approve/cli.ts', ...argv], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
    });

  test('exits 2 on a usage error, with the message and the usage line and no stack trace', () => {
    // WHEN
    const result = run('--model', 'churn', '--bogus');

    // THEN
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr.split('\n')).toEqual(['error: unknown flag --bogus', expect.stringMatching(/^usage: /), '']);
  });

  test('exits 1 on an unknown model of the config, without a stack trace', () => {
    // WHEN
    const result = run('--model', 'no-such-model', '--env', 'test', '--package-arn', VERSION_3);

    // THEN
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^error: unknown model "no-such-model"/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});
