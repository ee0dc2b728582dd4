import { createHash } from 'node:crypto';
import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import type { BasePersistenceLayer } from '@aws-lambda-powertools/idempotency/persistence';
import type { Logger } from '@aws-lambda-powertools/logger';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import {
  ListPipelineExecutionsCommand,
  type PipelineExecutionSummary,
  type SageMakerClient,
  StartPipelineExecutionCommand,
} from '@aws-sdk/client-sagemaker';
import type { Context } from 'aws-lambda';
import { type RetryOptions, withRetries } from './clients';
import { DECISION_METRIC, type TriggerConfig } from './config';
import { type ObjectCreatedEvent, parseEvent, type RejectReason } from './events';
import { accumulate, type Decision, decide, type NewObject, type PolicyReason } from './policy';
import { StateConflictError, type StateStore, type VersionedState } from './state';

/** Every reason a decision can have; the `Reason` dimension of the `RetrainingDecision` metric. */
export type DecisionReason = PolicyReason | RejectReason | 'already-running' | 'duplicate';

/** What the trigger did with one event; also the result stored in its idempotency record. */
export interface TriggerResult {
  readonly action: 'start' | 'skip';
  readonly reason: DecisionReason;
  readonly detail: string;
  readonly executionArn?: string;
  readonly clientRequestToken?: string;
  /** The event was processed before; this is the result of that first time. */
  readonly duplicate?: boolean;
}

export interface TriggerDependencies {
  readonly config: TriggerConfig;
  readonly sageMaker: SageMakerClient;
  readonly store: StateStore;
  /** Where the idempotency records live: the state table in Lambda, anything in tests. */
  readonly persistenceStore: BasePersistenceLayer;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly retry: RetryOptions;
  readonly now?: () => Date;
}

/** The object version an event is about: a duplicate delivery of it has the same key. */
export const IDEMPOTENCY_KEY_PATH = '[detail.bucket.name, detail.object.key, detail.object.sequencer]';

/** How long a processed event is remembered: longer than EventBridge (24 h) or Lambda (6 h) retry one. */
export const IDEMPOTENCY_EXPIRY_SECONDS = 48 * 3600;

/** Reads, decisions and writes of the state per event when another writer got in between. */
const STATE_ATTEMPTS = 3;

/** Statuses of an execution that is still running. */
const RUNNING = new Set<string>(['Executing', 'Stopping']);

/**
 * The `ClientRequestToken` of the run an object starts: a SHA-256 over the pipeline and the object version,
 * 64 hexadecimal characters (SageMaker accepts 32 to 128). A duplicate event or a retry of the same decision
 * sends the same token, and SageMaker returns the execution it already started instead of starting another.
 */
export function clientRequestToken(pipelineName: string, object: NewObject): string {
  return createHash('sha256')
    .update([pipelineName, object.bucket, object.key, object.sequencer].join('\n'))
    .digest('hex');
}

/** The display name of the run a token starts, so the trigger recognizes its own run on a retry. */
export function executionDisplayName(token: string): string {
  return `new-data-${token}`;
}

type Invocation = { readonly object: NewObject; processed: boolean };

type StartOutcome =
  | { readonly started: true; readonly executionArn: string }
  | { readonly started: false; readonly detail: string };

/**
 * Builds the handler: rejects malformed events without throwing, processes each object version once
 * (Powertools idempotency over bucket, key and sequencer), decides with the pure policy and starts the pipeline.
 */
export function createHandler(deps: TriggerDependencies): (event: unknown, context: Context) => Promise<TriggerResult> {
  const { config, logger } = deps;
  const now = deps.now ?? (() => new Date());
  const idempotency = new IdempotencyConfig({
    eventKeyJmesPath: IDEMPOTENCY_KEY_PATH,
    throwOnNoIdempotencyKey: true,
    expiresAfterSeconds: IDEMPOTENCY_EXPIRY_SECONDS,
  });
  const processOnce = makeIdempotent(
    async (_event: ObjectCreatedEvent, invocation: Invocation): Promise<TriggerResult> => {
      invocation.processed = true;
      return processObject(invocation.object);
    },
    { persistenceStore: deps.persistenceStore, config: idempotency },
  );

  /** Logs the decision as one structured line and counts it in the decision metric. */
  function record(result: TriggerResult, context: Record<string, unknown>, level: 'info' | 'warn' = 'info'): void {
    logger[level]('retraining decision', {
      decision: result.action,
      reason: result.reason,
      detail: result.detail,
      model: config.modelName,
      pipeline: config.pipelineName,
      ...(result.executionArn ? { executionArn: result.executionArn } : {}),
      ...(result.clientRequestToken ? { clientRequestToken: result.clientRequestToken } : {}),
      ...context,
    });
    const metric = deps.metrics.singleMetric();
    metric.addDimensions({ Decision: result.action, Reason: result.reason });
    metric.addMetric(DECISION_METRIC, MetricUnit.Count, 1);
  }

  async function processObject(object: NewObject): Promise<TriggerResult> {
    for (let attempt = 1; ; attempt += 1) {
      const loaded = await deps.store.load(config.modelName);
      const time = now();
      const decision = decide(loaded.state, object, config.policy, time);
      const { result, next } = await act(decision, loaded, object, time);
      try {
        await deps.store.save(config.modelName, next, time);
      } catch (error) {
        if (error instanceof StateConflictError && attempt < STATE_ATTEMPTS) {
          logger.warn('the state changed while deciding; deciding again', { attempt, error: error.message });
          continue;
        }
        throw error;
      }
      record(result, {
        object: { bucket: object.bucket, key: object.key, size: object.size, eventId: object.eventId },
        state: next.state,
      });
      return result;
    }
  }

  async function act(
    decision: Decision,
    loaded: VersionedState,
    object: NewObject,
    time: Date,
  ): Promise<{ result: TriggerResult; next: VersionedState }> {
    if (decision.action === 'skip') {
      return {
        result: { action: 'skip', reason: decision.reason, detail: decision.detail },
        next: { ...loaded, state: decision.nextState },
      };
    }
    const token = clientRequestToken(config.pipelineName, object);
    const outcome = await startPipeline(decision.triggerReason ?? 'new-data', token);
    if (!outcome.started) {
      // the data stays pending: the next object after the running execution ends can start a run
      return {
        result: { action: 'skip', reason: 'already-running', detail: outcome.detail },
        next: { ...loaded, state: accumulate(loaded.state, object, time) },
      };
    }
    return {
      result: {
        action: 'start',
        reason: 'start',
        detail: `${decision.detail}; ${decision.triggerReason}`,
        executionArn: outcome.executionArn,
        clientRequestToken: token,
      },
      next: { state: decision.nextState, version: loaded.version, lastExecutionArn: outcome.executionArn },
    };
  }

  async function startPipeline(triggerReason: string, token: string): Promise<StartOutcome> {
    const displayName = executionDisplayName(token);
    const running = await findRunningExecution();
    if (running && running.PipelineExecutionDisplayName !== displayName) {
      return {
        started: false,
        detail: `execution ${running.PipelineExecutionArn} is ${running.PipelineExecutionStatus} since ${running.StartTime?.toISOString()}`,
      };
    }
    try {
      const output = await withRetries(
        () =>
          deps.sageMaker.send(
            new StartPipelineExecutionCommand({
              PipelineName: config.pipelineName,
              ClientRequestToken: token,
              PipelineExecutionDisplayName: displayName,
              PipelineExecutionDescription: triggerReason,
              PipelineParameters: [
                { Name: 'InputDataUrl', Value: `s3://${config.inputBucket}/${config.inputPrefix}` },
                { Name: 'TriggerReason', Value: triggerReason },
              ],
            }),
          ),
        retryOptions('StartPipelineExecution'),
      );
      return { started: true, executionArn: output.PipelineExecutionArn ?? '' };
    } catch (error) {
      const name = (error as Error).name;
      if (name === 'ConflictException') {
        return { started: false, detail: `SageMaker reported a conflicting execution: ${(error as Error).message}` };
      }
      logger.error('SageMaker did not start the pipeline', {
        pipeline: config.pipelineName,
        errorName: name,
        error: error as Error,
      });
      throw error;
    }
  }

  /**
   * The newest running execution, if any. The check only saves a redundant run, so if it fails for another
   * reason than a retryable one the trigger goes on and starts (the token still prevents duplicates).
   */
  async function findRunningExecution(): Promise<PipelineExecutionSummary | undefined> {
    try {
      const { PipelineExecutionSummaries = [] } = await withRetries(
        () =>
          deps.sageMaker.send(
            new ListPipelineExecutionsCommand({
              PipelineName: config.pipelineName,
              SortBy: 'CreationTime',
              SortOrder: 'Descending',
              MaxResults: 10,
            }),
          ),
        retryOptions('ListPipelineExecutions'),
      );
      return PipelineExecutionSummaries.find((s) => RUNNING.has(s.PipelineExecutionStatus ?? ''));
    } catch (error) {
      logger.warn('could not list running executions; starting anyway', {
        errorName: (error as Error).name,
        error: error as Error,
      });
      return undefined;
    }
  }

  function retryOptions(operation: string): RetryOptions {
    return {
      ...deps.retry,
      onRetry: (error, attempt, delayMs) =>
        logger.warn('retrying a SageMaker call', {
          operation,
          attempt,
          delayMs,
          errorName: (error as Error).name,
        }),
    };
  }

  return async function handler(event: unknown, context: Context): Promise<TriggerResult> {
    logger.addContext(context);
    const parsed = parseEvent(event, { bucket: config.inputBucket, prefix: config.inputPrefix });
    if (!parsed.ok) {
      const result: TriggerResult = { action: 'skip', reason: parsed.reason, detail: parsed.detail };
      record(result, { eventId: eventIdOf(event) }, 'warn');
      return result;
    }
    idempotency.registerLambdaContext(context);
    const invocation: Invocation = { object: parsed.object, processed: false };
    const result = await processOnce(parsed.event, invocation);
    if (invocation.processed) return result;
    const duplicate: TriggerResult = {
      action: 'skip',
      reason: 'duplicate',
      detail: `this object version was processed before: ${result.action} (${result.reason})`,
      duplicate: true,
    };
    record(duplicate, {
      object: { bucket: parsed.object.bucket, key: parsed.object.key, eventId: parsed.object.eventId },
      firstResult: result,
    });
    return duplicate;
  };
}

function eventIdOf(event: unknown): unknown {
  return typeof event === 'object' && event !== null ? (event as { id?: unknown }).id : undefined;
}
