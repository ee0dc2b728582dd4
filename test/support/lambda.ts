import type { Context } from 'aws-lambda';

export interface LambdaContextOptions {
  /** Name of the function, also in its ARN and log group. */
  readonly functionName: string;
  /** ARN of the function; built from `functionName` in a test account and region when absent. */
  readonly functionArn?: string;
  /** @default 'c6af9ac6-7b61-11e6-9a41-93e812345678' */
  readonly requestId?: string;
  /** What `getRemainingTimeInMillis` answers. */
  readonly remainingMs: number;
}

/** A Lambda context as the runtime passes it, for handler tests. */
export function lambdaContext(options: LambdaContextOptions): Context {
  const { functionName } = options;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn:
      options.functionArn ?? ['arn', 'aws', 'lambda', 'eu-west-1', '123456789012', 'function', functionName].join(':'),
    memoryLimitInMB: '256',
    awsRequestId: options.requestId ?? 'c6af9ac6-7b61-11e6-9a41-93e812345678',
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: '2025/03/01/[$LATEST]abcdef',
    getRemainingTimeInMillis: () => options.remainingMs,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
