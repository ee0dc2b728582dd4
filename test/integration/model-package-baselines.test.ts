import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  CreateModelPackageCommand,
  CreateModelPackageGroupCommand,
  type DriftCheckBaselines,
  type ModelApprovalStatus,
  SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import type { Context } from 'aws-lambda';
import { lambdaContext } from '../support/lambda';
import { bundledHandler } from './bundle';
import { type MotoServer, startMotoServer } from './moto-server';

// GIVEN a moto_server with a model package group and versions as the training pipeline registers them, the
// handler bundled as it is deployed (esbuild, minified, the AWS SDK left to the runtime) and pointed at moto
// through AWS_ENDPOINT_URL, and a local HTTP server standing in for CloudFormation's pre-signed response URL.
const GROUP = 'mlops-test-churn';
const REGION = 'eu-west-1';
const ACCOUNT = '123456789012';
const BASELINES = 's3://mlops-test-artifacts/pipelines/churn/exec-1';

type Handler = (event: unknown, context: Context) => Promise<void>;

let moto: MotoServer;
let handler: Handler;
let responses: Server;
let responseBase: string;
/** Response bodies by request id, as CloudFormation would read them. */
const received = new Map<string, Record<string, unknown>>();
const versions: Record<'complete' | 'pending' | 'withoutBaselines', string> = {
  complete: '',
  pending: '',
  withoutBaselines: '',
};

function driftCheckBaselines(): DriftCheckBaselines {
  const source = (file: string) => ({ ContentType: 'application/json', S3Uri: `${BASELINES}/${file}` });
  return {
    ModelDataQuality: {
      Statistics: source('data-quality/statistics.json'),
      Constraints: source('data-quality/constraints.json'),
    },
    ModelQuality: {
      Statistics: source('model-quality/statistics.json'),
      Constraints: source('model-quality/constraints.json'),
    },
  };
}

async function register(
  sageMaker: SageMakerClient,
  status: ModelApprovalStatus,
  baselines?: DriftCheckBaselines,
): Promise<string> {
  const out = await sageMaker.send(
    new CreateModelPackageCommand({
      ModelPackageGroupName: GROUP,
      ModelApprovalStatus: status,
      InferenceSpecification: {
        Containers: [{ Image: `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/churn:latest` }],
        SupportedContentTypes: ['text/csv'],
        SupportedResponseMIMETypes: ['text/csv'],
      },
      ...(baselines ? { DriftCheckBaselines: baselines } : {}),
    }),
  );
  return out.ModelPackageArn ?? '';
}

function customResourceEvent(requestId: string, requestType: string, arn: string) {
  return {
    RequestType: requestType,
    ServiceToken: ['arn', 'aws', 'lambda', REGION, ACCOUNT, 'function', 'mlops-test-model-package-baselines'].join(':'),
    ResponseURL: `${responseBase}/${requestId}?X-Amz-Signature=local`,
    StackId: ['arn', 'aws', 'cloudformation', REGION, ACCOUNT, 'stack/mlops-test-monitoring-churn/1'].join(':'),
    RequestId: requestId,
    LogicalResourceId: 'Baselines',
    ResourceType: 'Custom::ModelPackageBaselines',
    ResourceProperties: { ModelPackageArn: arn },
    ...(requestType === 'Create' ? {} : { PhysicalResourceId: arn }),
  };
}

function context(requestId: string): Context {
  return lambdaContext({ functionName: 'mlops-test-model-package-baselines', requestId, remainingMs: 60_000 });
}

/** Invokes the handler and returns what it PUT to the response URL. */
async function invoke(requestId: string, requestType: string, arn: string): Promise<Record<string, unknown>> {
  await handler(customResourceEvent(requestId, requestType, arn), context(requestId));
  const body = received.get(requestId);
  if (!body) throw new Error(`no response for ${requestId}`);
  return body;
}

beforeAll(async () => {
  moto = await startMotoServer();
  Object.assign(process.env, {
    AWS_ENDPOINT_URL: moto.endpoint,
    AWS_REGION: REGION,
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    POWERTOOLS_LOG_LEVEL: 'ERROR',
  });
  const sageMaker = new SageMakerClient({ endpoint: moto.endpoint, region: REGION });
  await sageMaker.send(new CreateModelPackageGroupCommand({ ModelPackageGroupName: GROUP }));
  versions.complete = await register(sageMaker, 'Approved', driftCheckBaselines());
  versions.pending = await register(sageMaker, 'PendingManualApproval', driftCheckBaselines());
  versions.withoutBaselines = await register(sageMaker, 'Approved');

  responses = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      const requestId = (req.url ?? '').slice(1).split('?')[0];
      if (req.method === 'PUT') received.set(requestId, JSON.parse(body));
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => responses.listen(0, '127.0.0.1', resolve));
  responseBase = `http://127.0.0.1:${(responses.address() as AddressInfo).port}`;

  handler = bundledHandler<Handler>('model-package-baselines');
}, 120_000);

afterAll(async () => {
  await new Promise((resolve) => responses?.close(resolve));
  await moto?.stop();
});

test('an approved version from the pipeline gives its baselines; other versions fail with the reason; Delete succeeds', async () => {
  expect(versions.complete).toMatch(new RegExp(`:model-package/${GROUP}/1$`));

  // WHEN the approved version with drift baselines is created THEN its URIs are the attributes
  expect(await invoke('create-complete', 'Create', versions.complete)).toEqual({
    Status: 'SUCCESS',
    PhysicalResourceId: versions.complete,
    StackId: expect.stringContaining(':stack/mlops-test-monitoring-churn/'),
    RequestId: 'create-complete',
    LogicalResourceId: 'Baselines',
    Data: {
      ModelPackageGroupName: GROUP,
      ModelPackageVersion: '1',
      DataQualityStatisticsUri: `${BASELINES}/data-quality/statistics.json`,
      DataQualityConstraintsUri: `${BASELINES}/data-quality/constraints.json`,
      ModelQualityStatisticsUri: `${BASELINES}/model-quality/statistics.json`,
      ModelQualityConstraintsUri: `${BASELINES}/model-quality/constraints.json`,
      BiasConfigUri: '',
      BiasPostTrainingConstraintsUri: '',
      ExplainabilityConfigUri: '',
      ExplainabilityConstraintsUri: '',
    },
  });

  // WHEN a version pending approval is named THEN the resource fails
  expect(await invoke('create-pending', 'Create', versions.pending)).toMatchObject({
    Status: 'FAILED',
    Reason: expect.stringContaining('is PendingManualApproval, not Approved'),
  });

  // WHEN an approved version without drift baselines is named THEN the resource fails, naming what is missing
  expect(await invoke('update-without-baselines', 'Update', versions.withoutBaselines)).toMatchObject({
    Status: 'FAILED',
    Reason: expect.stringContaining('DriftCheckBaselines.ModelDataQuality.Statistics is missing'),
  });

  // WHEN a version that does not exist is named THEN SageMaker's error is the reason
  const missing = versions.complete.replace(/\/1$/, '/99');
  expect(await invoke('create-missing', 'Create', missing)).toMatchObject({
    Status: 'FAILED',
    Reason: expect.stringContaining(`could not describe model package ${missing}: ValidationException`),
  });

  // WHEN the resource is deleted THEN it succeeds without looking at the registry
  expect(await invoke('delete', 'Delete', versions.complete)).toMatchObject({
    Status: 'SUCCESS',
    PhysicalResourceId: versions.complete,
  });
});
