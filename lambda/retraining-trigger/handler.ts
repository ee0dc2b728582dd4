import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { CLOUDWATCH, EVENTBRIDGE, jsonProtocolClient, queryProtocolClient, SNS } from '../shared/aws-call';
import { DEFAULT_RETRY, documentClient, dynamoDb, sageMaker } from './clients';
import { KEY_ATTRIBUTE, loadConfig, TTL_ATTRIBUTE } from './config';
import { createLoop } from './loop-runner';
import { LoopStore } from './loop-state';
import { StateStore } from './state';
import { createHandler } from './trigger';

/**
 * The Lambda entry point: wiring only, done once per execution environment. A misconfigured environment fails
 * here, at init, so every invocation fails and lands in the dead-letter queue instead of deciding wrongly.
 */
const config = loadConfig(process.env);
const logger = new Logger({ serviceName: config.serviceName, persistentKeys: { model: config.modelName } });
const metrics = new Metrics({
  namespace: config.metricsNamespace,
  serviceName: config.serviceName,
  defaultDimensions: { Model: config.modelName },
});
const sns = queryProtocolClient(SNS);

export const handler = createHandler({
  config,
  sageMaker,
  sns,
  loop: config.loop
    ? createLoop({
        config,
        sageMaker,
        store: new LoopStore(documentClient, config.stateTableName),
        cloudWatch: jsonProtocolClient(CLOUDWATCH),
        eventBridge: jsonProtocolClient(EVENTBRIDGE),
        sns,
        logger,
        metrics,
        retry: DEFAULT_RETRY,
      })
    : undefined,
  store: new StateStore(documentClient, config.stateTableName),
  persistenceStore: new DynamoDBPersistenceLayer({
    tableName: config.stateTableName,
    keyAttr: KEY_ATTRIBUTE,
    expiryAttr: TTL_ATTRIBUTE,
    awsSdkV3Client: dynamoDb,
  }),
  logger,
  metrics,
  retry: DEFAULT_RETRY,
});
