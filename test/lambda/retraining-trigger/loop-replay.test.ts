import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DescribeTrainingJobCommand,
  ListPipelineExecutionStepsCommand,
  ListPipelineExecutionsCommand,
  SageMakerServiceException,
  StartPipelineExecutionCommand,
} from '@aws-sdk/client-sagemaker';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { DEFAULT_RETRY, sageMaker } from '../../../lambda/retraining-trigger/clients';
import type { TriggerConfig } from '../../../lambda/retraining-trigger/config';
import type { EvidenceSource, LoopPolicy } from '../../../lambda/retraining-trigger/loop';
import { createLoop } from '../../../lambda/retraining-trigger/loop-runner';
import { LoopStore } from '../../../lambda/retraining-trigger/loop-state';
import { StateStore } from '../../../lambda/retraining-trigger/state';
import { createHandler, REEVALUATION_DETAIL_TYPE } from '../../../lambda/retraining-trigger/trigger';
import type { AwsCall } from '../../../lambda/shared/aws-call';
import { FakeTable, lambdaContext, OutputCapture, PARTITION } from './fixtures';

// Replays of the closed loop (stage 5) with no AWS account: SageMaker and DynamoDB through aws-sdk-client-mock
// (the table evaluates the conditional writes as DynamoDB does), CloudWatch, EventBridge and SNS as recorded calls.

const PIPELINE = 'mlops-dev-churn-training';
const EXECUTION_ARN = `arn:${PARTITION}:sagemaker:us-east-1:111122223333:pipeline/${PIPELINE}/execution/loop1`;
const ALARM = 'mlops-dev-churn-data-drift';
const HOUR = 3_600_000;

const POLICY: LoopPolicy = {
  violatingWindows: 2,
  windows: 5,
  windowMinutes: 60,
  minSamples: 100,
  cooldownMinutes: 360,
  maxRunsPerMonth: 4,
  maxTrainingInstanceHoursPerMonth: 24,
};
const SOURCE: EvidenceSource = {
  violations: [
    {
      id: 'drift',
      reason: 'drift',
      namespace: 'MLOps/ModelDrift',
      metricName: 'DataDrift',
      dimensions: { Environment: 'dev', Model: 'churn' },
      stat: 'Maximum',
      comparison: 'GreaterThanOrEqualToThreshold',
      threshold: 1,
    },
    {
      id: 'quality',
      reason: 'quality',
      namespace: 'MLOps/ModelDrift',
      metricName: 'QualityViolation',
      dimensions: { Environment: 'dev', Model: 'churn' },
      stat: 'Maximum',
      comparison: 'GreaterThanOrEqualToThreshold',
      threshold: 1,
    },
  ],
  samples: {
    id: 'samples',
    namespace: 'MLOps/ModelDrift',
    metricName: 'Samples',
    dimensions: { Environment: 'dev', Model: 'churn' },
    stat: 'Sum',
  },
};

const sageMakerMock = mockClient(sageMaker);
let table: FakeTable;
let output: OutputCapture;
let clock: Date;
let calls: { service: string; operation: string; input: Record<string, unknown> }[];
/** The last five windows, newest first: DataDrift, QualityViolation and Samples of each. */
let windows: { drift: number; quality: number; samples: number }[];

beforeEach(() => {
  sageMakerMock.reset();
  sageMakerMock.on(ListPipelineExecutionsCommand).resolves({ PipelineExecutionSummaries: [] });
  sageMakerMock.on(StartPipelineExecutionCommand).resolves({ PipelineExecutionArn: EXECUTION_ARN });
  table = new FakeTable();
  output = new OutputCapture();
  clock = new Date('2026-12-07T12:05:00Z');
  calls = [];
  windows = [];
});

afterEach(() => {
  output.restore();
  table.restore();
});

afterAll(() => sageMakerMock.restore());

function recorder(
  service: string,
  answer: (operation: string, input: Record<string, unknown>) => Record<string, unknown>,
): AwsCall {
  return async (operation, input) => {
    calls.push({ service, operation, input });
    return answer(operation, input);
  };
}

/** GetMetricData answered from `windows`: one datapoint per window and query, at the window's end. */
const cloudWatch = recorder('cloudwatch', (_operation, input) => {
  const end = Math.floor(new Date('2026-12-07T12:00:00Z').getTime() / 1000);
  const timestamps = windows.map((_, i) => end - i * 3600);
  const queries = input.MetricDataQueries as { Id: string }[];
  return {
    MetricDataResults: queries.map(({ Id }) => ({
      Id,
      Timestamps: timestamps,
      Values: windows.map((w) => (Id === 'drift' ? w.drift : Id === 'quality' ? w.quality : w.samples)),
      StatusCode: 'Complete',
    })),
  };
});

function givenALoop(policy: Partial<LoopPolicy> = {}) {
  const config: TriggerConfig = {
    pipelineName: PIPELINE,
    modelName: 'churn',
    stateTableName: 'trigger-state',
    inputBucket: 'mlops-dev-raw',
    inputPrefix: 'training-data/churn/',
    policy: { minNewObjects: 1, minNewBytes: 0, cooldownMinutes: 60, maxRunsPerDay: 2 },
    metricsNamespace: 'MLOps/RetrainingTriggers',
    serviceName: 'retraining-trigger',
    projectName: 'mlops',
    environmentName: 'dev',
    alertsTopicArn: `arn:${PARTITION}:sns:us-east-1:111122223333:mlops-dev-alerts`,
    loop: { policy: { ...POLICY, ...policy }, evidence: SOURCE, alarms: [ALARM, 'mlops-dev-churn-quality'] },
  };
  const dynamoDb = new DynamoDBClient({ region: 'us-east-1' });
  const documents = DynamoDBDocumentClient.from(dynamoDb, { marshallOptions: { removeUndefinedValues: true } });
  const logger = new Logger({ serviceName: config.serviceName });
  const metrics = new Metrics({
    namespace: config.metricsNamespace,
    serviceName: config.serviceName,
    defaultDimensions: { Model: 'churn' },
  });
  const retry = { ...DEFAULT_RETRY, sleep: async () => undefined, random: () => 1 };
  const eventBridge = recorder('events', () => ({ FailedEntryCount: 0, Entries: [{ EventId: 'e1' }] }));
  const sns = recorder('sns', () => ({ xml: '<PublishResponse/>' }));
  return createHandler({
    config,
    sageMaker,
    sns,
    store: new StateStore(documents, config.stateTableName),
    persistenceStore: new DynamoDBPersistenceLayer({
      tableName: config.stateTableName,
      keyAttr: 'id',
      expiryAttr: 'expiration',
      awsSdkV3Client: dynamoDb,
    }),
    logger,
    metrics,
    retry,
    now: () => clock,
    loop: createLoop({
      config,
      sageMaker,
      store: new LoopStore(documents, config.stateTableName),
      cloudWatch,
      eventBridge,
      sns,
      logger,
      metrics,
      retry,
      now: () => clock,
    }),
  });
}

function alarmEvent(state = 'ALARM', alarmName = ALARM, id = 'alarm-event-1') {
  return {
    version: '0',
    id,
    'detail-type': 'CloudWatch Alarm State Change',
    source: 'aws.cloudwatch',
    account: '111122223333',
    time: clock.toISOString(),
    region: 'us-east-1',
    resources: [`arn:${PARTITION}:cloudwatch:us-east-1:111122223333:alarm:${alarmName}`],
    detail: {
      alarmName,
      state: { value: state, reason: 'Threshold Crossed', timestamp: clock.toISOString() },
      previousState: { value: 'OK' },
    },
  };
}

/** Windows newest first: `violating` of them violate (at the given positions), every one with 500 samples. */
function givenWindows(violatingAt: readonly number[], options: { samples?: number; quality?: boolean } = {}) {
  windows = [0, 1, 2, 3, 4].map((i) => ({
    drift: violatingAt.includes(i) && !options.quality ? 1 : 0,
    quality: violatingAt.includes(i) && options.quality ? 1 : 0,
    samples: options.samples ?? 500,
  }));
}

const startCalls = () => sageMakerMock.commandCalls(StartPipelineExecutionCommand).map((c) => c.args[0].input);
const loopState = () => table.stateItems.get('loop-state#churn');
const decisionRecords = () =>
  [...table.stateItems.entries()].filter(([id]) => id.startsWith('decision#churn#')).map(([, item]) => item);
const putEvents = () =>
  calls
    .filter((c) => c.operation === 'PutEvents')
    .map((c) => (c.input.Entries as { Detail: string; DetailType: string; Source: string }[])[0]);

describe('GIVEN the drift alarm goes into ALARM', () => {
  test('WHEN 1 of the last 5 windows violates THEN no run starts and the suppression is recorded', async () => {
    givenWindows([0]);

    const result = await givenALoop()(alarmEvent(), lambdaContext());

    expect(result).toMatchObject({ action: 'skip', reason: 'insufficient-evidence' });
    expect(result.detail).toBe('1 of the last 5 windows violate (2 of 5 needed)');
    expect(startCalls()).toEqual([]);
    expect(output.metrics('RetrainingSuppressed')).toEqual([
      expect.objectContaining({ Reason: 'insufficient-evidence', RetrainingSuppressed: 1 }),
    ]);
    expect(decisionRecords()).toEqual([
      expect.objectContaining({ decision: 'suppress', reason: 'insufficient-evidence' }),
    ]);
  });

  test('WHEN 2 of the last 5 windows violate THEN one run starts with TriggerReason drift, with the evidence kept', async () => {
    givenWindows([0, 3]);

    const result = await givenALoop()(alarmEvent(), lambdaContext());

    expect(result).toMatchObject({ action: 'start', reason: 'drift', executionArn: EXECUTION_ARN });
    expect(startCalls()).toHaveLength(1);
    expect(startCalls()[0]).toMatchObject({
      PipelineName: PIPELINE,
      PipelineParameters: [{ Name: 'TriggerReason', Value: 'drift' }],
    });
    expect(startCalls()[0].ClientRequestToken).toMatch(/^[a-f0-9]{64}$/);
    // the windows are counted: they will not start another run
    expect(loopState()).toMatchObject({
      lastRunAt: clock.toISOString(),
      consumedUntil: '2026-12-07T12:00:00.000Z',
      lastExecutionArn: EXECUTION_ARN,
    });
    expect(loopState()).not.toHaveProperty('claimToken');
    const [record] = decisionRecords();
    expect(record).toMatchObject({
      project: 'mlops',
      environment: 'dev',
      model: 'churn',
      decision: 'start',
      triggerReason: 'drift',
      executionArn: EXECUTION_ARN,
      evidence: {
        violating: 2,
        required: '2 of 5',
        budget: { runs: 0, maxRuns: 4, runsLeft: 4, trainingInstanceHoursLeft: 24 },
      },
    });
    expect((record?.evidence as { windows: unknown[] } | undefined)?.windows).toHaveLength(5);
    const [event] = putEvents();
    expect(event).toMatchObject({ Source: 'mlops.platform', DetailType: 'Retraining Decision' });
    expect(JSON.parse(event?.Detail ?? '{}')).toMatchObject({
      decision: 'start',
      reason: 'drift',
      model: 'churn',
      eventTime: clock.toISOString(),
    });
    expect(output.metrics('RetrainingDecision')).toEqual([
      expect.objectContaining({ Decision: 'start', Reason: 'drift' }),
    ]);
  });

  test('WHEN the violating windows have fewer samples than the minimum THEN they do not count', async () => {
    givenWindows([0, 1, 2], { samples: 99 });

    const result = await givenALoop()(alarmEvent(), lambdaContext());

    expect(result).toMatchObject({ action: 'skip', reason: 'insufficient-evidence' });
    expect(startCalls()).toEqual([]);
  });

  test('WHEN the windows violate quality THEN the run carries TriggerReason quality', async () => {
    givenWindows([1, 2], { quality: true });

    await givenALoop()(alarmEvent('ALARM', 'mlops-dev-churn-quality'), lambdaContext());

    expect(startCalls()[0]?.PipelineParameters).toEqual([{ Name: 'TriggerReason', Value: 'quality' }]);
  });

  test('WHEN the last loop run started within the cooldown THEN the run is suppressed and counted', async () => {
    givenWindows([0, 1]);
    table.stateItems.set('loop-state#churn', {
      id: 'loop-state#churn',
      version: 4,
      lastRunAt: new Date(clock.getTime() - 2 * HOUR).toISOString(),
      consumedUntil: '2026-12-07T09:00:00.000Z',
    });

    const result = await givenALoop()(alarmEvent(), lambdaContext());

    expect(result).toMatchObject({ action: 'skip', reason: 'cooldown' });
    expect(result.detail).toContain('the cooldown of 360 minutes ends at 2026-12-07T16:05:00.000Z');
    expect(startCalls()).toEqual([]);
    expect(output.metrics('RetrainingSuppressed')).toEqual([expect.objectContaining({ Reason: 'cooldown' })]);
  });

  test('WHEN the windows already drove the last run THEN they do not count again', async () => {
    givenWindows([0, 1]);
    table.stateItems.set('loop-state#churn', {
      id: 'loop-state#churn',
      version: 1,
      lastRunAt: new Date(clock.getTime() - 24 * HOUR).toISOString(),
      consumedUntil: '2026-12-07T12:00:00.000Z',
    });

    const result = await givenALoop()(alarmEvent(), lambdaContext());

    expect(result).toMatchObject({ action: 'skip', reason: 'insufficient-evidence' });
  });
});

describe('GIVEN the monthly budget', () => {
  test('WHEN the month already had its maximum of runs THEN drift is suppressed with the budget-exhausted metric', async () => {
    givenWindows([0, 1]);
    sageMakerMock.on(ListPipelineExecutionsCommand).resolves({
      PipelineExecutionSummaries: [1, 2, 3, 4].map((n) => ({
        PipelineExecutionArn: `${EXECUTION_ARN}-${n}`,
        PipelineExecutionStatus: 'Succeeded',
      })),
    });
    sageMakerMock.on(ListPipelineExecutionStepsCommand).resolves({ PipelineExecutionSteps: [] });

    const result = await givenALoop()(alarmEvent(), lambdaContext());

    expect(result).toMatchObject({ action: 'skip', reason: 'budget-exhausted' });
    expect(result.detail).toContain('4 of 4 runs used in 2026-12');
    expect(startCalls()).toEqual([]);
    expect(output.metrics('RetrainingSuppressed')).toEqual([
      expect.objectContaining({ Reason: 'budget-exhausted', RetrainingSuppressed: 1 }),
    ]);
    const listed = sageMakerMock.commandCalls(ListPipelineExecutionsCommand)[0]?.args[0].input;
    expect(listed?.CreatedAfter).toEqual(new Date('2026-12-01T00:00:00Z'));
  });

  test('WHEN the training jobs of the month used the instance-hours THEN drift is suppressed', async () => {
    givenWindows([0, 1]);
    sageMakerMock.on(ListPipelineExecutionsCommand).resolves({
      PipelineExecutionSummaries: [
        { PipelineExecutionArn: `${EXECUTION_ARN}-1`, PipelineExecutionStatus: 'Succeeded' },
      ],
    });
    sageMakerMock.on(ListPipelineExecutionStepsCommand).resolves({
      PipelineExecutionSteps: [
        {
          StepName: 'Train',
          Metadata: {
            TrainingJob: { Arn: `arn:${PARTITION}:sagemaker:us-east-1:111122223333:training-job/pipelines-x-train` },
          },
        },
        {
          StepName: 'Preprocess',
          Metadata: { ProcessingJob: { Arn: `arn:${PARTITION}:sagemaker:us-east-1:111122223333:processing-job/p` } },
        },
      ],
    });
    // 2 instances for 12.5 hours: 25 instance-hours of 24
    sageMakerMock
      .on(DescribeTrainingJobCommand)
      .resolves({ BillableTimeInSeconds: 45_000, ResourceConfig: { InstanceCount: 2, VolumeSizeInGB: 30 } });

    const result = await givenALoop()(alarmEvent(), lambdaContext());

    expect(result).toMatchObject({ action: 'skip', reason: 'budget-exhausted' });
    expect(result.detail).toContain('25 of 24 training instance-hours used in 2026-12');
    expect(sageMakerMock.commandCalls(DescribeTrainingJobCommand)[0]?.args[0].input).toEqual({
      TrainingJobName: 'pipelines-x-train',
    });
  });
});

describe('GIVEN two alarm events at the same time', () => {
  test('WHEN both decide to start THEN the conditional claim lets exactly one start the pipeline', async () => {
    givenWindows([0, 1]);
    const loop = givenALoop();

    const results = await Promise.all([
      loop(alarmEvent('ALARM', ALARM, 'event-a'), lambdaContext('a')),
      loop(alarmEvent('ALARM', 'mlops-dev-churn-quality', 'event-b'), lambdaContext('b')),
    ]);

    expect(startCalls()).toHaveLength(1);
    expect(results.map((r) => r.action).sort()).toEqual(['skip', 'start']);
    // the loser read the state before the winner's claim, lost the conditional write, read again and saw the claim
    expect(results.find((r) => r.action === 'skip')).toMatchObject({ reason: 'already-starting' });
    expect(output.logs('the loop state changed while deciding; deciding again')).toHaveLength(1);
  });
});

describe('GIVEN two new-data events at the same time (no reserved concurrency)', () => {
  test('WHEN both would start THEN exactly one run starts and the other object stays counted', async () => {
    const loop = givenALoop();
    const { objectCreated } = await import('./fixtures');

    const results = await Promise.all([
      loop(objectCreated({ key: 'training-data/churn/a.csv', sequencer: '01', id: 'e1' }), lambdaContext('a')),
      loop(objectCreated({ key: 'training-data/churn/b.csv', sequencer: '02', id: 'e2' }), lambdaContext('b')),
    ]);

    expect(startCalls()).toHaveLength(1);
    expect(results.map((r) => r.action).sort()).toEqual(['skip', 'start']);
    expect(results.find((r) => r.action === 'skip')).toMatchObject({ reason: 'already-running' });
    // the run trains on the first object; the second, counted while the claim held, waits for the next run
    expect(table.state('churn')).toMatchObject({ pendingObjects: 1, pendingBytes: 3_400_000, runsToday: 1 });
    expect(table.state('churn')).not.toHaveProperty('claimToken');
  });
});

describe('GIVEN SageMaker fails to start', () => {
  test('WHEN the start is throttled beyond the retries THEN the error is rethrown and the windows stay uncounted', async () => {
    givenWindows([0, 1]);
    sageMakerMock.on(StartPipelineExecutionCommand).rejects(
      new SageMakerServiceException({
        name: 'ThrottlingException',
        $fault: 'client',
        $metadata: { httpStatusCode: 400 },
        message: 'Rate exceeded',
      }),
    );

    await expect(givenALoop()(alarmEvent(), lambdaContext())).rejects.toMatchObject({ name: 'ThrottlingException' });

    // claimed (version 1), released (version 2) to the state as it was: no run recorded, no window consumed
    expect(loopState()).toMatchObject({ version: 2 });
    expect(loopState()).not.toHaveProperty('consumedUntil');
    expect(loopState()).not.toHaveProperty('lastRunAt');
    expect(loopState()).not.toHaveProperty('claimToken');

    // WHEN SageMaker recovers THEN the same evidence starts the run
    sageMakerMock.on(StartPipelineExecutionCommand).resolves({ PipelineExecutionArn: EXECUTION_ARN });
    await expect(givenALoop()(alarmEvent(), lambdaContext())).resolves.toMatchObject({
      action: 'start',
      reason: 'drift',
    });
  });

  test('WHEN SageMaker refuses the start for good THEN the alerts topic hears of it with the event, and the windows stay uncounted', async () => {
    givenWindows([0, 1]);
    sageMakerMock.on(StartPipelineExecutionCommand).rejects(
      new SageMakerServiceException({
        name: 'ValidationException',
        $fault: 'client',
        $metadata: { httpStatusCode: 400 },
        message: 'Parameter TriggerReason is not defined',
      }),
    );

    const result = await givenALoop()(alarmEvent(), lambdaContext());

    expect(result).toMatchObject({ action: 'skip', reason: 'failed' });
    const published = calls.filter((c) => c.operation === 'Publish');
    expect(published).toHaveLength(1);
    const message = JSON.parse(String(published[0]?.input.Message));
    expect(message).toMatchObject({
      model: 'churn',
      error: { name: 'ValidationException' },
      event: { id: 'alarm-event-1' },
    });
    expect(loopState()).not.toHaveProperty('consumedUntil');
  });
});

describe('GIVEN events the loop does not act on', () => {
  test('WHEN the alarm returns to OK THEN nothing is read or started', async () => {
    givenWindows([0, 1]);

    const result = await givenALoop()(alarmEvent('OK'), lambdaContext());

    expect(result).toMatchObject({ action: 'skip', reason: 'not-in-alarm' });
    expect(calls).toEqual([]);
  });

  test('WHEN another alarm changes state THEN the loop ignores it', async () => {
    const result = await givenALoop()(alarmEvent('ALARM', 'someone-elses-alarm'), lambdaContext());

    expect(result).toMatchObject({ action: 'skip', reason: 'unknown-alarm' });
    expect(startCalls()).toEqual([]);
  });
});

describe('GIVEN the scheduled re-evaluation', () => {
  const reevaluation = () => ({
    'detail-type': REEVALUATION_DETAIL_TYPE,
    source: 'mlops.platform',
    id: 'schedule-1',
    time: clock.toISOString(),
  });

  test('WHEN no window violates THEN it stays quiet: no record, no metric', async () => {
    givenWindows([]);

    const result = await givenALoop()(reevaluation(), lambdaContext());

    expect(result).toMatchObject({ action: 'skip', reason: 'no-violations' });
    expect(decisionRecords()).toEqual([]);
    expect(output.metrics('RetrainingDecision')).toEqual([]);
  });

  test('WHEN drift was held back by the cooldown and the cooldown is over THEN the re-evaluation starts the run', async () => {
    givenWindows([0, 2]);
    table.stateItems.set('loop-state#churn', {
      id: 'loop-state#churn',
      version: 1,
      lastRunAt: new Date(clock.getTime() - 7 * HOUR).toISOString(),
      consumedUntil: '2026-12-07T05:00:00.000Z',
    });

    const result = await givenALoop()(reevaluation(), lambdaContext());

    expect(result).toMatchObject({ action: 'start', reason: 'drift' });
    expect(startCalls()).toHaveLength(1);
  });

  test('WHEN new data waited out its cooldown THEN the re-evaluation starts it without a new upload', async () => {
    givenWindows([]);
    table.givenState('churn', {
      pendingObjects: 3,
      pendingBytes: 3000,
      pendingSince: '2026-12-07T08:00:00Z',
      lastRunAt: new Date(clock.getTime() - 2 * HOUR).toISOString(),
      runsDay: '2026-12-07',
      runsToday: 1,
    });

    const result = await givenALoop()(reevaluation(), lambdaContext());

    expect(result).toMatchObject({ action: 'start', reason: 'start' });
    expect(startCalls()[0]?.PipelineParameters).toContainEqual({ Name: 'TriggerReason', Value: 'new-data' });
    expect(table.state('churn')).toMatchObject({ pendingObjects: 0, runsToday: 2 });
  });
});

describe('GIVEN writers that keep changing the state', () => {
  test('WHEN the conditional writes fail more often than the attempts THEN the error goes to Lambda for a retry, not to the alerts topic', async () => {
    const { PutCommand } = await import('@aws-sdk/lib-dynamodb');
    const { objectCreated } = await import('./fixtures');
    table.documents.on(PutCommand).callsFake(() => {
      throw table.conditionFailed();
    });

    await expect(givenALoop()(objectCreated(), lambdaContext())).rejects.toMatchObject({ name: 'StateConflictError' });

    expect(calls.filter((c) => c.operation === 'Publish')).toEqual([]);
  });
});

// The outcome of a run, joined back (issue 14): the gate's Promotion Verdict names the pipeline execution that
// produced the version; the loop keeps it keyed by the execution and joins it onto the decision that started it.

const GATE_VERSION = `arn:${PARTITION}:sagemaker:us-east-1:111122223333:model-package/mlops-dev-churn/7`;

function verdictEvent(
  overrides: { executionArn?: string | null; action?: string; decision?: string; eventTime?: string; id?: string } = {},
) {
  return {
    version: '0',
    id: overrides.id ?? 'verdict-event-1',
    'detail-type': 'Promotion Verdict',
    source: 'mlops.platform',
    account: '111122223333',
    time: '2026-12-07T14:40:00Z',
    region: 'us-east-1',
    resources: [],
    detail: {
      project: 'mlops',
      environment: 'dev',
      model: 'churn',
      eventTime: overrides.eventTime ?? '2026-12-07T14:40:00+00:00',
      modelPackageArn: GATE_VERSION,
      pipelineExecutionArn: overrides.executionArn === undefined ? EXECUTION_ARN : overrides.executionArn,
      decision: overrides.decision ?? 'reject',
      action: overrides.action ?? 'rejected',
      mode: 'enabled',
      reason:
        "auc 0.801000 against the champion's 0.812000 (gain -0.011000, -1.35%): below the minimum absolute improvement 0.01",
      metric: 'auc',
      challengerScore: 0.801,
      championScore: 0.812,
      championArn: `arn:${PARTITION}:sagemaker:us-east-1:111122223333:model-package/mlops-dev-churn/6`,
      window: 'test-split',
      samples: 500,
    },
  };
}

const runRecord = (executionArn = EXECUTION_ARN) => table.stateItems.get(`run#churn#${executionArn}`);

describe('GIVEN the loop started a run and the gate judged the version it produced', () => {
  test('WHEN the verdict arrives after the decision THEN the outcome is joined onto the decision record and counted', async () => {
    givenWindows([0, 3]);
    const handler = givenALoop();
    await handler(alarmEvent(), lambdaContext());

    const result = await handler(verdictEvent(), lambdaContext());

    expect(result).toMatchObject({ action: 'outcome', reason: 'outcome-joined', executionArn: EXECUTION_ARN });
    const [record] = decisionRecords();
    expect(record).toMatchObject({
      decision: 'start',
      reason: 'drift',
      executionArn: EXECUTION_ARN,
      outcome: {
        result: 'lost',
        decision: 'reject',
        action: 'rejected',
        modelPackageArn: GATE_VERSION,
        challengerScore: 0.801,
        championScore: 0.812,
        verdictTime: '2026-12-07T14:40:00+00:00',
        verdictEventId: 'verdict-event-1',
      },
    });
    expect(runRecord()).toMatchObject({ executionArn: EXECUTION_ARN, decisionKey: record?.id });
    expect(output.metrics('RetrainingOutcome')).toEqual([
      expect.objectContaining({ Outcome: 'lost', RetrainingOutcome: 1, Model: 'churn' }),
    ]);
    // nothing new is announced: the verdict is the gate's event already
    expect(putEvents().map((e) => e?.DetailType)).toEqual(['Retraining Decision']);
  });

  test('WHEN the same verdict arrives twice THEN the second changes nothing and is not counted again', async () => {
    givenWindows([0, 3]);
    const handler = givenALoop();
    await handler(alarmEvent(), lambdaContext());
    await handler(verdictEvent({ action: 'approved', decision: 'approve' }), lambdaContext());
    const before = structuredClone([...table.stateItems.entries()]);

    const duplicate = await handler(verdictEvent({ action: 'approved', decision: 'approve' }), lambdaContext());

    expect(duplicate).toMatchObject({ action: 'outcome', reason: 'outcome-duplicate' });
    expect([...table.stateItems.entries()]).toEqual(before);
    expect(decisionRecords()[0]?.outcome).toMatchObject({ result: 'promoted' });
    expect(output.metrics('RetrainingOutcome')).toHaveLength(1);
  });

  test('WHEN a later verdict of the same execution arrives (a re-run gate) THEN the first one stays', async () => {
    givenWindows([0, 3]);
    const handler = givenALoop();
    await handler(alarmEvent(), lambdaContext());
    await handler(verdictEvent(), lambdaContext());

    const later = await handler(
      verdictEvent({ action: 'approved', decision: 'approve', eventTime: '2026-12-07T15:00:00+00:00', id: 'v2' }),
      lambdaContext(),
    );

    expect(later).toMatchObject({ action: 'outcome', reason: 'outcome-duplicate' });
    expect(later.detail).toContain('already has the verdict of 2026-12-07T14:40:00+00:00');
    expect(decisionRecords()[0]?.outcome).toMatchObject({ result: 'lost', verdictEventId: 'verdict-event-1' });
    expect(runRecord()?.outcome).toMatchObject({ result: 'lost' });
  });

  test('WHEN the verdict arrives before the decision record THEN it is kept, and joined when the loop records the decision', async () => {
    givenWindows([0, 3]);
    const handler = givenALoop();

    const early = await handler(verdictEvent({ action: 'approved', decision: 'approve' }), lambdaContext());

    expect(early).toMatchObject({ action: 'outcome', reason: 'outcome-kept', executionArn: EXECUTION_ARN });
    expect(decisionRecords()).toEqual([]);
    expect(runRecord()).toMatchObject({ outcome: { result: 'promoted' } });
    expect(runRecord()).not.toHaveProperty('decisionKey');

    await handler(alarmEvent(), lambdaContext());

    const [record] = decisionRecords();
    expect(record).toMatchObject({ decision: 'start', executionArn: EXECUTION_ARN, outcome: { result: 'promoted' } });
    expect(runRecord()).toMatchObject({ decisionKey: record?.id, outcome: { result: 'promoted' } });
    expect(output.metrics('RetrainingOutcome')).toEqual([expect.objectContaining({ Outcome: 'promoted' })]);
    expect(output.logs('retraining outcome joined')).toEqual([expect.objectContaining({ joinedBy: 'decision' })]);
  });

  test('WHEN the verdict is of an execution the loop did not start THEN it is recorded on its own and joined onto nothing', async () => {
    givenWindows([0, 3]);
    const handler = givenALoop();
    await handler(alarmEvent(), lambdaContext());
    const scheduled = `arn:${PARTITION}:sagemaker:us-east-1:111122223333:pipeline/${PIPELINE}/execution/scheduled1`;

    const result = await handler(verdictEvent({ executionArn: scheduled }), lambdaContext());

    expect(result).toMatchObject({ action: 'outcome', reason: 'outcome-kept', executionArn: scheduled });
    expect(result.detail).toContain(`no decision of the loop names ${scheduled}`);
    expect(decisionRecords()).toHaveLength(1);
    expect(decisionRecords()[0]).not.toHaveProperty('outcome');
    expect(runRecord(scheduled)).toMatchObject({ executionArn: scheduled, outcome: { result: 'lost' } });
    expect(runRecord(scheduled)).not.toHaveProperty('decisionKey');
    expect(output.metrics('RetrainingOutcome')).toEqual([]);
  });

  test('WHEN the verdict names no execution (a gate before this change) THEN nothing is stored', async () => {
    const before = table.stateItems.size;

    const result = await givenALoop()(verdictEvent({ executionArn: null }), lambdaContext());

    expect(result).toMatchObject({ action: 'skip', reason: 'no-execution' });
    expect(table.stateItems.size).toBe(before);
  });

  test("WHEN the verdict is another model's THEN it is ignored", async () => {
    const event = verdictEvent();
    const result = await givenALoop()({ ...event, detail: { ...event.detail, model: 'upsell' } }, lambdaContext());

    expect(result).toMatchObject({ action: 'skip', reason: 'foreign-verdict' });
    expect(table.stateItems.size).toBe(0);
  });

  test('WHEN the verdict is malformed THEN it is rejected with the reason, not retried', async () => {
    const event = verdictEvent();
    const result = await givenALoop()(
      { ...event, detail: { ...event.detail, modelPackageArn: undefined } },
      lambdaContext(),
    );

    expect(result).toMatchObject({
      action: 'skip',
      reason: 'malformed-verdict',
      detail: 'detail.modelPackageArn is missing',
    });
  });
});
