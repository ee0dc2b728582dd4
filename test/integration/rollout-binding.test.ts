import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { type BindingClients, claimParameter, readParameter, restoreIfOurs } from '../../lambda/rollout/binding';
import { type MotoServer, startMotoServer } from './moto-server';

// The rollout's compare-and-swap on the approved-version parameter against moto_server's SSM, which numbers
// versions and keeps the history as SSM does (ADR 0023): a concurrent approval is never overwritten.

const REGION = 'eu-west-1';
const PARAMETER = '/mlops/prod/models/churn/approved-model-package-arn';
const version = (n: number) =>
  ['arn', 'aws', 'sagemaker', REGION, '333333333333', `model-package/mlops-prod-churn/${n}`].join(':');

let moto: MotoServer;
let clients: BindingClients;
let ssm: SSMClient;

beforeAll(async () => {
  moto = await startMotoServer();
  const config = {
    endpoint: moto.endpoint,
    region: REGION,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  };
  ssm = new SSMClient(config);
  clients = { ssm, cloudformation: new CloudFormationClient(config), sagemaker: new SageMakerClient(config) };
});

afterAll(async () => {
  await moto?.stop();
});

async function put(value: string): Promise<void> {
  await ssm.send(new PutParameterCommand({ Name: PARAMETER, Value: value, Type: 'String', Overwrite: true }));
}

async function current(): Promise<string | undefined> {
  return (await ssm.send(new GetParameterCommand({ Name: PARAMETER }))).Parameter?.Value;
}

test('GIVEN the value the rollout read WHEN nobody else wrote THEN the claim writes the next version', async () => {
  // GIVEN
  await put('none');
  const read = await readParameter(clients, PARAMETER);

  // WHEN
  const claim = await claimParameter(clients, PARAMETER, read, version(3));

  // THEN
  expect(claim).toEqual({ kind: 'written', written: { value: version(3), version: read.version + 1 } });
  expect(await current()).toBe(version(3));
});

test('GIVEN another approval after the read WHEN the rollout claims THEN it is refused and the other value stays', async () => {
  // GIVEN
  const read = await readParameter(clients, PARAMETER);
  await put(version(5));

  // WHEN
  const claim = await claimParameter(clients, PARAMETER, read, version(4));

  // THEN
  expect(claim.kind).toBe('concurrent');
  expect(await current()).toBe(version(5));
});

test('GIVEN the rollout wrote WHEN it restores THEN the previous value is back, unless someone wrote since', async () => {
  // GIVEN the rollout's own write
  const read = await readParameter(clients, PARAMETER);
  const claim = await claimParameter(clients, PARAMETER, read, version(6));
  if (claim.kind !== 'written') throw new Error('expected the claim to write');

  // WHEN it restores at once
  const restored = await restoreIfOurs(clients, PARAMETER, claim.written, read.value);

  // THEN
  expect(restored).toEqual({ kind: 'restored', value: version(5) });
  expect(await current()).toBe(version(5));

  // AND GIVEN a second write of its own, then a newer approval
  const again = await claimParameter(clients, PARAMETER, await readParameter(clients, PARAMETER), version(7));
  if (again.kind !== 'written') throw new Error('expected the claim to write');
  await put(version(8));

  // WHEN it restores THEN the newer approval is left in place
  const left = await restoreIfOurs(clients, PARAMETER, again.written, version(5));
  expect(left.kind).toBe('left');
  expect(await current()).toBe(version(8));
});
