import {
  AssociateKmsKeyCommand,
  CloudWatchLogsServiceException,
  CreateLogGroupCommand,
  DeleteLogGroupCommand,
  DescribeLogGroupsCommand,
  DisassociateKmsKeyCommand,
  PutRetentionPolicyCommand,
  ResourceAlreadyExistsException,
  ResourceNotFoundException,
} from '@aws-sdk/client-cloudwatch-logs';
import { mockClient } from 'aws-sdk-client-mock';
import { cloudWatchLogs, DEFAULT_RETRY } from '../../../lambda/adopted-log-group/clients';
import { createHandler } from '../../../lambda/adopted-log-group/provider';
import { DEFAULT_SEND } from '../../../lambda/shared/custom-resource-response';
import {
  FakeFetch,
  KEY_ARN,
  LOG_GROUP,
  lambdaContext,
  OTHER_KEY_ARN,
  properties,
  RESPONSE_IDS,
  RecordingLogger,
  request,
  SIGNATURE,
} from './fixtures';

const logsMock = mockClient(cloudWatchLogs);
let logger: RecordingLogger;
let sleeps: number[];

const alreadyExists = () =>
  new ResourceAlreadyExistsException({
    $metadata: { httpStatusCode: 400 },
    message: 'The specified log group already exists',
  });

function logsError(name: string, message: string, status = 400): CloudWatchLogsServiceException {
  return new CloudWatchLogsServiceException({
    name,
    $fault: status >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: status },
    message,
  });
}

beforeEach(() => {
  logsMock.reset();
  logsMock.on(CreateLogGroupCommand).resolves({});
  logsMock.on(AssociateKmsKeyCommand).resolves({});
  logsMock.on(PutRetentionPolicyCommand).resolves({});
  logsMock.on(DisassociateKmsKeyCommand).resolves({});
  logsMock.on(DescribeLogGroupsCommand).resolves({ logGroups: [{ logGroupName: LOG_GROUP, kmsKeyId: KEY_ARN }] });
  logger = new RecordingLogger();
  sleeps = [];
});

afterEach(() => {
  // whatever happened, no group was deleted and the pre-signed URL was never logged
  expect(logsMock.commandCalls(DeleteLogGroupCommand)).toEqual([]);
  expect(logger.text()).not.toContain(SIGNATURE);
});

afterAll(() => logsMock.restore());

/** The provider with a fake response URL and instant, deterministic backoff. */
function givenAProvider(fake = new FakeFetch(200), responseReserveMs = 20_000) {
  const sleep = async (ms: number) => {
    sleeps.push(ms);
  };
  const handler = createHandler({
    logs: cloudWatchLogs,
    logger,
    retry: { ...DEFAULT_RETRY, sleep, random: () => 1 },
    send: { ...DEFAULT_SEND, fetch: fake.fetch, sleep },
    responseReserveMs,
  });
  return { handler, fake };
}

/** The CloudWatch Logs calls made, in order, with their input. */
function calls(): Array<[string, unknown]> {
  return logsMock.calls().map((call) => {
    const command = call.args[0] as { constructor: { name: string }; input: unknown };
    return [command.constructor.name.replace(/Command$/, ''), command.input];
  });
}

describe('GIVEN no such log group yet', () => {
  test('WHEN CloudFormation creates the resource THEN the group is created with the key, then gets its retention', async () => {
    const { handler, fake } = givenAProvider();

    await handler(request('Create'), lambdaContext());

    expect(calls()).toEqual([
      ['CreateLogGroup', { logGroupName: LOG_GROUP, kmsKeyId: KEY_ARN }],
      ['PutRetentionPolicy', { logGroupName: LOG_GROUP, retentionInDays: 90 }],
    ]);
    expect(fake.body()).toEqual({ Status: 'SUCCESS', PhysicalResourceId: LOG_GROUP, ...RESPONSE_IDS });
  });
});

describe('GIVEN the log group SageMaker already created, without a key or retention', () => {
  beforeEach(() => logsMock.on(CreateLogGroupCommand).rejects(alreadyExists()));

  test('WHEN CloudFormation creates the resource THEN the group is adopted: the key is associated and the retention put', async () => {
    const { handler, fake } = givenAProvider();

    await handler(request('Create'), lambdaContext());

    expect(calls()).toEqual([
      ['CreateLogGroup', { logGroupName: LOG_GROUP, kmsKeyId: KEY_ARN }],
      ['AssociateKmsKey', { logGroupName: LOG_GROUP, kmsKeyId: KEY_ARN }],
      ['PutRetentionPolicy', { logGroupName: LOG_GROUP, retentionInDays: 90 }],
    ]);
    expect(sleeps).toEqual([]);
    expect(fake.body()).toEqual({ Status: 'SUCCESS', PhysicalResourceId: LOG_GROUP, ...RESPONSE_IDS });
    expect(logger.lines.map((line) => line.message)).toContain('adopting the existing log group');
  });

  test('WHEN the retention changes THEN the update does the same again and keeps the physical id', async () => {
    const { handler, fake } = givenAProvider();

    await handler(request('Update', { properties: properties({ RetentionInDays: '365' }) }), lambdaContext());

    expect(calls().at(-1)).toEqual(['PutRetentionPolicy', { logGroupName: LOG_GROUP, retentionInDays: 365 }]);
    expect(fake.body()).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: LOG_GROUP });
  });

  test('WHEN the name changes THEN the new name is the physical id: CloudFormation then deletes the old one', async () => {
    const { handler, fake } = givenAProvider();
    const renamed = `${LOG_GROUP}-v2`;

    await handler(request('Update', { properties: properties({ LogGroupName: renamed }) }), lambdaContext());

    expect(fake.body()).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: renamed });
  });
});

describe('WHEN CloudFormation deletes the resource', () => {
  test('GIVEN the group still has this resource key THEN the key is taken off and the group with its events stays', async () => {
    const { handler, fake } = givenAProvider();

    await handler(request('Delete'), lambdaContext());

    expect(calls()).toEqual([
      ['DescribeLogGroups', { logGroupNamePrefix: LOG_GROUP }],
      ['DisassociateKmsKey', { logGroupName: LOG_GROUP }],
    ]);
    expect(fake.body()).toEqual({ Status: 'SUCCESS', PhysicalResourceId: LOG_GROUP, ...RESPONSE_IDS });
  });

  test('GIVEN another environment has since put its key on the group THEN nothing is changed', async () => {
    logsMock.on(DescribeLogGroupsCommand).resolves({
      logGroups: [
        { logGroupName: LOG_GROUP, kmsKeyId: OTHER_KEY_ARN },
        { logGroupName: `${LOG_GROUP}-2`, kmsKeyId: KEY_ARN },
      ],
    });
    const { handler, fake } = givenAProvider();

    await handler(request('Delete'), lambdaContext());

    expect(calls().map(([name]) => name)).toEqual(['DescribeLogGroups']);
    expect(fake.body()).toMatchObject({ Status: 'SUCCESS' });
  });

  test('GIVEN the group is gone, or goes while its key is taken off THEN the delete succeeds', async () => {
    logsMock.on(DisassociateKmsKeyCommand).rejects(new ResourceNotFoundException({ $metadata: {}, message: 'gone' }));
    const { handler, fake } = givenAProvider();

    await handler(request('Delete'), lambdaContext());

    expect(fake.body()).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: LOG_GROUP });
  });

  test.each([
    ['a Create that failed before naming the group', { physicalResourceId: 'ServingEndpointLogs-not-created' }],
    ['a Create with invalid properties', { properties: properties({ RetentionInDays: 'forever' }) }],
  ])('GIVEN %s THEN there is nothing to undo: no call, SUCCESS', async (_, overrides) => {
    const { handler, fake } = givenAProvider();

    await handler(request('Delete', overrides), lambdaContext());

    expect(calls()).toEqual([]);
    expect(fake.body()).toMatchObject({ Status: 'SUCCESS' });
  });
});

describe('GIVEN CloudWatch Logs fails', () => {
  test('WHEN it throttles THEN the call is retried with backoff and the resource succeeds', async () => {
    logsMock.on(PutRetentionPolicyCommand).rejectsOnce(logsError('ThrottlingException', 'Rate exceeded')).resolves({});
    const { handler, fake } = givenAProvider();

    await handler(request('Create'), lambdaContext());

    expect(logsMock.commandCalls(PutRetentionPolicyCommand)).toHaveLength(2);
    expect(sleeps).toEqual([250]);
    expect(fake.body()).toMatchObject({ Status: 'SUCCESS' });
  });

  test('WHEN the key cannot be associated THEN the resource fails naming the step, the group and the error, under its name', async () => {
    logsMock.on(CreateLogGroupCommand).rejects(alreadyExists());
    logsMock
      .on(AssociateKmsKeyCommand)
      .rejects(logsError('AccessDeniedException', 'The key policy does not allow CloudWatch Logs to use the key'));
    const { handler, fake } = givenAProvider();

    await handler(request('Create'), lambdaContext());

    expect(calls().map(([name]) => name)).toEqual(['CreateLogGroup', 'AssociateKmsKey']);
    expect(fake.body()).toEqual({
      Status: 'FAILED',
      Reason: `could not associate the key with log group ${LOG_GROUP}: AccessDeniedException: The key policy does not allow CloudWatch Logs to use the key`,
      // a rollback's Delete then takes off what this half-done Create put on
      PhysicalResourceId: LOG_GROUP,
      ...RESPONSE_IDS,
    });
  });

  test('WHEN it does not answer before only the time to respond is left THEN the resource fails in time', async () => {
    logsMock.on(CreateLogGroupCommand).callsFake(() => new Promise(() => undefined));
    const { handler, fake } = givenAProvider(new FakeFetch(200), 20_000);

    await handler(request('Create'), lambdaContext(20_050));

    expect(fake.body()).toMatchObject({
      Status: 'FAILED',
      Reason: 'no answer from CloudWatch Logs within 0.1 s',
    });
  });
});

test('GIVEN invalid properties WHEN created THEN the resource fails with every problem and makes no call', async () => {
  const { handler, fake } = givenAProvider();

  await handler(request('Create', { properties: properties({ KmsKeyArn: 'alias/logs' }) }), lambdaContext());

  expect(calls()).toEqual([]);
  expect(fake.body()).toMatchObject({
    Status: 'FAILED',
    Reason: 'KmsKeyArn must be the ARN of a KMS key, got "alias/logs"',
    PhysicalResourceId: 'ServingEndpointLogs-not-created',
  });
});
