import {
  ListPipelineExecutionsCommand,
  ListPipelineParametersForExecutionCommand,
  type SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import type { Context } from 'aws-lambda';
import { CLOUDWATCH, jsonProtocolClient } from '../../lambda/shared/aws-call';
import { DRIFT_METRICS } from '../../lib/vocabulary';
import { lambdaContext } from '../support/lambda';
import { bundledHandler } from './bundle';
import { type MotoServer, startMotoServer } from './moto-server';
import { createTriggerResources, PIPELINE, REGION, useTriggerEnvironment } from './retraining-trigger-fixture';

// GIVEN a moto_server with the model's pipeline, the trigger's state table and the drift contract's metrics of the
// last windows in CloudWatch, and the trigger bundled as it is deployed (esbuild, minified, the AWS SDK left to the
// runtime) with its closed loop configured as the stage 5 construct configures it, pointed at moto through
// AWS_ENDPOINT_URL. The CloudWatch and EventBridge calls go through the function's own signed client.
const ALARM = 'mlops-dev-churn-data-drift';
const DIMENSIONS = { Environment: 'dev', Model: 'churn' };

type Handler = (event: unknown, context: Context) => Promise<{ action: string; reason: string; detail: string }>;

let moto: MotoServer;
let handler: Handler;
let sageMaker: SageMakerClient;

function alarmEvent(id: string) {
  return {
    version: '0',
    id,
    'detail-type': 'CloudWatch Alarm State Change',
    source: 'aws.cloudwatch',
    account: '123456789012',
    time: new Date().toISOString(),
    region: REGION,
    resources: [['arn', 'aws', 'cloudwatch', REGION, '123456789012', `alarm:${ALARM}`].join(':')],
    detail: {
      alarmName: ALARM,
      state: {
        value: 'ALARM',
        reason: 'Threshold Crossed: 1 datapoint [1.0] was >= 1.0',
        timestamp: new Date().toISOString(),
      },
      previousState: { value: 'OK' },
    },
  };
}

function query(id: string, metricName: string, reason: 'drift' | 'quality') {
  return {
    id,
    reason,
    namespace: DRIFT_METRICS.namespace,
    metricName,
    dimensions: DIMENSIONS,
    stat: 'Maximum',
    comparison: 'GreaterThanOrEqualToThreshold',
    threshold: 1,
  };
}

/** Publishes one window of the contract, as the drift job does at the window's end. */
async function publishWindow(end: Date, drift: number, samples: number): Promise<void> {
  const cloudWatch = jsonProtocolClient(CLOUDWATCH);
  const dimensions = Object.entries(DIMENSIONS).map(([Name, Value]) => ({ Name, Value }));
  const timestamp = Math.floor(end.getTime() / 1000);
  await cloudWatch('PutMetricData', {
    Namespace: DRIFT_METRICS.namespace,
    MetricData: [
      { MetricName: DRIFT_METRICS.names.dataDrift, Dimensions: dimensions, Value: drift, Timestamp: timestamp },
      { MetricName: DRIFT_METRICS.names.qualityViolation, Dimensions: dimensions, Value: 0, Timestamp: timestamp },
      {
        MetricName: DRIFT_METRICS.names.samples,
        Dimensions: dimensions,
        Value: samples,
        Timestamp: timestamp,
        Unit: 'Count',
      },
    ],
  });
}

beforeAll(async () => {
  moto = await startMotoServer();
  useTriggerEnvironment(moto, {
    PROJECT_NAME: 'mlops',
    ENVIRONMENT_NAME: 'dev',
    LOOP_POLICY: JSON.stringify({
      violatingWindows: 2,
      windows: 5,
      windowMinutes: 60,
      minSamples: 100,
      cooldownMinutes: 360,
      maxRunsPerMonth: 4,
      maxTrainingInstanceHoursPerMonth: 24,
    }),
    LOOP_EVIDENCE: JSON.stringify({
      violations: [
        query('drift', DRIFT_METRICS.names.dataDrift, 'drift'),
        query('quality', DRIFT_METRICS.names.qualityViolation, 'quality'),
      ],
      samples: {
        id: 'samples',
        namespace: DRIFT_METRICS.namespace,
        metricName: DRIFT_METRICS.names.samples,
        dimensions: DIMENSIONS,
        stat: 'Maximum',
      },
    }),
    LOOP_ALARMS: `${ALARM},mlops-dev-churn-quality-violation`,
  });
  sageMaker = await createTriggerResources(moto, [{ Name: 'TriggerReason', Type: 'String', DefaultValue: 'manual' }]);
  handler = bundledHandler<Handler>('retraining-trigger');
}, 120_000);

afterAll(async () => {
  await moto?.stop();
});

test('a drift alarm with 2 violating windows of the last 5 starts exactly one execution with TriggerReason=drift', async () => {
  // GIVEN five hourly windows, two of them violating, each with enough samples
  const hour = 3_600_000;
  const lastEnd = new Date(Math.floor(Date.now() / hour) * hour);
  for (const [i, drift] of [1, 0, 1, 0, 0].entries()) {
    await publishWindow(new Date(lastEnd.getTime() - i * hour), drift, 500);
  }

  // WHEN the drift alarm's state change arrives
  const result = await handler(
    alarmEvent('alarm-1'),
    lambdaContext({ functionName: 'retraining-trigger-churn', requestId: 'r1', remainingMs: 30_000 }),
  );

  // THEN one execution starts, and it says why
  expect(result).toMatchObject({ action: 'start', reason: 'drift' });
  const { PipelineExecutionSummaries = [] } = await sageMaker.send(
    new ListPipelineExecutionsCommand({ PipelineName: PIPELINE }),
  );
  expect(PipelineExecutionSummaries).toHaveLength(1);
  const { PipelineParameters = [] } = await sageMaker.send(
    new ListPipelineParametersForExecutionCommand({
      PipelineExecutionArn: PipelineExecutionSummaries[0]?.PipelineExecutionArn,
    }),
  );
  expect(PipelineParameters).toContainEqual({ Name: 'TriggerReason', Value: 'drift' });

  // WHEN the alarm's event arrives again THEN the same windows start nothing more (cooldown, windows counted)
  const again = await handler(
    alarmEvent('alarm-2'),
    lambdaContext({ functionName: 'retraining-trigger-churn', requestId: 'r2', remainingMs: 30_000 }),
  );
  expect(again.action).toBe('skip');
  const after = await sageMaker.send(new ListPipelineExecutionsCommand({ PipelineName: PIPELINE }));
  expect(after.PipelineExecutionSummaries).toHaveLength(1);
});
