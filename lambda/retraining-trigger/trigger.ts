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
import type { AwsCall } from '../shared/aws-call';
import { type RetryOptions, withRetries } from './clients';
import { DECISION_METRIC, type TriggerConfig } from './config';
import { type ObjectCreatedEvent, parseEvent, type RejectReason } from './events';
import { type createLoop, notifyNonRetryable, PLATFORM_EVENT_SOURCE, parseAlarmEvent } from './loop-runner';
import { isVerdictEvent, parseVerdict } from './outcome';
import { accumulate, type Decision, decide, decidePending, type NewObject, type PolicyReason } from './policy';
import { StateConflictError, type StateStore, type VersionedState } from './state';

/** Every reason a decision can have; the `Reason` dimension of the `RetrainingDecision` metric. */
export type DecisionReason =
  | PolicyReason
  | RejectReason
  | 'already-running'
  | 'duplicate'
  | 'nothing-pending'
  | 'loop-disabled'
  | 'malformed-verdict'
  | 'failed';

/** The event the re-evaluation schedule sends: `detail-type` names it, Scheduler fills in `id` and `time`. */
export const REEVALUATION_DETAIL_TYPE = 'Retraining Reevaluation';

/** Whether an event is the scheduled re-evaluation. */
export function isReevaluation(event: unknown): boolean {
  return (
    typeof event === 'object' &&
    event !== null &&
    (event as Record<string, unknown>)['detail-type'] === REEVALUATION_DETAIL_TYPE
  );
}

/** What the trigger did with one event; also the result stored in its idempotency record. */
export interface TriggerResult {
  /** `outcome`: a Promotion Verdict kept, and joined onto the loop's decision (stage 5). */
  readonly action: 'start' | 'skip' | 'outcome';
  readonly reason: DecisionReason | string;
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
  /** The closed loop (stage 5): alarm state changes and the re-evaluation go to it. */
  readonly loop?: ReturnType<typeof createLoop>;
  /** SNS, to notify the alerts topic of events that no retry would fix. */
  readonly sns?: AwsCall;
}

/** How long a claim to start a run holds: longer than one start with its retries takes. */
const CLAIM_MS = 2 * 60_000;

/** Reads and writes of the end of a start, while others count objects concurrently. */
const SETTLE_ATTEMPTS = 10;

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
    return decideAndAct(object, (state, time) => decide(state, object, config.policy, time), object.eventId);
  }

  /**
   * Decides on the stored state and acts, deciding again when another writer got in between. A start is claimed
   * first with a conditional write, so of two concurrent decisions exactly one calls SageMaker; the pending data
   * is reset only once SageMaker accepted the start, and a failed start leaves the state as it was.
   */
  async function decideAndAct(
    object: NewObject | undefined,
    judge: (state: VersionedState['state'], time: Date) => Decision,
    eventId: string,
  ): Promise<TriggerResult> {
    for (let attempt = 1; ; attempt += 1) {
      const loaded = await deps.store.load(config.modelName);
      const time = now();
      const decision = judge(loaded.state, time);
      const token = object
        ? clientRequestToken(config.pipelineName, object)
        : pendingToken(config.pipelineName, loaded.state);
      // another decision is starting a run; a retry of this very decision (same token) may go on, SageMaker
      // answers the same token with the execution it already started
      const claimed = loaded.claim && loaded.claim.token !== token && Date.parse(loaded.claim.until) > time.getTime();
      const counted = object ? accumulate(loaded.state, object, time) : loaded.state;
      let result: TriggerResult;
      let next: VersionedState;
      if (decision.action === 'skip' || claimed) {
        result =
          decision.action === 'skip'
            ? { action: 'skip', reason: decision.reason, detail: decision.detail }
            : {
                action: 'skip',
                reason: 'already-running',
                detail: `another invocation is starting a run until ${loaded.claim?.until}`,
              };
        next = { ...loaded, state: decision.action === 'skip' ? decision.nextState : counted };
      } else {
        const claim: VersionedState = {
          ...loaded,
          state: counted,
          claim: { token, until: new Date(time.getTime() + CLAIM_MS).toISOString() },
        };
        try {
          await deps.store.save(config.modelName, claim, time);
        } catch (error) {
          if (error instanceof StateConflictError && attempt < STATE_ATTEMPTS) {
            logger.warn('the state changed while deciding; deciding again', { attempt, error: error.message });
            continue;
          }
          throw error;
        }
        let outcome: StartOutcome;
        try {
          outcome = await startPipeline(decision.triggerReason ?? 'new-data', token);
        } catch (error) {
          // nothing is lost: the claim is released and this object's count taken back (Lambda's retry counts it
          // again); what other invocations counted meanwhile stays
          await settle((current) => ({
            ...current,
            claim: undefined,
            state: uncount(current.state, counted, loaded.state),
          }));
          throw error;
        }
        if (!outcome.started) {
          // the data stays pending: the next object or re-evaluation after the running execution ends can start a run
          result = { action: 'skip', reason: 'already-running', detail: outcome.detail };
          next = await settle((current) => ({ ...current, claim: undefined }));
        } else {
          result = {
            action: 'start',
            reason: 'start',
            detail: `${decision.detail}; ${decision.triggerReason}`,
            executionArn: outcome.executionArn,
            clientRequestToken: token,
          };
          // the run trains on what was pending at the claim; objects counted since stay pending for the next one
          const started = outcome.executionArn;
          next = await settle((current) => {
            const after = uncount(current.state, counted, decision.nextState);
            return {
              state: {
                ...decision.nextState,
                pendingObjects: after.pendingObjects,
                pendingBytes: after.pendingBytes,
                pendingSince: after.pendingSince,
              },
              version: current.version,
              lastExecutionArn: started,
            };
          });
        }
        record(result, { ...(object ? objectContext(object) : { trigger: 'schedule', eventId }), state: next.state });
        return result;
      }
      try {
        await deps.store.save(config.modelName, next, time);
      } catch (error) {
        if (error instanceof StateConflictError && attempt < STATE_ATTEMPTS) {
          logger.warn('the state changed while deciding; deciding again', { attempt, error: error.message });
          continue;
        }
        throw error;
      }
      record(result, { ...(object ? objectContext(object) : { trigger: 'schedule', eventId }), state: next.state });
      return result;
    }
  }

  /**
   * Writes the end of a claimed start over whatever the state is now: other invocations may have counted objects
   * while the claim held (they never start), so the write reads, merges and writes conditionally again.
   */
  async function settle(merge: (current: VersionedState) => VersionedState): Promise<VersionedState> {
    for (let attempt = 1; ; attempt += 1) {
      const current = await deps.store.load(config.modelName);
      const next = merge(current);
      try {
        await deps.store.save(config.modelName, next, now());
        return next;
      } catch (error) {
        if (error instanceof StateConflictError && attempt < SETTLE_ATTEMPTS) continue;
        throw error;
      }
    }
  }

  /** Re-evaluates the data already pending; quiet when there is none. */
  async function processPending(eventId: string): Promise<TriggerResult> {
    const loaded = await deps.store.load(config.modelName);
    if (loaded.state.pendingObjects === 0) {
      return { action: 'skip', reason: 'nothing-pending', detail: 'no new data is pending' };
    }
    return decideAndAct(undefined, (state, time) => decidePending(state, config.policy, time), eventId);
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
                // one of schedule, new-data, drift, quality, manual; the numbers are in the description
                { Name: 'TriggerReason', Value: 'new-data' },
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

  /** Runs `work`; an error no retry would fix is sent to the alerts topic with the event instead of thrown. */
  async function guarded(event: unknown, work: () => Promise<TriggerResult>): Promise<TriggerResult> {
    try {
      return await work();
    } catch (error) {
      // a conflict that outlasted the attempts is contention, not a broken event: Lambda's retry decides again
      if (error instanceof StateConflictError) throw error;
      if (
        deps.sns &&
        (await notifyNonRetryable(deps.sns, config.alertsTopicArn, config.modelName, event, error, logger))
      ) {
        const result: TriggerResult = {
          action: 'skip',
          reason: 'failed',
          detail: `${(error as Error).name}: ${(error as Error).message}`,
        };
        record(result, { eventId: eventIdOf(event), notified: true }, 'warn');
        return result;
      }
      throw error;
    }
  }

  return async function handler(event: unknown, context: Context): Promise<TriggerResult> {
    logger.addContext(context);
    const alarm = parseAlarmEvent(event);
    if (alarm) {
      const loop = deps.loop;
      if (!loop) return { action: 'skip', reason: 'loop-disabled', detail: 'this trigger has no retraining loop' };
      return guarded(event, () => loop.onAlarm(alarm));
    }
    if (isVerdictEvent(event, PLATFORM_EVENT_SOURCE)) {
      const loop = deps.loop;
      if (!loop) return { action: 'skip', reason: 'loop-disabled', detail: 'this trigger has no retraining loop' };
      const parsed = parseVerdict(event as Record<string, unknown>);
      if (!parsed.ok) {
        const result: TriggerResult = { action: 'skip', reason: 'malformed-verdict', detail: parsed.detail };
        record(result, { eventId: eventIdOf(event) }, 'warn');
        return result;
      }
      return guarded(event, () => loop.onVerdict(parsed.verdict));
    }
    if (isReevaluation(event)) {
      return guarded(event, async () => {
        const pending = await processPending(String(eventIdOf(event) ?? ''));
        const looped = deps.loop ? await deps.loop.reevaluate() : undefined;
        return looped?.action === 'start' || pending.action !== 'start' ? (looped ?? pending) : pending;
      });
    }
    const parsed = parseEvent(event, { bucket: config.inputBucket, prefix: config.inputPrefix });
    if (!parsed.ok) {
      const result: TriggerResult = { action: 'skip', reason: parsed.reason, detail: parsed.detail };
      record(result, { eventId: eventIdOf(event) }, 'warn');
      return result;
    }
    idempotency.registerLambdaContext(context);
    const invocation: Invocation = { object: parsed.object, processed: false };
    const result = await guarded(event, () => processOnce(parsed.event, invocation));
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

/**
 * `current` without what `claimed` added over `base`: the pending objects and bytes counted since `base`, minus
 * the ones the claim held, on top of `base`. With `base` the reset state of a start, what arrived after the claim.
 */
export function uncount(
  current: VersionedState['state'],
  claimed: VersionedState['state'],
  base: VersionedState['state'],
): VersionedState['state'] {
  const objects = Math.max(0, current.pendingObjects - claimed.pendingObjects) + base.pendingObjects;
  const bytes = Math.max(0, current.pendingBytes - claimed.pendingBytes) + base.pendingBytes;
  return {
    ...current,
    pendingObjects: objects,
    pendingBytes: bytes,
    pendingSince: objects > 0 ? (base.pendingSince ?? current.pendingSince) : undefined,
  };
}

function objectContext(object: NewObject): Record<string, unknown> {
  return { object: { bucket: object.bucket, key: object.key, size: object.size, eventId: object.eventId } };
}

/** The token of a run the re-evaluation starts: the pending data, named by its oldest object and its amount. */
function pendingToken(pipelineName: string, state: VersionedState['state']): string {
  return createHash('sha256')
    .update([pipelineName, 'pending', state.pendingSince ?? '', state.pendingObjects, state.pendingBytes].join('\n'))
    .digest('hex');
}

function eventIdOf(event: unknown): unknown {
  return typeof event === 'object' && event !== null ? (event as { id?: unknown }).id : undefined;
}
