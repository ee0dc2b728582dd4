import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { RetryOptions } from '../shared/retry';

/**
 * The SDK clients, created once per execution environment and reused by every invocation.
 *
 * SageMaker calls make one attempt each in the SDK and are retried by {@link withRetries}, so the budget is one
 * number here, deterministic in tests, and the Lambda timeout (30 s) covers it with room. DynamoDB calls keep
 * the SDK's standard retries, bounded to 3 attempts.
 */
export const sageMaker = new SageMakerClient({ maxAttempts: 1 });
export const dynamoDb = new DynamoDBClient({ maxAttempts: 3 });
export const documentClient = DynamoDBDocumentClient.from(dynamoDb, {
  marshallOptions: { removeUndefinedValues: true },
});

export { isRetryable, type RetryOptions, withRetries } from '../shared/retry';

/** 4 attempts with full-jitter backoff of at most 0.2 + 0.4 + 0.8 s. */
export const DEFAULT_RETRY: RetryOptions = {
  maxAttempts: 4,
  baseDelayMs: 200,
  maxDelayMs: 2_000,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  random: Math.random,
};
