import {
  DescribeModelPackageCommand,
  type DescribeModelPackageCommandOutput,
  SageMakerServiceException,
} from '@aws-sdk/client-sagemaker';
import { mockClient } from 'aws-sdk-client-mock';
import { DEFAULT_RETRY, sageMaker } from '../../../lambda/model-package-baselines/clients';
import { createHandler } from '../../../lambda/model-package-baselines/provider';
import { DEFAULT_SEND } from '../../../lambda/shared/custom-resource-response';
import {
  COMPLETE_ATTRIBUTES,
  completePackage,
  FakeFetch,
  lambdaContext,
  packageArn,
  pipelinePackage,
  RESPONSE_URL,
  RecordingLogger,
  request,
  SIGNATURE,
  STACK_ID,
} from './fixtures';

const sageMakerMock = mockClient(sageMaker);
let logger: RecordingLogger;
let sleeps: number[];

beforeEach(() => {
  sageMakerMock.reset();
  sageMakerMock.on(DescribeModelPackageCommand).resolves(completePackage());
  logger = new RecordingLogger();
  sleeps = [];
});

afterEach(() => {
  // whatever happened, the pre-signed URL and its signature were never logged
  expect(logger.text()).not.toContain(SIGNATURE);
  expect(logger.text()).not.toContain('X-Amz-Signature');
});

afterAll(() => sageMakerMock.restore());

/** The provider with a fake response URL, instant deterministic backoff and a reserve of 20 s for the response. */
function givenAProvider(fake = new FakeFetch(200), responseReserveMs = 20_000) {
  const sleep = async (ms: number) => {
    sleeps.push(ms);
  };
  const handler = createHandler({
    sageMaker,
    logger,
    retry: { ...DEFAULT_RETRY, sleep, random: () => 1 },
    send: { ...DEFAULT_SEND, fetch: fake.fetch, sleep },
    responseReserveMs,
  });
  return { handler, fake };
}

function describeCalls() {
  return sageMakerMock.commandCalls(DescribeModelPackageCommand).map((call) => call.args[0].input);
}

function sageMakerError(name: string, message: string, status = 400): SageMakerServiceException {
  return new SageMakerServiceException({
    name,
    $fault: status >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: status },
    message,
  });
}

const RESPONSE_IDS = {
  StackId: STACK_ID,
  RequestId: '0f3e1a2b-4c5d-4e6f-8a9b-0c1d2e3f4a5b',
  LogicalResourceId: 'Baselines',
};

describe('GIVEN an approved version with every drift baseline', () => {
  test('WHEN CloudFormation creates the resource THEN it describes that version and answers SUCCESS with the baselines', async () => {
    const { handler, fake } = givenAProvider();

    await handler(request('Create'), lambdaContext());

    expect(describeCalls()).toEqual([{ ModelPackageName: packageArn(3) }]);
    expect(fake.calls.map((call) => [call.method, call.url])).toEqual([['PUT', RESPONSE_URL]]);
    expect(fake.body()).toEqual({
      Status: 'SUCCESS',
      PhysicalResourceId: packageArn(3),
      ...RESPONSE_IDS,
      Data: COMPLETE_ATTRIBUTES,
    });
  });

  test('WHEN a new approval updates the resource THEN the new ARN is the physical id: a replacement', async () => {
    const { handler, fake } = givenAProvider();

    await handler(request('Update', { physicalResourceId: packageArn(2), oldArn: packageArn(2) }), lambdaContext());

    expect(fake.body()).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: packageArn(3) });
  });

  test('WHEN it is answered THEN the request and the response are logged without the response URL', async () => {
    const { handler } = givenAProvider();

    await handler(request('Create'), lambdaContext());

    expect(logger.lines.map((line) => [line.level, line.message])).toEqual([
      ['info', 'custom resource request'],
      ['info', 'custom resource response'],
    ]);
    expect(logger.lines[0].attributes).toEqual({
      requestType: 'Create',
      resourceType: 'Custom::ModelPackageBaselines',
      stackId: STACK_ID,
      requestId: RESPONSE_IDS.RequestId,
      logicalResourceId: 'Baselines',
      physicalResourceId: undefined,
      modelPackageArn: JSON.stringify(packageArn(3)),
    });
    expect(logger.text()).not.toContain('cloudformation-custom-resource-response');
  });
});

test('GIVEN a version from the training pipeline WHEN created THEN the optional baselines are empty strings', async () => {
  sageMakerMock.on(DescribeModelPackageCommand).resolves(pipelinePackage());
  const { handler, fake } = givenAProvider();

  await handler(request('Create'), lambdaContext());

  expect(fake.body()).toMatchObject({
    Status: 'SUCCESS',
    Data: {
      ...COMPLETE_ATTRIBUTES,
      BiasConfigUri: '',
      BiasPostTrainingConstraintsUri: '',
      ExplainabilityConfigUri: '',
      ExplainabilityConstraintsUri: '',
    },
  });
});

test('GIVEN explainability monitoring WHEN the version has no explainability baselines THEN the Create fails naming them', async () => {
  // GIVEN a version with data- and model-quality baselines only
  sageMakerMock.on(DescribeModelPackageCommand).resolves(pipelinePackage());
  const { handler, fake } = givenAProvider();

  // WHEN the monitoring stack requires the explainability baselines
  await handler(request('Create', { requiredBaselines: ['Explainability'] }), lambdaContext());

  // THEN
  expect(fake.body()).toMatchObject({
    Status: 'FAILED',
    Reason: expect.stringContaining('DriftCheckBaselines.Explainability.ConfigFile is missing'),
  });
});

describe('GIVEN a version that cannot be served', () => {
  test('WHEN it is pending approval THEN the Create fails with the reason and the ARN as physical id', async () => {
    sageMakerMock
      .on(DescribeModelPackageCommand)
      .resolves(completePackage({ ModelApprovalStatus: 'PendingManualApproval' }));
    const { handler, fake } = givenAProvider();

    await handler(request('Create'), lambdaContext());

    expect(fake.body()).toEqual({
      Status: 'FAILED',
      Reason: expect.stringMatching(/^model package .*\/mlops-test-churn\/3 is PendingManualApproval, not Approved/),
      PhysicalResourceId: packageArn(3),
      ...RESPONSE_IDS,
    });
  });

  test('WHEN it lacks the model-quality baselines THEN the Update fails and keeps the old physical id', async () => {
    const { ModelDataQuality } = pipelinePackage().DriftCheckBaselines ?? {};
    sageMakerMock
      .on(DescribeModelPackageCommand)
      .resolves(completePackage({ DriftCheckBaselines: { ModelDataQuality } }));
    const { handler, fake } = givenAProvider();

    await handler(request('Update', { physicalResourceId: packageArn(2) }), lambdaContext());

    expect(fake.body()).toMatchObject({
      Status: 'FAILED',
      PhysicalResourceId: packageArn(2),
      Reason: expect.stringContaining(
        'DriftCheckBaselines.ModelQuality.Statistics is missing; DriftCheckBaselines.ModelQuality.Constraints is missing',
      ),
    });
  });
});

describe('GIVEN a bad request', () => {
  test.each([
    ['no ARN', undefined, 'ModelPackageArn must be a model package version ARN'],
    [
      'a group ARN',
      `${packageArn(1).replace('model-package/', 'model-package-group/').replace(/\/1$/, '')}`,
      'is the ARN of a model package group',
    ],
    [
      'none',
      'none',
      "no version is approved yet; create this resource only under the stack's VersionApproved condition",
    ],
  ])('WHEN the Create carries %s THEN it fails with the message and calls no AWS API', async (_, arn, reason) => {
    const { handler, fake } = givenAProvider();

    await handler(request('Create', { arn }), lambdaContext());

    expect(describeCalls()).toEqual([]);
    expect(fake.body()).toEqual({
      Status: 'FAILED',
      Reason: expect.stringContaining(reason),
      PhysicalResourceId: 'Baselines-not-created',
      ...RESPONSE_IDS,
    });
  });

  test('WHEN the request type is unknown THEN it fails', async () => {
    const { handler, fake } = givenAProvider();

    await handler({ ...request('Create'), RequestType: 'Upsert' }, lambdaContext());

    expect(fake.body()).toMatchObject({
      Status: 'FAILED',
      Reason: 'RequestType must be Create, Update or Delete, got "Upsert"',
    });
  });

  test('WHEN the event has no response URL THEN nothing is sent and the invocation ends without an error', async () => {
    const { handler, fake } = givenAProvider();

    await expect(handler({ RequestType: 'Create' }, lambdaContext())).resolves.toBeUndefined();

    expect(fake.calls).toEqual([]);
    expect(logger.lines).toEqual([
      expect.objectContaining({ level: 'error', message: 'the event cannot be answered' }),
    ]);
  });
});

describe('GIVEN a Delete', () => {
  test('WHEN it comes, even with a bad ARN THEN it answers SUCCESS with the same physical id and calls no AWS API', async () => {
    const { handler, fake } = givenAProvider();

    await handler(request('Delete', { arn: 'garbage', physicalResourceId: packageArn(2) }), lambdaContext());

    expect(sageMakerMock.calls()).toEqual([]);
    expect(fake.body()).toEqual({ Status: 'SUCCESS', PhysicalResourceId: packageArn(2), ...RESPONSE_IDS });
  });
});

describe('GIVEN SageMaker errors', () => {
  test('WHEN DescribeModelPackage is throttled twice THEN it is retried with backoff and succeeds', async () => {
    sageMakerMock
      .on(DescribeModelPackageCommand)
      .rejectsOnce(sageMakerError('ThrottlingException', 'Rate exceeded'))
      .rejectsOnce(sageMakerError('ThrottlingException', 'Rate exceeded'))
      .resolves(completePackage());
    const { handler, fake } = givenAProvider();

    await handler(request('Create'), lambdaContext());

    expect(describeCalls()).toHaveLength(3);
    expect(sleeps).toEqual([250, 500]);
    expect(fake.body()).toMatchObject({ Status: 'SUCCESS', Data: COMPLETE_ATTRIBUTES });
    expect(logger.lines.filter((line) => line.message === 'retrying DescribeModelPackage')).toHaveLength(2);
  });

  test('WHEN it is always throttled THEN the attempts are bounded and the Create fails with the error', async () => {
    sageMakerMock.on(DescribeModelPackageCommand).rejects(sageMakerError('ThrottlingException', 'Rate exceeded'));
    const { handler, fake } = givenAProvider();

    await handler(request('Create'), lambdaContext());

    expect(describeCalls()).toHaveLength(4);
    expect(fake.body()).toMatchObject({
      Status: 'FAILED',
      Reason: `could not describe model package ${packageArn(3)}: ThrottlingException: Rate exceeded`,
    });
  });

  test('WHEN access is denied THEN it is not retried and the reason quotes SageMaker', async () => {
    sageMakerMock
      .on(DescribeModelPackageCommand)
      .rejects(sageMakerError('AccessDeniedException', 'not authorized to perform: sagemaker:DescribeModelPackage'));
    const { handler, fake } = givenAProvider();

    await handler(request('Create'), lambdaContext());

    expect(describeCalls()).toHaveLength(1);
    expect(fake.body()).toMatchObject({
      Status: 'FAILED',
      Reason: expect.stringContaining(
        'AccessDeniedException: not authorized to perform: sagemaker:DescribeModelPackage',
      ),
    });
  });

  test('WHEN SageMaker does not answer in time THEN the call is aborted and FAILED is sent while time is left', async () => {
    sageMakerMock.on(DescribeModelPackageCommand).callsFake(
      () =>
        new Promise<DescribeModelPackageCommandOutput>((_, reject) => {
          setTimeout(() => reject(new Error('too late')), 10_000).unref();
        }),
    );
    const { handler, fake } = givenAProvider(new FakeFetch(200), 20_000);
    const started = Date.now();

    // 20.1 s left, 20 s kept for the response: 0.1 s for SageMaker
    await handler(request('Create'), lambdaContext(20_100));

    expect(Date.now() - started).toBeLessThan(2_000);
    const [call] = sageMakerMock.commandCalls(DescribeModelPackageCommand);
    const options = (call.args as unknown[])[1] as { abortSignal?: AbortSignal } | undefined;
    expect(options?.abortSignal?.aborted).toBe(true);
    expect(fake.body()).toMatchObject({
      Status: 'FAILED',
      Reason: 'no answer from SageMaker within 0.1 s',
      PhysicalResourceId: 'Baselines-not-created',
    });
  });
});

describe('GIVEN an unexpected error', () => {
  test('WHEN SageMaker answers nothing usable THEN FAILED is still sent, with the error', async () => {
    sageMakerMock.on(DescribeModelPackageCommand).resolves(undefined as unknown as DescribeModelPackageCommandOutput);
    const { handler, fake } = givenAProvider();

    await handler(request('Create'), lambdaContext());

    expect(fake.body()).toMatchObject({
      Status: 'FAILED',
      Reason: expect.stringMatching(/^unexpected error: TypeError: /),
      PhysicalResourceId: 'Baselines-not-created',
    });
    expect(logger.lines).toContainEqual(expect.objectContaining({ level: 'error', message: 'the request failed' }));
  });

  test('WHEN the response cannot be delivered THEN the invocation fails, so Lambda tries again, and nothing quotes the URL', async () => {
    const fake = new FakeFetch(new Error(`socket hang up ${RESPONSE_URL}`));
    const { handler } = givenAProvider(fake);

    const error = await handler(request('Create'), lambdaContext()).catch((e: Error) => e);

    expect(error).toMatchObject({ name: 'ResponseDeliveryError' });
    expect((error as Error).message).not.toContain(SIGNATURE);
    expect(fake.calls).toHaveLength(3);
    expect(logger.lines.filter((line) => line.message === 'retrying the response to CloudFormation')).toHaveLength(2);
    expect(logger.lines.at(-1)).toMatchObject({ level: 'error', message: 'the response did not reach CloudFormation' });
  });
});
