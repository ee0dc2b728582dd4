import { ListPipelineExecutionsCommand, type SageMakerClient } from '@aws-sdk/client-sagemaker';
import type { Context } from 'aws-lambda';
import { lambdaContext } from '../support/lambda';
import { bundledHandler } from './bundle';
import { type MotoServer, startMotoServer } from './moto-server';
import { createTriggerResources, PIPELINE, REGION, useTriggerEnvironment } from './retraining-trigger-fixture';

// GIVEN a moto_server with the model's pipeline and the trigger's state table, and the trigger bundled as it is
// deployed (esbuild, minified, the AWS SDK left to the runtime), pointed at moto through the standard AWS_ENDPOINT_URL variable.

type Handler = (event: unknown, context: Context) => Promise<{ action: string; reason: string }>;

let moto: MotoServer;
let handler: Handler;
let sageMaker: SageMakerClient;

function objectCreated(key: string, sequencer: string, size = 1_000_000) {
  return {
    version: '0',
    id: `event-${sequencer}`,
    'detail-type': 'Object Created',
    source: 'aws.s3',
    account: '123456789012',
    time: new Date().toISOString(),
    region: REGION,
    resources: [],
    detail: {
      version: '0',
      bucket: { name: 'mlops-dev-raw' },
      object: { key, size, etag: `etag-${sequencer}`, sequencer },
      reason: 'PutObject',
    },
  };
}

function context(requestId: string): Context {
  return lambdaContext({ functionName: 'retraining-trigger-churn', requestId, remainingMs: 30_000 });
}

async function executions(): Promise<number> {
  const out = await sageMaker.send(new ListPipelineExecutionsCommand({ PipelineName: PIPELINE }));
  return out.PipelineExecutionSummaries?.length ?? 0;
}

beforeAll(async () => {
  moto = await startMotoServer();
  useTriggerEnvironment(moto);
  sageMaker = await createTriggerResources(moto);

  handler = bundledHandler<Handler>('retraining-trigger');
}, 120_000);

afterAll(async () => {
  await moto?.stop();
});

test('one execution per decision to run; none for data below the minimum, duplicates, cooldown or malformed events', async () => {
  // WHEN the first object arrives THEN it is below the minimum of 2 new objects
  const first = await handler(objectCreated('training-data/churn/2026/part-1.csv', '0001'), context('r1'));
  expect(first).toMatchObject({ action: 'skip', reason: 'below-minimum' });
  expect(await executions()).toBe(0);

  // WHEN the second object arrives THEN the pipeline starts once
  const second = objectCreated('training-data/churn/2026/part-2.csv', '0002');
  expect(await handler(second, context('r2'))).toMatchObject({ action: 'start' });
  expect(await executions()).toBe(1);

  // WHEN EventBridge delivers the same event again THEN nothing new starts
  await handler(second, context('r3'));
  expect(await executions()).toBe(1);

  // WHEN more data arrives right after the run THEN the cooldown holds it back
  await handler(objectCreated('training-data/churn/2026/part-3.csv', '0003'), context('r4'));
  await handler(objectCreated('training-data/churn/2026/part-4.csv', '0004'), context('r5'));
  expect(await executions()).toBe(1);

  // WHEN events are malformed or outside the prefix THEN they are rejected and start nothing
  for (const malformed of [
    { source: 'aws.s3', detail: {} },
    { ...objectCreated('other-model/part-5.csv', '0005') },
    { 'detail-type': 'Object Created', source: 'aws.ec2', detail: { object: { key: 'x' } } },
    'not an event',
  ]) {
    await expect(handler(malformed, context('r6'))).resolves.toMatchObject({ action: 'skip' });
  }
  expect(await executions()).toBe(1);
});
