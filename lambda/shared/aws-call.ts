import { createHash, createHmac } from 'node:crypto';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { SignatureV4 } from '@smithy/signature-v4';

/**
 * A small signed client for the few calls of services whose SDK v3 client the repository does not ship (CloudWatch
 * GetMetricData, EventBridge PutEvents, SNS Publish): SigV4 through `@smithy/signature-v4` (which the Lambda
 * runtime provides, like the SDK), the AWS JSON protocol or the query protocol, and the endpoint of the standard
 * `AWS_ENDPOINT_URL_<SERVICE>` / `AWS_ENDPOINT_URL` variables when they are set (moto in tests).
 */

/** One call: operation name and input in, parsed output out; throws an {@link AwsCallError} on an error response. */
export type AwsCall = (operation: string, input: Record<string, unknown>) => Promise<Record<string, unknown>>;

/** An error response of a service, named like the SDK names its exceptions, so `isRetryable` can judge it. */
export class AwsCallError extends Error {
  readonly $metadata: { httpStatusCode: number };
  readonly $retryable?: { throttling: boolean };
  constructor(name: string, message: string, status: number) {
    super(message);
    this.name = name;
    this.$metadata = { httpStatusCode: status };
    if (status === 429 || /Throttl/.test(name)) this.$retryable = { throttling: true };
  }
}

interface Service {
  /** The signing name and endpoint prefix, for example `monitoring`. */
  readonly signingName: string;
  /** The `AWS_ENDPOINT_URL_<id>` suffix, for example `CLOUDWATCH`. */
  readonly endpointId: string;
}

/** CloudWatch over the AWS JSON 1.0 protocol. */
export const CLOUDWATCH = {
  signingName: 'monitoring',
  endpointId: 'CLOUDWATCH',
  target: 'GraniteServiceVersion20100801',
  jsonVersion: '1.0',
};
/** EventBridge over the AWS JSON 1.1 protocol. */
export const EVENTBRIDGE = {
  signingName: 'events',
  endpointId: 'EVENTBRIDGE',
  target: 'AWSEvents',
  jsonVersion: '1.1',
};
/** SNS over the query protocol. */
export const SNS = { signingName: 'sns', endpointId: 'SNS', version: '2010-03-31' };

type SourceData = string | ArrayBuffer | ArrayBufferView;

const bytes = (data: SourceData): string | Uint8Array =>
  typeof data === 'string'
    ? data
    : ArrayBuffer.isView(data)
      ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
      : new Uint8Array(data);

class Sha256 {
  private readonly hash;
  constructor(secret?: SourceData) {
    this.hash = secret ? createHmac('sha256', bytes(secret)) : createHash('sha256');
  }
  update(data: SourceData): void {
    this.hash.update(bytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
}

function endpointOf(service: Service, region: string, env: NodeJS.ProcessEnv): URL {
  const configured = env[`AWS_ENDPOINT_URL_${service.endpointId}`] ?? env.AWS_ENDPOINT_URL;
  if (configured) return new URL(configured);
  const suffix = region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com';
  return new URL(`https://${service.signingName}.${region}.${suffix}/`);
}

async function signedPost(
  service: Service,
  headers: Record<string, string>,
  body: string,
  env: NodeJS.ProcessEnv,
): Promise<{ status: number; text: string }> {
  const region = env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1';
  const url = endpointOf(service, region, env);
  const signer = new SignatureV4({
    service: service.signingName,
    region,
    credentials: defaultProvider(),
    sha256: Sha256,
  });
  const request = {
    method: 'POST',
    protocol: url.protocol,
    hostname: url.hostname,
    port: url.port ? Number(url.port) : undefined,
    path: url.pathname || '/',
    query: {},
    headers: { ...headers, host: url.host },
    body,
  };
  const signed = await signer.sign(request);
  const response = await fetch(url, { method: 'POST', headers: signed.headers as Record<string, string>, body });
  return { status: response.status, text: await response.text() };
}

/** A client of one service over the AWS JSON protocol. */
export function jsonProtocolClient(
  service: Service & { readonly target: string; readonly jsonVersion: string },
  env: NodeJS.ProcessEnv = process.env,
): AwsCall {
  return async (operation, input) => {
    const { status, text } = await signedPost(
      service,
      {
        'content-type': `application/x-amz-json-${service.jsonVersion}`,
        'x-amz-target': `${service.target}.${operation}`,
      },
      JSON.stringify(input),
      env,
    );
    const output = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    if (status >= 300) {
      const type = String(output.__type ?? output.code ?? 'UnknownError');
      throw new AwsCallError(type.split('#').pop() ?? type, String(output.message ?? output.Message ?? text), status);
    }
    return output;
  };
}

/** A client of one service over the query protocol; the output is the raw XML, under `xml`. */
export function queryProtocolClient(
  service: Service & { readonly version: string },
  env: NodeJS.ProcessEnv = process.env,
): AwsCall {
  return async (operation, input) => {
    const form = new URLSearchParams({ Action: operation, Version: service.version });
    for (const [key, value] of Object.entries(input)) form.set(key, String(value));
    const { status, text } = await signedPost(
      service,
      { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
      form.toString(),
      env,
    );
    if (status >= 300) {
      const code = /<Code>([^<]+)<\/Code>/.exec(text)?.[1] ?? 'UnknownError';
      const message = /<Message>([^<]*)<\/Message>/.exec(text)?.[1] ?? text;
      throw new AwsCallError(code, message, status);
    }
    return { xml: text };
  };
}
