import { DescribeModelPackageCommand } from '@aws-sdk/client-sagemaker';
import { mockClient } from 'aws-sdk-client-mock';
import { sageMaker } from '../../../lambda/model-package-baselines/clients';
import { handler } from '../../../lambda/model-package-baselines/handler';
import {
  COMPLETE_ATTRIBUTES,
  completePackage,
  lambdaContext,
  packageArn,
  RESPONSE_URL,
  request,
  SIGNATURE,
} from './fixtures';

// The entry point as Lambda loads it: the shared SageMaker client, Powertools Logger and the global fetch.
const sageMakerMock = mockClient(sageMaker);
let fetchSpy: jest.SpyInstance;
let output: string[];
let writeSpies: jest.SpyInstance[];

beforeEach(() => {
  sageMakerMock.reset();
  sageMakerMock.on(DescribeModelPackageCommand).resolves(completePackage());
  fetchSpy = jest.spyOn(global, 'fetch').mockResolvedValue(new Response(null, { status: 200 }));
  output = [];
  const capture = (chunk: string | Uint8Array) => {
    output.push(String(chunk));
    return true;
  };
  writeSpies = [
    jest.spyOn(process.stdout, 'write').mockImplementation(capture),
    jest.spyOn(process.stderr, 'write').mockImplementation(capture),
  ];
});

afterEach(() => {
  for (const spy of [fetchSpy, ...writeSpies]) spy.mockRestore();
});

afterAll(() => sageMakerMock.restore());

/** The one body PUT through the global fetch. */
function sentBody(): Record<string, unknown> {
  expect(fetchSpy).toHaveBeenCalledTimes(1);
  const [url, init] = fetchSpy.mock.calls[0] as [string, RequestInit];
  expect(url).toBe(RESPONSE_URL);
  expect(init).toMatchObject({ method: 'PUT', headers: { 'content-type': '' } });
  return JSON.parse(String(init.body));
}

test('GIVEN the deployed entry point WHEN a Create arrives THEN it answers through fetch with the baselines, logging JSON without the URL', async () => {
  await handler(request('Create'), lambdaContext());

  expect(sentBody()).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: packageArn(3), Data: COMPLETE_ATTRIBUTES });
  const lines = output
    .join('')
    .split('\n')
    .filter((line) => line.startsWith('{'));
  expect(lines.map((line) => JSON.parse(line).message)).toEqual([
    'custom resource request',
    'custom resource response',
  ]);
  expect(JSON.parse(lines[0])).toMatchObject({ service: 'model-package-baselines', level: 'INFO' });
  expect(output.join('')).not.toContain(SIGNATURE);
});

test('GIVEN the deployed entry point WHEN a Delete arrives THEN it answers SUCCESS without calling SageMaker', async () => {
  await handler(request('Delete', { physicalResourceId: packageArn(3) }), lambdaContext());

  expect(sageMakerMock.calls()).toEqual([]);
  expect(sentBody()).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: packageArn(3) });
});
