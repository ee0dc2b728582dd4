import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import type { RetryOptions } from '../shared/retry';

/**
 * The CloudWatch Logs client, created once per execution environment. It makes one attempt per call, each bounded
 * in time, and {@link withRetries} retries, so the function's timeout covers every attempt and the response.
 */
export const cloudWatchLogs = new CloudWatchLogsClient({
  maxAttempts: 1,
  requestHandler: { connectionTimeout: 3_000, requestTimeout: 5_000 },
});

export { type RetryOptions, withRetries } from '../shared/retry';

/** 4 attempts of at most 8 s each per call, with backoffs of at most 0.25 + 0.5 + 1 s. */
export const DEFAULT_RETRY: RetryOptions = {
  maxAttempts: 4,
  baseDelayMs: 250,
  maxDelayMs: 2_000,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  random: Math.random,
};
