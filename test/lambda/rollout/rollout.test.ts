import {
  CloudFormationClient,
  DescribeStacksCommand,
  type Stack,
  UpdateStackCommand,
} from '@aws-sdk/client-cloudformation';
import {
  AddTagsCommand,
  DescribeEndpointCommand,
  DescribeEndpointConfigCommand,
  DescribeModelCommand,
  DescribeModelPackageCommand,
  type DescribeModelPackageCommandOutput,
  SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import { GetParameterCommand, GetParameterHistoryCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import {
  ROLLOUT_ERRORS,
  type RolloutAction,
  type RolloutDeps,
  type RolloutSettings,
  type RolloutState,
  runStep,
} from '../../../lambda/rollout/rollout';

// Replays of every branch of the rollout state machine, step by step, as the state machine chains them
// (lib/constructs/model-rollout.ts): prepare -> claim -> update -> poll... -> verify, and restore on failure.

const GROUP = 'mlops-prod-churn';
const PARAMETER = '/mlops/prod/models/churn/approved-model-package-arn';
const STACK = 'mlops-prod-model-churn';
const ENDPOINT = 'mlops-prod-churn';
const PARTITION = 'aws';
const arn = (version: number) => `arn:${PARTITION}:sagemaker:eu-west-1:333333333333:model-package/${GROUP}/${version}`;
const CHAMPION = arn(3);
const CHALLENGER = arn(4);

const SETTINGS: RolloutSettings = {
  project: 'mlops',
  environment: 'prod',
  model: 'churn',
  parameterName: PARAMETER,
  modelPackageGroupName: GROUP,
  stackName: STACK,
  endpointName: ENDPOINT,
  realtime: true,
  requireVerdict: true,
  requireBaselines: true,
  requireApprovedCard: true,
};

/** The card of a version registered at stage 5 and approved, naming its owner (lib/pipeline/model-card.ts). */
const APPROVED_CARD = {
  ModelCardStatus: 'Approved',
  ModelCardContent: JSON.stringify({ model_overview: { model_creator: 'ml-team@example.com' } }),
};

const ssm = mockClient(SSMClient);
const cloudformation = mockClient(CloudFormationClient);
const sagemaker = mockClient(SageMakerClient);
const deps = (settings: Partial<RolloutSettings> = {}): RolloutDeps => ({
  ssm: new SSMClient({}),
  cloudformation: new CloudFormationClient({}),
  sagemaker: new SageMakerClient({}),
  settings: { ...SETTINGS, ...settings },
});

function approvedPackage(decision = 'approve'): DescribeModelPackageCommandOutput {
  const stats = { ContentType: 'application/json', S3Uri: 's3://artifacts/statistics.json' };
  return {
    $metadata: {},
    ModelPackageArn: CHALLENGER,
    ModelApprovalStatus: 'Approved',
    CustomerMetadataProperties: { 'promotion-decision': decision, 'promotion-reason': 'auc 0.80 against 0.82' },
    DriftCheckBaselines: { ModelDataQuality: { Statistics: stats }, ModelQuality: { Statistics: stats } },
    ModelCard: APPROVED_CARD,
  } as unknown as DescribeModelPackageCommandOutput;
}

function stack(status: string): Stack {
  return {
    StackName: STACK,
    StackStatus: status as Stack['StackStatus'],
    CreationTime: new Date(0),
    Parameters: [
      { ParameterKey: 'ApprovedModelPackageArn', ParameterValue: PARAMETER, ResolvedValue: CHAMPION },
      { ParameterKey: 'BootstrapVersion', ParameterValue: '/cdk-bootstrap/hnb659fds/version' },
    ],
  };
}

/** The parameter as an SSM fake: versions in order, with GetParameter, PutParameter and the history. */
class FakeParameter {
  readonly history: string[];
  /** A value another writer puts just before the next PutParameter lands. */
  racing?: string;
  constructor(initial: string) {
    this.history = [initial];
    ssm.on(GetParameterCommand).callsFake(() => ({ Parameter: { Value: this.value, Version: this.version } }));
    ssm.on(PutParameterCommand).callsFake((input: { Value: string }) => {
      if (this.racing) this.history.push(this.racing);
      this.racing = undefined;
      this.history.push(input.Value);
      return { Version: this.version };
    });
    ssm.on(GetParameterHistoryCommand).callsFake(() => ({
      Parameters: this.history.map((value, i) => ({ Value: value, Version: i + 1 })),
    }));
  }
  get value(): string {
    return this.history[this.history.length - 1] as string;
  }
  get version(): number {
    return this.history.length;
  }
  /** Another approval, written between two steps of the rollout. */
  concurrentWrite(value: string): void {
    this.history.push(value);
  }
}

function serving(packageArn: string, status = 'InService'): void {
  sagemaker
    .on(DescribeEndpointCommand)
    .resolves({ EndpointStatus: status as 'InService', EndpointConfigName: 'config-live' });
  sagemaker
    .on(DescribeEndpointConfigCommand)
    .resolves({ ProductionVariants: [{ VariantName: 'AllTraffic', ModelName: 'model-live' }] });
  sagemaker.on(DescribeModelCommand).resolves({ PrimaryContainer: { ModelPackageName: packageArn } });
}

/** Runs the state machine's main path until a step throws; returns the last state, or the error and the state before. */
async function rollout(
  statuses: readonly string[],
  between: Partial<Record<RolloutAction, () => void>> = {},
  input: RolloutState = { modelPackageArn: CHALLENGER },
): Promise<{ state: RolloutState; error?: Error }> {
  const d = deps();
  let state = input;
  const polled = [...statuses];
  const step = async (action: RolloutAction) => {
    between[action]?.();
    state = await runStep(action, state, d);
  };
  try {
    await step('prepare');
    await step('claim');
    await step('update');
    while (state.progress === 'in-progress') {
      cloudformation.on(DescribeStacksCommand).resolves({ Stacks: [stack(polled.shift() ?? 'UPDATE_COMPLETE')] });
      await step('poll');
    }
    await step('verify');
    return { state };
  } catch (error) {
    // the state machine catches the named error and runs restore with the state the failed step received
    const restored = await runStep('restore', state, d);
    return { state: restored, error: error as Error };
  }
}

let parameter: FakeParameter;

beforeEach(() => {
  ssm.reset();
  cloudformation.reset();
  sagemaker.reset();
  parameter = new FakeParameter(CHAMPION);
  sagemaker.on(DescribeModelPackageCommand).resolves(approvedPackage());
  sagemaker.on(AddTagsCommand).resolves({});
  cloudformation.on(DescribeStacksCommand).resolves({ Stacks: [stack('UPDATE_COMPLETE')] });
  cloudformation.on(UpdateStackCommand).resolves({ StackId: 'stack-id' });
});

describe('rollout of an approved version', () => {
  test('GIVEN a passing verdict WHEN the update completes and the endpoint serves it THEN the parameter keeps it', async () => {
    // GIVEN
    serving(CHALLENGER);

    // WHEN
    const { state, error } = await rollout(['UPDATE_IN_PROGRESS', 'UPDATE_COMPLETE']);

    // THEN
    expect(error).toBeUndefined();
    expect(parameter.history).toEqual([CHAMPION, CHALLENGER]);
    expect(state.written).toEqual({ value: CHALLENGER, version: 2 });
    const update = cloudformation.commandCalls(UpdateStackCommand)[0]?.args[0].input;
    expect(update).toMatchObject({
      StackName: STACK,
      UsePreviousTemplate: true,
      Parameters: [
        { ParameterKey: 'ApprovedModelPackageArn', UsePreviousValue: true },
        { ParameterKey: 'BootstrapVersion', UsePreviousValue: true },
      ],
    });
  });

  test('GIVEN the stack update rolls back WHEN the rollout fails THEN the previous value is restored', async () => {
    // WHEN
    const { state, error } = await rollout(['UPDATE_IN_PROGRESS', 'UPDATE_ROLLBACK_COMPLETE']);

    // THEN
    expect(error?.name).toBe(ROLLOUT_ERRORS.updateFailed);
    expect(error?.message).toContain('rolled back the update of mlops-prod-model-churn');
    expect(parameter.history).toEqual([CHAMPION, CHALLENGER, CHAMPION]);
    expect(state.progress).toBe('restored');
  });

  test('GIVEN another approval lands after the checks WHEN the rollout claims the parameter THEN it stops and leaves it', async () => {
    // GIVEN version 5 approved elsewhere between prepare and claim
    const other = arn(5);

    // WHEN
    const { error } = await rollout([], { claim: () => parameter.concurrentWrite(other) });

    // THEN
    expect(error?.name).toBe(ROLLOUT_ERRORS.concurrent);
    expect(parameter.history).toEqual([CHAMPION, other]);
    expect(cloudformation.commandCalls(UpdateStackCommand)).toHaveLength(0);
  });

  test('GIVEN another approval after the rollout wrote WHEN its update fails THEN the newer approval is not overwritten', async () => {
    // GIVEN version 5 approved while the stack update runs
    const other = arn(5);

    // WHEN
    const { state, error } = await rollout(['UPDATE_IN_PROGRESS', 'UPDATE_ROLLBACK_COMPLETE'], {
      poll: () => parameter.value === CHALLENGER && parameter.concurrentWrite(other),
    });

    // THEN
    expect(error?.name).toBe(ROLLOUT_ERRORS.updateFailed);
    expect(parameter.value).toBe(other);
    expect(state.progress).toBe('left-for-newer-approval');
  });

  test('GIVEN a write that raced another writer WHEN SSM returns a later version THEN the other value is put back', async () => {
    // GIVEN SSM answers the rollout's put with version 3: someone wrote version 2 in between
    const other = arn(5);
    parameter.racing = other;

    // WHEN
    const state = await runStep('prepare', { modelPackageArn: CHALLENGER }, deps());
    const claimed = runStep('claim', state, deps());

    // THEN
    await expect(claimed).rejects.toMatchObject({ name: ROLLOUT_ERRORS.concurrent });
    expect(parameter.history).toEqual([CHAMPION, other, CHALLENGER, other]);
  });

  test('GIVEN CloudFormation reports success WHEN the endpoint still serves the champion THEN the silent rollback is detected, marked and restored', async () => {
    // GIVEN
    serving(CHAMPION);

    // WHEN
    const { state, error } = await rollout(['UPDATE_COMPLETE']);

    // THEN
    expect(error?.name).toBe(ROLLOUT_ERRORS.silentRollback);
    expect(error?.message).toContain(`serves ${CHAMPION}`);
    expect(sagemaker.commandCalls(AddTagsCommand)[0]?.args[0].input).toEqual({
      ResourceArn: CHALLENGER,
      Tags: [{ Key: 'rollout-outcome', Value: 'silent-rollback' }],
    });
    expect(parameter.value).toBe(CHAMPION);
    expect(state.progress).toBe('restored');
  });

  test('GIVEN an endpoint still updating WHEN verified THEN it does not count as serving the version', async () => {
    // GIVEN
    serving(CHALLENGER, 'Updating');

    // WHEN
    const { error } = await rollout(['UPDATE_COMPLETE']);

    // THEN
    expect(error?.name).toBe(ROLLOUT_ERRORS.silentRollback);
  });
});

describe('the checks before any change', () => {
  test.each([
    ['a rejecting verdict', approvedPackage('reject'), "the gate's verdict on"],
    ['no verdict', { ...approvedPackage(), CustomerMetadataProperties: {} }, 'has no verdict'],
    ['a pending version', { ...approvedPackage(), ModelApprovalStatus: 'PendingManualApproval' }, 'not Approved'],
    ['no drift baselines', { ...approvedPackage(), DriftCheckBaselines: undefined }, 'drift baseline'],
    ['no model card in prod', { ...approvedPackage(), ModelCard: undefined }, 'has no model card'],
    [
      'a card still pending review in prod',
      { ...approvedPackage(), ModelCard: { ...APPROVED_CARD, ModelCardStatus: 'PendingReview' } },
      'the model card is PendingReview, not Approved',
    ],
  ])('GIVEN %s WHEN prepared THEN the rollout is refused and nothing is written', async (_what, pkg, message) => {
    // GIVEN
    sagemaker.on(DescribeModelPackageCommand).resolves(pkg as DescribeModelPackageCommandOutput);

    // WHEN
    const prepared = runStep('prepare', { modelPackageArn: CHALLENGER }, deps());

    // THEN
    await expect(prepared).rejects.toMatchObject({
      name: ROLLOUT_ERRORS.refused,
      message: expect.stringContaining(message),
    });
    expect(ssm.commandCalls(PutParameterCommand)).toHaveLength(0);
  });

  test('GIVEN a rejecting verdict WHEN forced (break glass) THEN the rollout proceeds', async () => {
    // GIVEN
    sagemaker.on(DescribeModelPackageCommand).resolves(approvedPackage('reject'));

    // WHEN
    const state = await runStep('prepare', { modelPackageArn: CHALLENGER, force: true }, deps());

    // THEN
    expect(state.previous).toEqual({ value: CHAMPION, version: 1 });
  });

  test('GIVEN a card pending review WHERE the environment needs no approved card (dev, test) THEN the rollout proceeds', async () => {
    // GIVEN
    const pending = { ...approvedPackage(), ModelCard: { ...APPROVED_CARD, ModelCardStatus: 'PendingReview' } };
    sagemaker.on(DescribeModelPackageCommand).resolves(pending as DescribeModelPackageCommandOutput);

    // WHEN
    const state = await runStep('prepare', { modelPackageArn: CHALLENGER }, deps({ requireApprovedCard: false }));

    // THEN
    expect(state.previous).toEqual({ value: CHAMPION, version: 1 });
  });

  test('GIVEN a version of another model WHEN prepared THEN it is refused before any call', async () => {
    // WHEN
    const prepared = runStep('prepare', { modelPackageArn: arn(4).replace(GROUP, 'mlops-prod-upsell') }, deps());

    // THEN
    await expect(prepared).rejects.toMatchObject({ name: ROLLOUT_ERRORS.refused });
    expect(sagemaker.calls()).toHaveLength(0);
  });

  test('GIVEN the version is already approved WHEN prepared THEN it is marked so and the stack is not touched', async () => {
    // GIVEN
    parameter.concurrentWrite(CHALLENGER);

    // WHEN
    const state = await runStep('prepare', { modelPackageArn: CHALLENGER }, deps());

    // THEN
    expect(state.alreadyApproved).toBe(true);
    expect(cloudformation.calls()).toHaveLength(0);
  });

  test('GIVEN a batch-only model WHEN prepared THEN no stack is checked: the next batch run reads the parameter', async () => {
    // WHEN
    const state = await runStep('prepare', { modelPackageArn: CHALLENGER }, deps({ realtime: false }));

    // THEN
    expect(state.realtime).toBe(false);
    expect(cloudformation.calls()).toHaveLength(0);
  });

  test('GIVEN a busy stack WHEN prepared THEN the rollout is refused', async () => {
    // GIVEN
    cloudformation.on(DescribeStacksCommand).resolves({ Stacks: [stack('UPDATE_IN_PROGRESS')] });

    // WHEN
    const prepared = runStep('prepare', { modelPackageArn: CHALLENGER }, deps());

    // THEN
    await expect(prepared).rejects.toMatchObject({
      message: expect.stringContaining('cannot be updated in UPDATE_IN_PROGRESS'),
    });
  });
});
