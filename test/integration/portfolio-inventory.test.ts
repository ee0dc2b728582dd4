import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { bundledHandler } from './bundle';
import { type MotoServer, startMotoServer } from './moto-server';

// GIVEN a moto_server with the inventory table as the portfolio stack declares it (model, environment), and the
// updater bundled as it is deployed, pointed at moto through AWS_ENDPOINT_URL: events delivered out of order and
// twice end in the record of the ordered run, written with DynamoDB's own conditional puts.
const TABLE = 'mlops-portfolio-inventory';
const REGION = 'eu-west-1';
const ACCOUNT = '222222222222';

type Handler = (event: unknown) => Promise<{ action: string }>;

let moto: MotoServer;
let handler: Handler;
let documents: DynamoDBDocumentClient;

let n = 0;
function packageEvent(version: number, status: string, time: string) {
  n += 1;
  return {
    id: `event-${n}`,
    source: 'aws.sagemaker',
    'detail-type': 'SageMaker Model Package State Change',
    account: ACCOUNT,
    region: REGION,
    time,
    detail: {
      ModelPackageGroupName: 'mlops-test-churn',
      ModelPackageVersion: version,
      ModelApprovalStatus: status,
      LastModifiedTime: time,
    },
  };
}

beforeAll(async () => {
  moto = await startMotoServer();
  Object.assign(process.env, {
    AWS_ENDPOINT_URL: moto.endpoint,
    AWS_REGION: REGION,
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    INVENTORY_TABLE_NAME: TABLE,
    PORTFOLIO_CATALOG: JSON.stringify({
      project: 'mlops',
      environments: [{ name: 'test', account: ACCOUNT, region: REGION }],
      models: [{ name: 'churn', owner: 'ml-team@example.com' }],
    }),
    POWERTOOLS_LOG_LEVEL: 'ERROR',
  });
  const client = new DynamoDBClient({ endpoint: moto.endpoint, region: REGION });
  await client.send(
    new CreateTableCommand({
      TableName: TABLE,
      KeySchema: [
        { AttributeName: 'model', KeyType: 'HASH' },
        { AttributeName: 'environment', KeyType: 'RANGE' },
      ],
      AttributeDefinitions: [
        { AttributeName: 'model', AttributeType: 'S' },
        { AttributeName: 'environment', AttributeType: 'S' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  documents = DynamoDBDocumentClient.from(client);
  handler = bundledHandler<Handler>('portfolio-inventory');
}, 120_000);

afterAll(async () => {
  await moto?.stop();
});

test('events out of order and twice end in one record: v2 rejected after its approval, v1 approved', async () => {
  // GIVEN the registry's history, in order: v1 registered and approved, v2 registered, approved, then rejected
  const history = [
    packageEvent(1, 'PendingManualApproval', '2026-11-01T03:00:00Z'),
    packageEvent(1, 'Approved', '2026-11-01T04:00:00Z'),
    packageEvent(2, 'PendingManualApproval', '2026-11-02T03:00:00Z'),
    packageEvent(2, 'Approved', '2026-11-02T04:00:00Z'),
    packageEvent(2, 'Rejected', '2026-11-02T05:00:00Z'),
  ];

  // WHEN they arrive newest first, and the rejection twice
  const results = [];
  for (const event of [history[4], ...[...history].reverse()]) results.push((await handler(event)).action);

  // THEN the duplicate and v2's older statuses change nothing, and the record is the ordered run's, in two writes
  expect(results).toEqual(['updated', 'unchanged', 'unchanged', 'unchanged', 'updated', 'unchanged']);
  const { Items } = await documents.send(new ScanCommand({ TableName: TABLE }));
  expect(Items).toHaveLength(1);
  expect(Items?.[0]).toMatchObject({
    model: 'churn',
    environment: 'test',
    owner: 'ml-team@example.com',
    registeredVersion: 2,
    approvedVersion: 1,
    revision: 2,
    versions: { '1': { value: { status: 'Approved' } }, '2': { value: { status: 'Rejected' } } },
  });
});
