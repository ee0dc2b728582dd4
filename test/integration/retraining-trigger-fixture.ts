import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreatePipelineCommand, SageMakerClient } from '@aws-sdk/client-sagemaker';
import type { MotoServer } from './moto-server';

// What the integration tests of the bundled retraining trigger share: its environment as the stage 4 construct
// sets it (churn in dev, its new-data policy), pointed at moto, and the state table and training pipeline it needs.

export const PIPELINE = 'mlops-dev-churn-training';
export const TABLE = 'mlops-dev-churn-retraining-state';
export const REGION = 'eu-west-1';

/** Points this process (and so the bundled handler) at moto, with the trigger's settings and `extra` over them. */
export function useTriggerEnvironment(moto: MotoServer, extra: Readonly<Record<string, string>> = {}): void {
  Object.assign(process.env, {
    AWS_ENDPOINT_URL: moto.endpoint,
    AWS_REGION: REGION,
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    PIPELINE_NAME: PIPELINE,
    MODEL_NAME: 'churn',
    STATE_TABLE_NAME: TABLE,
    INPUT_BUCKET: 'mlops-dev-raw',
    INPUT_PREFIX: 'training-data/churn/',
    MIN_NEW_OBJECTS: '2',
    MIN_NEW_BYTES: '0',
    COOLDOWN_MINUTES: '60',
    MAX_RUNS_PER_DAY: '3',
    ALLOWED_WINDOW: '',
    POWERTOOLS_METRICS_NAMESPACE: 'MLOps/RetrainingTriggers',
    POWERTOOLS_SERVICE_NAME: 'retraining-trigger',
    POWERTOOLS_LOG_LEVEL: 'ERROR',
    POWERTOOLS_DEV: 'false',
    // decisions are asserted through the executions moto records; the unit tests cover the metrics
    POWERTOOLS_METRICS_DISABLED: 'true',
    ...extra,
  });
}

/**
 * Creates the trigger's state table and the training pipeline, with these parameters, in moto; returns a SageMaker
 * client to read the executions with.
 */
export async function createTriggerResources(
  moto: MotoServer,
  parameters: ReadonlyArray<{ Name: string; Type: 'String'; DefaultValue: string }> = [],
): Promise<SageMakerClient> {
  const clientConfig = { endpoint: moto.endpoint, region: REGION };
  await new DynamoDBClient(clientConfig).send(
    new CreateTableCommand({
      TableName: TABLE,
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  const sageMaker = new SageMakerClient(clientConfig);
  await sageMaker.send(
    new CreatePipelineCommand({
      PipelineName: PIPELINE,
      RoleArn: ['arn', 'aws', 'iam', '', '123456789012', 'role/pipeline'].join(':'),
      PipelineDefinition: JSON.stringify({ Version: '2020-12-01', Parameters: parameters, Steps: [] }),
    }),
  );
  return sageMaker;
}
