import { CreateLogGroupCommand, PutRetentionPolicyCommand } from '@aws-sdk/client-cloudwatch-logs';
import { mockClient } from 'aws-sdk-client-mock';
import { cloudWatchLogs } from '../../../lambda/adopted-log-group/clients';
import { handler } from '../../../lambda/adopted-log-group/handler';
import { LOG_GROUP, lambdaContext, RESPONSE_URL, request, SIGNATURE } from './fixtures';

// The entry point as Lambda loads it: the shared CloudWatch Logs client, Powertools Logger and the global fetch.
const logsMock = mockClient(cloudWatchLogs);
let fetchSpy: jest.SpyInstance;
let output: string[];
let writeSpies: jest.SpyInstance[];

beforeEach(() => {
  logsMock.reset();
  logsMock.on(CreateLogGroupCommand).resolves({});
  logsMock.on(PutRetentionPolicyCommand).resolves({});
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

afterAll(() => logsMock.restore());

test('GIVEN the deployed entry point WHEN a Create arrives THEN it declares the group and answers through fetch, logging JSON without the URL', async () => {
  await handler(request('Create'), lambdaContext());

  expect(logsMock.commandCalls(PutRetentionPolicyCommand).map((call) => call.args[0].input)).toEqual([
    { logGroupName: LOG_GROUP, retentionInDays: 90 },
  ]);
  expect(fetchSpy).toHaveBeenCalledTimes(1);
  const [url, init] = fetchSpy.mock.calls[0] as [string, RequestInit];
  expect(url).toBe(RESPONSE_URL);
  expect(JSON.parse(String(init.body))).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: LOG_GROUP });
  const lines = output
    .join('')
    .split('\n')
    .filter((line) => line.startsWith('{'));
  expect(lines.map((line) => JSON.parse(line).message)).toEqual([
    'custom resource request',
    'custom resource response',
  ]);
  expect(JSON.parse(lines[0])).toMatchObject({ service: 'adopted-log-group', level: 'INFO' });
  expect(output.join('')).not.toContain(SIGNATURE);
});
