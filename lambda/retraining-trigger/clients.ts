import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

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

export interface RetryOptions {
  /** Attempts in all, the first one included. */
  readonly maxAttempts: number;
  /** Ceiling of the first backoff; it doubles per attempt (full jitter). */
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  readonly sleep: (ms: number) => Promise<void>;
  /** A number in [0, 1), for the jitter. */
  readonly random: () => number;
  /** Called before each backoff, to log it. */
  readonly onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
}

/** 4 attempts with full-jitter backoff of at most 0.2 + 0.4 + 0.8 s. */
export const DEFAULT_RETRY: RetryOptions = {
  maxAttempts: 4,
  baseDelayMs: 200,
  maxDelayMs: 2_000,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  random: Math.random,
};

const THROTTLING = new Set([
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'ProvisionedThroughputExceededException',
  'SlowDown',
]);
const TRANSIENT = new Set(['TimeoutError', 'RequestTimeout', 'RequestTimeoutException', 'InternalFailure']);
const NETWORK = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN']);

interface SdkErrorShape {
  readonly name?: string;
  readonly code?: string;
  readonly $retryable?: unknown;
  readonly $metadata?: { readonly httpStatusCode?: number };
}

/** Throttling, a 5xx or a network failure: worth another attempt. Client errors, such as validation, are not. */
export function isRetryable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { name, code, $retryable, $metadata } = error as SdkErrorShape;
  const status = $metadata?.httpStatusCode;
  return (
    (name !== undefined && (THROTTLING.has(name) || TRANSIENT.has(name))) ||
    (code !== undefined && NETWORK.has(code)) ||
    Boolean($retryable) ||
    status === 429 ||
    (status !== undefined && status >= 500)
  );
}

/** Calls `call` until it succeeds, fails with an error that is not retryable, or the attempts are spent. */
export async function withRetries<T>(call: () => Promise<T>, options: RetryOptions): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await call();
    } catch (error) {
      if (attempt >= options.maxAttempts || !isRetryable(error)) throw error;
      const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** (attempt - 1));
      const delayMs = Math.round(options.random() * ceiling);
      options.onRetry?.(error, attempt, delayMs);
      await options.sleep(delayMs);
    }
  }
}
