import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import type { Catalog } from '../../../lambda/portfolio-inventory/catalog';
import type { InventoryEvent } from '../../../lambda/portfolio-inventory/events';

/** The catalog of the tests: project mlops, dev/test/prod in three accounts, models churn and churn-v2. */
export const CATALOG: Catalog = {
  project: 'mlops',
  environments: [
    { name: 'dev', account: '111111111111', region: 'eu-west-1' },
    { name: 'test', account: '222222222222', region: 'eu-west-1' },
    { name: 'prod', account: '333333333333', region: 'eu-west-1' },
  ],
  models: [{ name: 'churn', owner: 'ml-team@example.com' }, { name: 'churn-v2' }],
};

/** The partition of the recorded events. */
export const PARTITION = 'aws';
const ACCOUNTS: Record<string, string> = { dev: '111111111111', test: '222222222222', prod: '333333333333' };
let counter = 0;

function envelope(
  source: string,
  detailType: string,
  environment: string,
  time: string,
  detail: object,
): InventoryEvent {
  counter += 1;
  return {
    id: `00000000-0000-0000-0000-${String(counter).padStart(12, '0')}`,
    source,
    'detail-type': detailType,
    account: ACCOUNTS[environment] ?? '999999999999',
    region: 'eu-west-1',
    time,
    detail,
  };
}

export function packageEvent(environment: string, model: string, version: number, status: string, time: string) {
  return envelope('aws.sagemaker', 'SageMaker Model Package State Change', environment, time, {
    ModelPackageGroupName: `mlops-${environment}-${model}`,
    ModelPackageVersion: version,
    ModelPackageArn: `arn:${PARTITION}:sagemaker:eu-west-1:${ACCOUNTS[environment]}:model-package/mlops-${environment}-${model}/${version}`,
    ModelApprovalStatus: status,
    CreationTime: time,
    LastModifiedTime: time,
  });
}

export function endpointEvent(environment: string, model: string, status: string, time: string) {
  return envelope('aws.sagemaker', 'SageMaker Endpoint State Change', environment, time, {
    EndpointName: `mlops-${environment}-${model}`,
    EndpointStatus: status,
    LastModifiedTime: time,
  });
}

export function pipelineEvent(
  environment: string,
  model: string,
  execution: string,
  status: string,
  startedAt: string,
  time: string,
  description?: string,
) {
  const pipeline = `arn:${PARTITION}:sagemaker:eu-west-1:${ACCOUNTS[environment]}:pipeline/mlops-${environment}-${model}-training`;
  return envelope('aws.sagemaker', 'SageMaker Model Building Pipeline Execution Status Change', environment, time, {
    pipelineArn: pipeline,
    pipelineExecutionArn: `${pipeline}/execution/${execution}`,
    pipelineExecutionDisplayName: execution,
    currentPipelineExecutionStatus: status,
    executionStartTime: startedAt,
    ...(status === 'Executing' ? {} : { executionEndTime: time }),
    ...(description === undefined ? {} : { pipelineExecutionDescription: description }),
  });
}

export function alarmEvent(
  environment: string,
  model: string,
  suffix: string,
  state: string,
  time: string,
  values: number[] = [],
) {
  return envelope('aws.cloudwatch', 'CloudWatch Alarm State Change', environment, time, {
    alarmName: `mlops-${environment}-${model}-${suffix}`,
    state: {
      value: state,
      timestamp: time,
      reasonData: JSON.stringify({
        version: '1.0',
        startDate: new Date(Date.parse(time) - values.length * 3_600_000).toISOString(),
        period: 3600,
        recentDatapoints: values,
        threshold: 0.2,
      }),
    },
  });
}

export function platformEvent(type: string, environment: string, model: string, eventTime: string, detail: object) {
  return envelope('mlops.platform', type, environment, eventTime, {
    project: 'mlops',
    environment,
    model,
    eventTime,
    ...detail,
  });
}

/**
 * A DynamoDB table in memory behind a mocked document client: GetItem, and PutItem with the two conditions the
 * store writes (no item yet; the revision read).
 */
export function inMemoryTable() {
  const items = new Map<string, Record<string, unknown>>();
  const key = (k: Record<string, unknown>) => `${String(k.model)}|${String(k.environment)}`;
  const mock = mockClient(DynamoDBDocumentClient);
  mock.on(GetCommand).callsFake((input) => {
    const item = items.get(key(input.Key));
    return { Item: item && structuredClone(item) };
  });
  mock.on(PutCommand).callsFake((input) => {
    const existing = items.get(key(input.Item));
    const ok =
      input.ConditionExpression === 'attribute_not_exists(#p)'
        ? existing === undefined
        : existing !== undefined && existing.revision === input.ExpressionAttributeValues?.[':previous'];
    if (!ok) throw new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });
    items.set(key(input.Item), structuredClone(input.Item));
    return {};
  });
  const client = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-west-1' }));
  return { items, mock, client };
}
