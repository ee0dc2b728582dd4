import { createHash } from 'node:crypto';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  ConflictException,
  ListPipelineExecutionsCommand,
  SageMakerServiceException,
  StartPipelineExecutionCommand,
} from '@aws-sdk/client-sagemaker';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { DEFAULT_RETRY, sageMaker } from '../../../lambda/retraining-trigger/clients';
import type { TriggerConfig } from '../../../lambda/retraining-trigger/config';
import type { RetrainingPolicy } from '../../../lambda/retraining-trigger/policy';
import { StateStore } from '../../../lambda/retraining-trigger/state';
import { createHandler, executionDisplayName } from '../../../lambda/retraining-trigger/trigger';
import { FakeTable, lambdaContext, OutputCapture, objectCreated, PARTITION } from './fixtures';

const PIPELINE = 'mlops-dev-churn-training';
const EXECUTION_ARN = `arn:${PARTITION}:sagemaker:us-east-1:111122223333:pipeline/${PIPELINE}/execution/abc123`;

const sageMakerMock = mockClient(sageMaker);
let table: FakeTable;
let output: OutputCapture;
let sleeps: number[];
let clock: Date;

beforeEach(() => {
  sageMakerMock.reset();
  sageMakerMock.on(ListPipelineExecutionsCommand).resolves({ PipelineExecutionSummaries: [] });
  sageMakerMock.on(StartPipelineExecutionCommand).resolves({ PipelineExecutionArn: EXECUTION_ARN });
  table = new FakeTable();
  output = new OutputCapture();
  sleeps = [];
  clock = new Date('2025-03-01T03:00:00Z');
});

afterEach(() => {
  output.restore();
  table.restore();
});

afterAll(() => sageMakerMock.restore());

/** A trigger of churn with fresh clients, instant deterministic backoff and a settable clock. */
function givenATrigger(policy: Partial<RetrainingPolicy> = {}) {
  const config: TriggerConfig = {
    pipelineName: PIPELINE,
    modelName: 'churn',
    stateTableName: 'trigger-state',
    inputBucket: 'mlops-dev-raw',
    inputPrefix: 'training-data/churn/',
    policy: { minNewObjects: 1, minNewBytes: 0, cooldownMinutes: 60, maxRunsPerDay: 2, ...policy },
    metricsNamespace: 'MLOps/RetrainingTriggers',
    serviceName: 'retraining-trigger',
  };
  const dynamoDb = new DynamoDBClient({ region: 'us-east-1' });
  return createHandler({
    config,
    sageMaker,
    store: new StateStore(DynamoDBDocumentClient.from(dynamoDb), config.stateTableName),
    persistenceStore: new DynamoDBPersistenceLayer({
      tableName: config.stateTableName,
      keyAttr: 'id',
      expiryAttr: 'expiration',
      awsSdkV3Client: dynamoDb,
    }),
    logger: new Logger({ serviceName: config.serviceName }),
    metrics: new Metrics({
      namespace: config.metricsNamespace,
      serviceName: config.serviceName,
      defaultDimensions: { Model: 'churn' },
    }),
    retry: {
      ...DEFAULT_RETRY,
      sleep: async (ms) => {
        sleeps.push(ms);
      },
      random: () => 1,
    },
    now: () => clock,
  });
}

function sageMakerError(name: string, message: string): SageMakerServiceException {
  return new SageMakerServiceException({ name, $fault: 'client', $metadata: { httpStatusCode: 400 }, message });
}

const throttled = () => sageMakerError('ThrottlingException', 'Rate exceeded');

function startCalls() {
  return sageMakerMock.commandCalls(StartPipelineExecutionCommand).map((call) => call.args[0].input);
}

describe('GIVEN a trigger that starts on every new object', () => {
  test('WHEN an object arrives THEN it starts the pipeline with the input prefix, the reason and a token of the object', async () => {
    // WHEN
    const result = await givenATrigger()(objectCreated(), lambdaContext());

    // THEN
    const token = createHash('sha256')
      .update(
        [PIPELINE, 'mlops-dev-raw', 'training-data/churn/2025/03/01/part-0001.csv', '0062E99A88DC407460'].join('\n'),
      )
      .digest('hex');
    expect(token).toMatch(/^[a-f0-9]{64}$/);
    expect(startCalls()).toEqual([
      {
        PipelineName: PIPELINE,
        ClientRequestToken: token,
        PipelineExecutionDisplayName: `new-data-${token}`,
        PipelineExecutionDescription: 'new-data: 1 objects, 3.4 MB since 2025-03-01T02:55:00Z',
        PipelineParameters: [
          { Name: 'InputDataUrl', Value: 's3://mlops-dev-raw/training-data/churn/' },
          { Name: 'TriggerReason', Value: 'new-data' },
        ],
      },
    ]);
    expect(result).toMatchObject({
      action: 'start',
      reason: 'start',
      executionArn: EXECUTION_ARN,
      clientRequestToken: token,
    });
  });

  test('WHEN it starts THEN the pending data resets and the run is counted with its execution', async () => {
    await givenATrigger()(objectCreated(), lambdaContext());

    expect(table.state('churn')).toMatchObject({
      pendingObjects: 0,
      pendingBytes: 0,
      lastRunAt: '2025-03-01T03:00:00.000Z',
      runsDay: '2025-03-01',
      runsToday: 1,
      lastExecutionArn: EXECUTION_ARN,
      // version 1 is the claim of the start, version 2 the reset after SageMaker accepted it
      version: 2,
    });
    expect(table.state('churn')).not.toHaveProperty('pendingSince');
    expect(table.state('churn')).not.toHaveProperty('claimToken');
  });

  test('WHEN it decides THEN it logs one structured decision and counts it in RetrainingDecision', async () => {
    await givenATrigger()(objectCreated(), lambdaContext());

    expect(output.logs('retraining decision')).toEqual([
      expect.objectContaining({
        level: 'INFO',
        service: 'retraining-trigger',
        decision: 'start',
        reason: 'start',
        model: 'churn',
        pipeline: PIPELINE,
        executionArn: EXECUTION_ARN,
        object: expect.objectContaining({ key: 'training-data/churn/2025/03/01/part-0001.csv', size: 3_400_000 }),
        function_request_id: 'c6af9ac6-7b61-11e6-9a41-93e812345678',
      }),
    ]);
    const [metric] = output.metrics('RetrainingDecision');
    expect(metric).toMatchObject({ RetrainingDecision: 1, Decision: 'start', Reason: 'start', Model: 'churn' });
    expect(metric._aws).toMatchObject({
      CloudWatchMetrics: [
        {
          Namespace: 'MLOps/RetrainingTriggers',
          Dimensions: [expect.arrayContaining(['Decision', 'Reason', 'Model'])],
          Metrics: [{ Name: 'RetrainingDecision', Unit: 'Count' }],
        },
      ],
    });
  });
});

describe('GIVEN a trigger that needs 3 objects', () => {
  test('WHEN the first object arrives THEN it is counted as pending and nothing starts', async () => {
    const result = await givenATrigger({ minNewObjects: 3 })(objectCreated(), lambdaContext());

    expect(result).toMatchObject({ action: 'skip', reason: 'below-minimum' });
    expect(sageMakerMock.calls()).toHaveLength(0);
    expect(table.state('churn')).toMatchObject({ pendingObjects: 1, pendingBytes: 3_400_000, version: 1 });
    expect(output.metrics('RetrainingDecision')).toEqual([
      expect.objectContaining({ Decision: 'skip', Reason: 'below-minimum' }),
    ]);
  });

  test('WHEN the third object arrives THEN the run starts with the three objects in its reason', async () => {
    const trigger = givenATrigger({ minNewObjects: 3 });
    for (const n of [1, 2, 3]) {
      await trigger(
        objectCreated({ key: `training-data/churn/part-000${n}.csv`, sequencer: `00${n}` }),
        lambdaContext(),
      );
    }

    expect(startCalls()).toHaveLength(1);
    expect(startCalls()[0].PipelineParameters).toContainEqual({ Name: 'TriggerReason', Value: 'new-data' });
    expect(startCalls()[0].PipelineExecutionDescription).toBe(
      'new-data: 3 objects, 10.2 MB since 2025-03-01T02:55:00Z',
    );
  });
});

describe('GIVEN a duplicate event (Powertools idempotency on bucket, key and sequencer, with a DynamoDB persistence layer over the mocked client)', () => {
  test('WHEN the same event arrives twice THEN the pipeline starts once and the second returns the first decision', async () => {
    const trigger = givenATrigger();

    const first = await trigger(objectCreated(), lambdaContext('request-1'));
    const second = await trigger(objectCreated(), lambdaContext('request-2'));

    expect(first).toMatchObject({ action: 'start' });
    expect(second).toMatchObject({ action: 'skip', reason: 'duplicate', duplicate: true });
    expect(second.detail).toBe('this object version was processed before: start (start)');
    expect(startCalls()).toHaveLength(1);
    // version 1 is the claim of the start, version 2 the reset after it
    expect(table.state('churn')).toMatchObject({ runsToday: 1, version: 2 });
    expect(output.metrics('RetrainingDecision').map((m) => [m.Decision, m.Reason])).toEqual([
      ['start', 'start'],
      ['skip', 'duplicate'],
    ]);
    const [record] = [...table.idempotencyRecords.values()];
    expect(record.status).toEqual({ S: 'COMPLETED' });
    expect(JSON.parse(JSON.stringify(record.data))).toMatchObject({ M: { action: { S: 'start' } } });
  });

  test('WHEN S3 delivers the same object version again under a new event id THEN it is still a duplicate', async () => {
    const trigger = givenATrigger({ minNewObjects: 2 });

    await trigger(objectCreated({ id: 'event-1' }), lambdaContext());
    const again = await trigger(objectCreated({ id: 'event-2' }), lambdaContext());

    expect(again.reason).toBe('duplicate');
    expect(table.state('churn')).toMatchObject({ pendingObjects: 1 });
  });

  test('WHEN a new version of the same key arrives THEN it is new data (its sequencer differs)', async () => {
    const trigger = givenATrigger({ minNewObjects: 2 });

    await trigger(objectCreated({ sequencer: '0062E99A88DC407460' }), lambdaContext());
    const newVersion = await trigger(objectCreated({ sequencer: '0062E99A88DC407999' }), lambdaContext());

    expect(newVersion).toMatchObject({ action: 'start' });
  });

  test('WHEN saving the state fails after the start THEN the retry sends the same token, so SageMaker starts no second run', async () => {
    const trigger = givenATrigger();
    table.documents
      .on(PutCommand)
      .callsFakeOnce(table.putState) // the claim
      .rejectsOnce(Object.assign(new Error('Internal server error'), { name: 'InternalServerError' }))
      .callsFake(table.putState);

    await expect(trigger(objectCreated(), lambdaContext('request-1'))).rejects.toThrow('Internal server error');
    expect(table.idempotencyRecords.size).toBe(0);
    // the earlier attempt's run is executing: the trigger recognizes it by its display name
    sageMakerMock.on(ListPipelineExecutionsCommand).resolves({
      PipelineExecutionSummaries: [
        {
          PipelineExecutionArn: EXECUTION_ARN,
          PipelineExecutionStatus: 'Executing',
          PipelineExecutionDisplayName: executionDisplayName(startCalls()[0].ClientRequestToken ?? ''),
        },
      ],
    });
    const retried = await trigger(objectCreated(), lambdaContext('request-2'));

    const tokens = startCalls().map((input) => input.ClientRequestToken);
    expect(tokens).toHaveLength(2);
    expect(tokens[1]).toBe(tokens[0]);
    expect(retried).toMatchObject({ action: 'start', executionArn: EXECUTION_ARN });
  });
});

describe('GIVEN SageMaker throttles', () => {
  test('WHEN it throttles twice and then accepts THEN the trigger backs off twice and starts', async () => {
    sageMakerMock
      .on(StartPipelineExecutionCommand)
      .rejectsOnce(throttled())
      .rejectsOnce(throttled())
      .resolves({ PipelineExecutionArn: EXECUTION_ARN });

    const result = await givenATrigger()(objectCreated(), lambdaContext());

    expect(result).toMatchObject({ action: 'start', executionArn: EXECUTION_ARN });
    expect(startCalls()).toHaveLength(3);
    expect(new Set(startCalls().map((input) => input.ClientRequestToken)).size).toBe(1);
    expect(sleeps).toEqual([200, 400]);
    expect(output.logs('retrying a SageMaker call')).toEqual([
      expect.objectContaining({ operation: 'StartPipelineExecution', attempt: 1, errorName: 'ThrottlingException' }),
      expect.objectContaining({ operation: 'StartPipelineExecution', attempt: 2, errorName: 'ThrottlingException' }),
    ]);
  });

  test('WHEN it throttles beyond the retry budget THEN the error is rethrown and no state advances', async () => {
    table.givenState('churn', { pendingObjects: 4, pendingBytes: 100, runsToday: 0 });
    sageMakerMock.on(StartPipelineExecutionCommand).rejects(throttled());

    await expect(givenATrigger()(objectCreated(), lambdaContext())).rejects.toMatchObject({
      name: 'ThrottlingException',
    });

    expect(startCalls()).toHaveLength(DEFAULT_RETRY.maxAttempts);
    expect(sleeps).toEqual([200, 400, 800]);
    // claimed (version 2), then released to the state as it was (version 3): the counters are kept
    expect(table.state('churn')).toMatchObject({ pendingObjects: 4, pendingBytes: 100, version: 3 });
    expect(table.state('churn')?.claimToken).toBeUndefined();
    // the idempotency record is released, so Lambda's retry processes the event again
    expect(table.idempotencyRecords.size).toBe(0);
    expect(output.metrics('RetrainingDecision')).toEqual([]);
  });

  test('WHEN Lambda retries the event after the throttling THEN it starts normally', async () => {
    const trigger = givenATrigger();
    sageMakerMock.on(StartPipelineExecutionCommand).rejects(throttled());
    await expect(trigger(objectCreated(), lambdaContext('request-1'))).rejects.toThrow('Rate exceeded');

    sageMakerMock.on(StartPipelineExecutionCommand).resolves({ PipelineExecutionArn: EXECUTION_ARN });
    const retried = await trigger(objectCreated(), lambdaContext('request-2'));

    expect(retried).toMatchObject({ action: 'start', reason: 'start' });
  });
});

describe('GIVEN SageMaker refuses the request', () => {
  test('WHEN it answers ValidationException THEN the trigger logs it, does not retry it and rethrows it', async () => {
    sageMakerMock
      .on(StartPipelineExecutionCommand)
      .rejects(sageMakerError('ValidationException', 'Parameter TriggerReason is not defined in the pipeline'));

    await expect(givenATrigger()(objectCreated(), lambdaContext())).rejects.toMatchObject({
      name: 'ValidationException',
    });

    expect(startCalls()).toHaveLength(1);
    // claimed, then released to the empty state it was: nothing counted, nothing reset
    expect(table.state('churn')).toMatchObject({ pendingObjects: 0, runsToday: 0, version: 2 });
    expect(table.state('churn')?.claimToken).toBeUndefined();
    expect(output.logs('SageMaker did not start the pipeline')).toEqual([
      expect.objectContaining({ level: 'ERROR', errorName: 'ValidationException', pipeline: PIPELINE }),
    ]);
  });

  test('WHEN it answers ConflictException THEN it is a skip (already-running) and the data stays pending', async () => {
    sageMakerMock
      .on(StartPipelineExecutionCommand)
      .rejects(new ConflictException({ message: 'Execution in progress', $metadata: {} }));

    const result = await givenATrigger()(objectCreated(), lambdaContext());

    expect(result).toMatchObject({ action: 'skip', reason: 'already-running' });
    expect(table.state('churn')).toMatchObject({ pendingObjects: 1, runsToday: 0 });
  });
});

describe('GIVEN an execution of the pipeline is already running', () => {
  test('WHEN the policy would start THEN it skips as already-running without calling StartPipelineExecution', async () => {
    sageMakerMock.on(ListPipelineExecutionsCommand).resolves({
      PipelineExecutionSummaries: [
        {
          PipelineExecutionArn: `${EXECUTION_ARN}-scheduled`,
          PipelineExecutionStatus: 'Executing',
          PipelineExecutionDisplayName: 'execution-1740787200',
          StartTime: new Date('2025-03-01T02:00:00Z'),
        },
        { PipelineExecutionArn: `${EXECUTION_ARN}-old`, PipelineExecutionStatus: 'Succeeded' },
      ],
    });

    const result = await givenATrigger()(objectCreated(), lambdaContext());

    expect(result).toMatchObject({ action: 'skip', reason: 'already-running' });
    expect(result.detail).toBe(`execution ${EXECUTION_ARN}-scheduled is Executing since 2025-03-01T02:00:00.000Z`);
    expect(startCalls()).toHaveLength(0);
    expect(sageMakerMock.commandCalls(ListPipelineExecutionsCommand)[0].args[0].input).toEqual({
      PipelineName: PIPELINE,
      SortBy: 'CreationTime',
      SortOrder: 'Descending',
      MaxResults: 10,
    });
    expect(table.state('churn')).toMatchObject({ pendingObjects: 1, pendingBytes: 3_400_000, runsToday: 0 });
  });

  test('WHEN the running executions cannot be listed THEN it warns and starts anyway', async () => {
    sageMakerMock.on(ListPipelineExecutionsCommand).rejects(sageMakerError('AccessDeniedException', 'not authorized'));

    const result = await givenATrigger()(objectCreated(), lambdaContext());

    expect(result.action).toBe('start');
    expect(output.logs('could not list running executions; starting anyway')).toHaveLength(1);
  });
});

describe('GIVEN a malformed event', () => {
  const valid = objectCreated();
  test.each([
    ['an event that is not from S3', { ...valid, source: 'aws.ec2' }, 'malformed-event'],
    [
      'an event without key',
      { ...valid, detail: { ...valid.detail, object: { size: 1, sequencer: '01' } } },
      'malformed-event',
    ],
    ['an event with an empty detail', { ...valid, detail: {} }, 'malformed-event'],
    ['an event that is not an object', 'hello', 'malformed-event'],
    ['an object of another model', objectCreated({ key: 'training-data/fraud/part-0001.csv' }), 'outside-prefix'],
  ])(
    'WHEN it is %s THEN it is rejected with a logged reason, without throwing or starting',
    async (_name, event, reason) => {
      const result = await givenATrigger()(event, lambdaContext());

      expect(result).toMatchObject({ action: 'skip', reason });
      expect(sageMakerMock.calls()).toHaveLength(0);
      expect(table.documents.calls()).toHaveLength(0);
      expect(table.low.calls()).toHaveLength(0);
      expect(output.logs('retraining decision')).toEqual([
        expect.objectContaining({ level: 'WARN', decision: 'skip', reason, detail: result.detail }),
      ]);
      expect(output.metrics('RetrainingDecision')).toEqual([
        expect.objectContaining({ Decision: 'skip', Reason: reason }),
      ]);
    },
  );
});

describe('GIVEN a cooldown of 60 minutes after a run at 02:00', () => {
  beforeEach(() => {
    table.givenState('churn', {
      pendingObjects: 0,
      pendingBytes: 0,
      lastRunAt: '2025-03-01T02:00:00.000Z',
      runsDay: '2025-03-01',
      runsToday: 1,
    });
  });

  test('WHEN an object arrives at 02:59:59 THEN it is skipped for the cooldown', async () => {
    clock = new Date('2025-03-01T02:59:59Z');

    expect(await givenATrigger()(objectCreated(), lambdaContext())).toMatchObject({
      action: 'skip',
      reason: 'cooldown',
    });
    expect(startCalls()).toHaveLength(0);
  });

  test('WHEN an object arrives at 03:00:00 exactly THEN the run starts', async () => {
    clock = new Date('2025-03-01T03:00:00Z');

    expect(await givenATrigger()(objectCreated(), lambdaContext())).toMatchObject({ action: 'start' });
    expect(table.state('churn')).toMatchObject({ runsToday: 2, version: 3 });
  });
});

describe('GIVEN two runs today with a cap of two', () => {
  beforeEach(() => {
    table.givenState('churn', {
      pendingObjects: 0,
      pendingBytes: 0,
      lastRunAt: '2025-03-01T10:00:00.000Z',
      runsDay: '2025-03-01',
      runsToday: 2,
    });
  });

  test('WHEN an object arrives later that day THEN it is skipped for the daily cap', async () => {
    clock = new Date('2025-03-01T23:59:59Z');

    expect(await givenATrigger()(objectCreated(), lambdaContext())).toMatchObject({
      action: 'skip',
      reason: 'daily-cap',
    });
    expect(table.state('churn')).toMatchObject({ pendingObjects: 1, runsToday: 2 });
  });

  test('WHEN an object arrives the next day THEN the count resets and the run starts', async () => {
    clock = new Date('2025-03-02T00:00:00Z');

    expect(await givenATrigger()(objectCreated(), lambdaContext())).toMatchObject({ action: 'start' });
    expect(table.state('churn')).toMatchObject({ runsDay: '2025-03-02', runsToday: 1 });
  });
});

describe('GIVEN another writer changes the state while the trigger decides', () => {
  test('WHEN the conditional write fails THEN the trigger reads and decides again', async () => {
    table.givenState('churn', { pendingObjects: 1, pendingBytes: 10, runsToday: 0 });
    table.documents
      .on(PutCommand)
      .callsFakeOnce(() => {
        // the other writer counted one more object in between
        table.givenState('churn', { pendingObjects: 2, pendingBytes: 20, runsToday: 0, version: 2 });
        throw table.conditionFailed();
      })
      .callsFake(table.putState);

    const result = await givenATrigger({ minNewObjects: 10 })(objectCreated({ size: 5 }), lambdaContext());

    expect(result.reason).toBe('below-minimum');
    expect(table.state('churn')).toMatchObject({ pendingObjects: 3, pendingBytes: 25, version: 3 });
    expect(output.logs('the state changed while deciding; deciding again')).toHaveLength(1);
  });
});

describe('GIVEN the Lambda entry point (handler.ts)', () => {
  const ENVIRONMENT = {
    AWS_REGION: 'us-east-1',
    AWS_LAMBDA_FUNCTION_NAME: 'retraining-trigger-churn',
    PIPELINE_NAME: PIPELINE,
    MODEL_NAME: 'churn',
    STATE_TABLE_NAME: 'trigger-state',
    INPUT_BUCKET: 'mlops-dev-raw',
    INPUT_PREFIX: 'training-data/churn/',
    MIN_NEW_OBJECTS: '1',
    MIN_NEW_BYTES: '0',
    COOLDOWN_MINUTES: '60',
    MAX_RUNS_PER_DAY: '2',
    POWERTOOLS_SERVICE_NAME: 'retraining-trigger',
    POWERTOOLS_METRICS_NAMESPACE: 'MLOps/RetrainingTriggers',
  };
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  test('WHEN it loads in the environment the construct sets THEN its module-scope clients decide and start once per object', async () => {
    Object.assign(process.env, ENVIRONMENT);
    const { handler } =
      require('../../../lambda/retraining-trigger/handler') as typeof import('../../../lambda/retraining-trigger/handler');

    const first = await handler(objectCreated(), lambdaContext('request-1'));
    const second = await handler(objectCreated(), lambdaContext('request-2'));

    expect([first.reason, second.reason]).toEqual(['start', 'duplicate']);
    expect(startCalls()).toHaveLength(1);
    expect([...table.idempotencyRecords.keys()]).toEqual([expect.stringMatching(/^retraining-trigger-churn#/)]);
    expect(output.logs('retraining decision')[0]).toMatchObject({ service: 'retraining-trigger', model: 'churn' });
  });

  test('WHEN the environment is incomplete THEN loading fails at init, naming what is missing', () => {
    Object.assign(process.env, { ...ENVIRONMENT, STATE_TABLE_NAME: '', MAX_RUNS_PER_DAY: '0' });

    jest.isolateModules(() => {
      expect(() => require('../../../lambda/retraining-trigger/handler')).toThrow(
        'the retraining trigger is misconfigured:\n- STATE_TABLE_NAME is not set\n- MAX_RUNS_PER_DAY must be a whole number of at least 1, got 0',
      );
    });
  });
});
