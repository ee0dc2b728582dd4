import { SageMakerClient } from '@aws-sdk/client-sagemaker';

/**
 * The SageMaker client, created once per execution environment. It makes one attempt per call, each bounded in
 * time, and {@link withRetries} retries: one retry budget, deterministic in tests, that the function's timeout
 * covers with room for the response to CloudFormation.
 */
export const sageMaker = new SageMakerClient({
  maxAttempts: 1,
  requestHandler: { connectionTimeout: 3_000, requestTimeout: 5_000 },
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

/** 4 attempts of at most 8 s each (connection and response) with backoffs of at most 0.25 + 0.5 + 1 s. */
export const DEFAULT_RETRY: RetryOptions = {
  maxAttempts: 4,
  baseDelayMs: 250,
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

/** Throttling, a 5xx or a network failure: worth another attempt. Client errors, such as access denied, are not. */
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

/**
 * Calls `call` until it succeeds, fails with an error that is not retryable, the attempts are spent, or `signal`
 * is aborted (then the last error is thrown without waiting for another attempt).
 */
export async function withRetries<T>(call: () => Promise<T>, options: RetryOptions, signal?: AbortSignal): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await call();
    } catch (error) {
      if (attempt >= options.maxAttempts || !isRetryable(error) || signal?.aborted) throw error;
      const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** (attempt - 1));
      const delayMs = Math.round(options.random() * ceiling);
      options.onRetry?.(error, attempt, delayMs);
      await options.sleep(delayMs);
    }
  }
}
