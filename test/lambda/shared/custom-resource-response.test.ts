import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  DEFAULT_SEND,
  failure,
  MAX_REASON_LENGTH,
  MAX_RESPONSE_BYTES,
  parseRequest,
  type ReplyTo,
  redact,
  responseBody,
  type SendOptions,
  sendResponse,
  success,
} from '../../../lambda/shared/custom-resource-response';
import {
  COMPLETE_ATTRIBUTES,
  FakeFetch,
  packageArn,
  RESPONSE_URL,
  request,
  SIGNATURE,
  STACK_ID,
} from '../model-package-baselines/fixtures';

const REPLY_TO: ReplyTo = {
  responseUrl: RESPONSE_URL,
  stackId: STACK_ID,
  requestId: '0f3e1a2b-4c5d-4e6f-8a9b-0c1d2e3f4a5b',
  logicalResourceId: 'Baselines',
};

describe('parseRequest', () => {
  test('GIVEN a Create request THEN it is read with where to reply and the properties', () => {
    expect(parseRequest(request('Create'))).toEqual({
      ok: true,
      request: {
        requestType: 'Create',
        replyTo: REPLY_TO,
        resourceType: 'Custom::ModelPackageBaselines',
        properties: expect.objectContaining({ ModelPackageArn: packageArn(3) }),
      },
    });
  });

  test('GIVEN an Update request THEN the physical id it carries is kept for the reply', () => {
    const parsed = parseRequest(request('Update', { physicalResourceId: packageArn(2) }));
    expect(parsed).toMatchObject({
      ok: true,
      request: { replyTo: { ...REPLY_TO, physicalResourceId: packageArn(2) } },
    });
  });

  test.each([
    ['not an object', 'the event is not a JSON object'],
    [{ ...request('Create'), ResponseURL: undefined, RequestId: '' }, 'ResponseURL, RequestId missing'],
    [{ ...request('Create'), ResponseURL: 'not a url' }, 'the ResponseURL of the event is not an https URL'],
    [{ ...request('Create'), ResponseURL: 'http://example.com/response' }, 'not an https URL'],
  ])('GIVEN an event that cannot be answered (%#) THEN it says why and has nobody to reply to', (event, reason) => {
    const parsed = parseRequest(event);
    expect(parsed).toEqual({ ok: false, reason: expect.stringContaining(reason) });
  });

  test('GIVEN a plain http URL on the loopback THEN it is accepted, for local tests', () => {
    const parsed = parseRequest({ ...request('Delete'), ResponseURL: 'http://127.0.0.1:8080/response' });
    expect(parsed.ok).toBe(true);
  });

  test('GIVEN an unknown request type THEN it is refused, with where to reply', () => {
    expect(parseRequest({ ...request('Create'), RequestType: 'Upsert' })).toEqual({
      ok: false,
      replyTo: REPLY_TO,
      reason: 'RequestType must be Create, Update or Delete, got "Upsert"',
    });
  });

  test('GIVEN a Delete without a physical id THEN it is refused', () => {
    const { PhysicalResourceId: _, ...event } = request('Delete');
    expect(parseRequest(event)).toMatchObject({
      ok: false,
      reason: 'a Delete request must carry the PhysicalResourceId',
    });
  });
});

describe('responses', () => {
  test('GIVEN a success THEN the body copies the ids of the request and holds the physical id and the data', () => {
    const body = JSON.parse(responseBody(success(REPLY_TO, packageArn(3), COMPLETE_ATTRIBUTES)));

    expect(body).toEqual({
      Status: 'SUCCESS',
      PhysicalResourceId: packageArn(3),
      StackId: STACK_ID,
      RequestId: REPLY_TO.requestId,
      LogicalResourceId: 'Baselines',
      Data: COMPLETE_ATTRIBUTES,
    });
  });

  test('GIVEN a failed Update THEN it keeps the physical id of the resource, so it is not read as a replacement', () => {
    const response = failure({ ...REPLY_TO, physicalResourceId: packageArn(2) }, 'refused', packageArn(3));
    expect(response).toEqual({
      Status: 'FAILED',
      Reason: 'refused',
      PhysicalResourceId: packageArn(2),
      StackId: STACK_ID,
      RequestId: REPLY_TO.requestId,
      LogicalResourceId: 'Baselines',
    });
  });

  test('GIVEN a failed Create THEN the physical id is the given one, or a fixed id from the logical id', () => {
    expect(failure(REPLY_TO, 'refused', packageArn(3)).PhysicalResourceId).toBe(packageArn(3));
    expect(failure(REPLY_TO, 'refused').PhysicalResourceId).toBe('Baselines-not-created');
  });

  test('GIVEN a very long reason THEN it is cut to a readable length', () => {
    const reason = failure(REPLY_TO, 'x'.repeat(5000)).Reason ?? '';
    expect(reason).toHaveLength(MAX_REASON_LENGTH);
    expect(reason.endsWith('...')).toBe(true);
  });

  test('GIVEN attributes beyond the 4096-byte body limit THEN the response becomes a failure that says so', () => {
    const long = `s3://bucket/${'k'.repeat(1000)}`;
    const data = Object.fromEntries(Object.keys(COMPLETE_ATTRIBUTES).map((key) => [key, long]));

    const body = responseBody(success(REPLY_TO, packageArn(3), data));

    expect(Buffer.byteLength(body)).toBeLessThanOrEqual(MAX_RESPONSE_BYTES);
    expect(JSON.parse(body)).toEqual({
      Status: 'FAILED',
      Reason: expect.stringContaining("longer than CloudFormation's 4096 bytes"),
      PhysicalResourceId: packageArn(3),
      StackId: STACK_ID,
      RequestId: REPLY_TO.requestId,
      LogicalResourceId: 'Baselines',
    });
  });

  test('GIVEN a physical id above 1 KB THEN the response is a failure with a short id', () => {
    const body = JSON.parse(responseBody(success(REPLY_TO, 'p'.repeat(2000))));
    expect(body).toMatchObject({ Status: 'FAILED', PhysicalResourceId: 'Baselines-not-created' });
  });
});

describe('sendResponse', () => {
  function options(fake: FakeFetch, sleeps: number[] = []): SendOptions {
    return {
      ...DEFAULT_SEND,
      fetch: fake.fetch,
      sleep: async (ms) => {
        sleeps.push(ms);
      },
    };
  }

  test('GIVEN the URL answers 200 THEN the response is PUT once, as JSON with an empty content type', async () => {
    const fake = new FakeFetch(200);

    await sendResponse(RESPONSE_URL, success(REPLY_TO, packageArn(3)), options(fake));

    expect(fake.calls).toEqual([
      {
        url: RESPONSE_URL,
        method: 'PUT',
        headers: { 'content-type': '' },
        body: {
          Status: 'SUCCESS',
          PhysicalResourceId: packageArn(3),
          StackId: STACK_ID,
          RequestId: REPLY_TO.requestId,
          LogicalResourceId: 'Baselines',
        },
      },
    ]);
  });

  test('GIVEN a 503 and a network error THEN it tries again with a doubling wait and succeeds', async () => {
    const fake = new FakeFetch(503, new TypeError('fetch failed'), 200);
    const sleeps: number[] = [];

    await sendResponse(RESPONSE_URL, success(REPLY_TO, packageArn(3)), options(fake, sleeps));

    expect(fake.calls).toHaveLength(3);
    expect(sleeps).toEqual([500, 1000]);
  });

  test('GIVEN a 403 (an expired URL) THEN it gives up at once', async () => {
    const fake = new FakeFetch(403);

    await expect(sendResponse(RESPONSE_URL, success(REPLY_TO, packageArn(3)), options(fake))).rejects.toThrow(
      'the response URL answered HTTP 403 (attempt 1 of 3)',
    );
    expect(fake.calls).toHaveLength(1);
  });

  test('GIVEN errors that quote the URL THEN the error thrown holds neither the URL nor its signature', async () => {
    const fake = new FakeFetch(new Error(`connect failed for ${RESPONSE_URL}`));

    const error = await sendResponse(RESPONSE_URL, success(REPLY_TO, packageArn(3)), options(fake)).catch((e) => e);

    expect(error).toMatchObject({ name: 'ResponseDeliveryError' });
    expect(error.message).toBe(
      'sending the response failed: Error: connect failed for <response URL> (attempt 3 of 3)',
    );
    expect(fake.calls).toHaveLength(3);
  });

  test('GIVEN a text with only the query string THEN redact hides the signature', () => {
    const query = RESPONSE_URL.slice(RESPONSE_URL.indexOf('?') + 1);
    expect(redact(`bad request: ${query}`, RESPONSE_URL)).toBe('bad request: <signature>');
    expect(redact(`bad request: ${query}`, RESPONSE_URL)).not.toContain(SIGNATURE);
  });

  test('GIVEN a real HTTP server THEN the global fetch PUTs the JSON body with an empty content type', async () => {
    const received: { method?: string; headers?: IncomingHttpHeaders; body?: string } = {};
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => {
        body += chunk;
      });
      req.on('end', () => {
        Object.assign(received, { method: req.method, headers: req.headers, body });
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/response?X-Amz-Signature=abc`;
    try {
      await sendResponse(url, success(REPLY_TO, packageArn(3), COMPLETE_ATTRIBUTES), { ...DEFAULT_SEND, fetch });
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }

    expect(received.method).toBe('PUT');
    expect(received.headers?.['content-type']).toBe('');
    expect(Number(received.headers?.['content-length'])).toBe(Buffer.byteLength(received.body ?? ''));
    expect(JSON.parse(received.body ?? '')).toMatchObject({ Status: 'SUCCESS', Data: COMPLETE_ATTRIBUTES });
  });
});
