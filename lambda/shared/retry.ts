/**
 * Bounded retries of AWS SDK calls, shared by the platform's functions: the SDK clients make one attempt per call
 * and this helper retries, so a function's whole retry budget is one number, deterministic in tests, that its
 * timeout covers.
 */

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
