import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import type { RetryOptions } from '../shared/retry';

/**
 * The SageMaker client, created once per execution environment. It makes one attempt per call, each bounded in
 * time, and {@link withRetries} retries: one retry budget, deterministic in tests, that the function's timeout
 * covers with room for the response to CloudFormation.
 */
export const sageMaker = new SageMakerClient({
  maxAttempts: 1,
  requestHandler: { connectionTimeout: 3_000, requestTimeout: 5_000 },
});

export { isRetryable, type RetryOptions, withRetries } from '../shared/retry';

/** 4 attempts of at most 8 s each (connection and response) with backoffs of at most 0.25 + 0.5 + 1 s. */
export const DEFAULT_RETRY: RetryOptions = {
  maxAttempts: 4,
  baseDelayMs: 250,
  maxDelayMs: 2_000,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  random: Math.random,
};
