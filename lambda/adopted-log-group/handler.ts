import { Logger } from '@aws-lambda-powertools/logger';
import { DEFAULT_SEND } from '../shared/custom-resource-response';
import { cloudWatchLogs, DEFAULT_RETRY } from './clients';
import { createHandler, RESPONSE_RESERVE_MS } from './provider';

/** The Lambda entry point of the `Custom::AdoptedLogGroup` resources: wiring only. */
export const handler = createHandler({
  logs: cloudWatchLogs,
  logger: new Logger({ serviceName: 'adopted-log-group' }),
  retry: DEFAULT_RETRY,
  // the global fetch, looked up at each call
  send: { ...DEFAULT_SEND, fetch: (url, init) => fetch(url, init) },
  responseReserveMs: RESPONSE_RESERVE_MS,
});
