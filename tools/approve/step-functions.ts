import { createHash, createHmac } from 'node:crypto';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { SignatureV4 } from '@smithy/signature-v4';

/**
 * The two Step Functions calls the approve command makes at stage 5 (StartExecution, DescribeExecution), as signed
 * JSON requests: the project ships no Step Functions client, and these two calls need none. Injected into the
 * command (`RolloutClient`), so the tests replace it.
 */

export interface RolloutExecution {
  readonly status: 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED' | 'PENDING_REDRIVE' | string;
  readonly error?: string;
  readonly cause?: string;
}

export interface RolloutClient {
  /** Starts an execution of the state machine; returns its ARN. */
  start(stateMachineArn: string, name: string, input: unknown): Promise<string>;
  describe(executionArn: string): Promise<RolloutExecution>;
}

/** The SHA-256 of node:crypto in the shape SignatureV4 takes. */
type Data = string | ArrayBuffer | ArrayBufferView;
const bytes = (data: Data): string | Uint8Array =>
  typeof data === 'string'
    ? data
    : data instanceof ArrayBuffer
      ? new Uint8Array(data)
      : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);

class Sha256 {
  private readonly hash;
  constructor(secret?: Data) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(secret));
  }
  update(data: Data): void {
    this.hash.update(bytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
  reset(): void {}
}

export function stepFunctionsClient(region: string): RolloutClient {
  const host = `states.${region}.${region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com'}`;
  const signer = new SignatureV4({ service: 'states', region, credentials: defaultProvider(), sha256: Sha256 });
  const call = async (action: string, body: Record<string, unknown>) => {
    const request = await signer.sign({
      method: 'POST',
      protocol: 'https:',
      hostname: host,
      path: '/',
      headers: {
        host,
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': `AWSStepFunctions.${action}`,
      },
      body: JSON.stringify(body),
    });
    const response = await fetch(`https://${host}/`, {
      method: 'POST',
      headers: request.headers as Record<string, string>,
      body: request.body as string,
    });
    const text = await response.text();
    const parsed = text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
    if (!response.ok) {
      const type = String(parsed.__type ?? response.status)
        .split('#')
        .pop();
      throw Object.assign(new Error(String(parsed.message ?? parsed.Message ?? text)), { name: type });
    }
    return parsed;
  };
  return {
    async start(stateMachineArn, name, input) {
      const out = await call('StartExecution', { stateMachineArn, name, input: JSON.stringify(input) });
      return String(out.executionArn);
    },
    async describe(executionArn) {
      const out = await call('DescribeExecution', { executionArn });
      return {
        status: String(out.status),
        error: out.error === undefined ? undefined : String(out.error),
        cause: out.cause === undefined ? undefined : String(out.cause),
      };
    },
  };
}
