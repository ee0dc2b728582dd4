import { createHash } from 'node:crypto';
import type { Logger } from '@aws-lambda-powertools/logger';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { type SageMakerClient, StartPipelineExecutionCommand } from '@aws-sdk/client-sagemaker';
import type { AwsCall } from '../shared/aws-call';
import { isRetryable, type RetryOptions, withRetries } from './clients';
import { DECISION_METRIC, OUTCOME_METRIC, SUPPRESSED_METRIC, type TriggerConfig } from './config';
import { fetchWindows, measureBudget } from './evidence';
import { type Budget, decideLoop, type LoopDecision } from './loop';
import type { JoinWrite, LoopStore } from './loop-state';
import { type JoinedOutcome, outcomeOf, planJoin, screenVerdict, type Verdict } from './outcome';
import { StateConflictError } from './state';

/** The platform's event contract (lib/vocabulary.ts spells the same; a test keeps them equal). */
export const PLATFORM_EVENT_SOURCE = 'mlops.platform';
export const RETRAINING_DECISION_EVENT = 'Retraining Decision';

/** How long a claim to start a run holds: longer than one start with its retries takes. */
const CLAIM_MS = 2 * 60_000;
const STATE_ATTEMPTS = 3;

/** What the loop did with one event. */
export interface LoopResult {
  /** `outcome`: a verdict of the gate, kept and (when the loop started its execution) joined. */
  readonly action: 'start' | 'skip' | 'outcome';
  readonly reason: string;
  readonly detail: string;
  readonly executionArn?: string;
}

export interface LoopDependencies {
  readonly config: TriggerConfig;
  readonly sageMaker: SageMakerClient;
  readonly store: LoopStore;
  readonly cloudWatch: AwsCall;
  readonly eventBridge: AwsCall;
  readonly sns: AwsCall;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly retry: RetryOptions;
  readonly now?: () => Date;
}

/** A CloudWatch "Alarm State Change" event, as far as the loop reads it. */
export interface AlarmStateChange {
  readonly id: string;
  readonly alarmName: string;
  readonly state: string;
}

/** The alarm state change in an event, or undefined when the event is not one. */
export function parseAlarmEvent(input: unknown): AlarmStateChange | undefined {
  if (typeof input !== 'object' || input === null) return undefined;
  const event = input as Record<string, unknown>;
  if (event.source !== 'aws.cloudwatch' || event['detail-type'] !== 'CloudWatch Alarm State Change') return undefined;
  const detail = event.detail as Record<string, unknown> | undefined;
  const state = (detail?.state as Record<string, unknown> | undefined)?.value;
  if (typeof detail?.alarmName !== 'string' || typeof state !== 'string') return undefined;
  return { id: String(event.id ?? ''), alarmName: detail.alarmName, state };
}

/** Whether the loop follows this alarm: by name, or by prefix for a name ending in `*`. */
export function followsAlarm(alarms: readonly string[], alarmName: string): boolean {
  return alarms.some((name) => (name.endsWith('*') ? alarmName.startsWith(name.slice(0, -1)) : alarmName === name));
}

/**
 * The closed loop: on an alarm's state change, or on the scheduled re-evaluation, it reads the last M windows and
 * the month's budget, decides with the pure core, and starts the pipeline with `TriggerReason` drift or quality.
 * A start is claimed first with a conditional write, so of two concurrent decisions exactly one starts; the
 * windows are marked as counted only after SageMaker accepted the start. Every decision, started or suppressed, is
 * logged, counted, kept with its evidence in the table and sent as a platform event.
 */
export function createLoop(deps: LoopDependencies) {
  const { config, logger } = deps;
  const now = deps.now ?? (() => new Date());
  if (!config.loop) throw new Error('createLoop needs the loop configuration (LOOP_POLICY)');
  const loop = config.loop;

  async function evaluate(trigger: string, quietWithoutViolations: boolean): Promise<LoopResult> {
    for (let attempt = 1; ; attempt += 1) {
      const time = now();
      const loaded = await deps.store.load(config.modelName);
      const windows = await fetchWindows(deps.cloudWatch, loop.evidence, loop.policy, time);
      const decide = (budget?: Budget) =>
        decideLoop({ windows, source: loop.evidence, policy: loop.policy, state: loaded.state, budget, now: time });
      // the budget is measured from the month's executions only when nothing else holds the run back
      const preliminary = decide();
      const decision =
        preliminary.action === 'start'
          ? decide(await measureBudget(deps.sageMaker, config.pipelineName, time))
          : preliminary;
      if (decision.action === 'suppress') {
        if (quietWithoutViolations && decision.evidence.violating === 0) {
          return { action: 'skip', reason: 'no-violations', detail: decision.detail };
        }
        await record(decision, trigger, time);
        return { action: 'skip', reason: decision.reason, detail: decision.detail };
      }

      // the newest violating window names the run: the same evidence gives the same token, and SageMaker
      // returns the execution it already started instead of starting another
      const newest = decision.evidence.windows.find((w) => w.violating)?.time ?? time.toISOString();
      const token = createHash('sha256').update([config.pipelineName, 'loop', newest].join('\n')).digest('hex');
      let claimedVersion: number;
      try {
        claimedVersion = await deps.store.save(
          config.modelName,
          { ...loaded.state, claim: { token, until: new Date(time.getTime() + CLAIM_MS).toISOString() } },
          loaded.version,
          time,
        );
      } catch (error) {
        if (error instanceof StateConflictError && attempt < STATE_ATTEMPTS) {
          logger.warn('the loop state changed while deciding; deciding again', { attempt });
          continue;
        }
        throw error;
      }

      let executionArn: string;
      try {
        executionArn = await start(decision, token);
      } catch (error) {
        // the windows stay uncounted: release the claim, so the next evaluation can start again
        await deps.store.save(config.modelName, loaded.state, claimedVersion, now());
        throw error;
      }
      await deps.store.save(
        config.modelName,
        { lastRunAt: time.toISOString(), consumedUntil: newest, lastExecutionArn: executionArn },
        claimedVersion,
        now(),
      );
      await record(decision, trigger, time, executionArn);
      return { action: 'start', reason: decision.reason, detail: decision.detail, executionArn };
    }
  }

  async function start(decision: LoopDecision & { action: 'start' }, token: string): Promise<string> {
    const output = await withRetries(
      () =>
        deps.sageMaker.send(
          new StartPipelineExecutionCommand({
            PipelineName: config.pipelineName,
            ClientRequestToken: token,
            PipelineExecutionDisplayName: `${decision.reason}-${token.slice(0, 40)}`,
            PipelineExecutionDescription: `${decision.reason}: ${decision.detail}`.slice(0, 3072),
            PipelineParameters: [{ Name: 'TriggerReason', Value: decision.reason }],
          }),
        ),
      {
        ...deps.retry,
        onRetry: (error, attempt, delayMs) =>
          logger.warn('retrying StartPipelineExecution', { attempt, delayMs, errorName: (error as Error).name }),
      },
    );
    return output.PipelineExecutionArn ?? '';
  }

  /** Logs, counts, keeps and announces one decision. */
  async function record(decision: LoopDecision, trigger: string, time: Date, executionArn?: string): Promise<void> {
    const action = decision.action;
    logger.info('retraining decision', {
      decision: action,
      reason: decision.reason,
      detail: decision.detail,
      trigger,
      executionArn,
      evidence: decision.evidence,
    });
    const metric = deps.metrics.singleMetric();
    metric.addDimensions({ Decision: action, Reason: decision.reason });
    metric.addMetric(DECISION_METRIC, MetricUnit.Count, 1);
    if (action === 'suppress') {
      const suppressed = deps.metrics.singleMetric();
      suppressed.addDimensions({ Reason: decision.reason });
      suppressed.addMetric(SUPPRESSED_METRIC, MetricUnit.Count, 1);
    }
    const detail = {
      project: config.projectName ?? '',
      environment: config.environmentName ?? '',
      model: config.modelName,
      eventTime: time.toISOString(),
      decision: action,
      reason: decision.reason,
      triggerReason: action === 'start' ? decision.reason : undefined,
      trigger,
      detail: decision.detail,
      pipelineName: config.pipelineName,
      executionArn,
      evidence: decision.evidence,
    };
    const key = await deps.store.record(config.modelName, time, `${action}-${decision.reason}`, detail);
    if (executionArn) {
      // a verdict that arrived before this record was kept on the execution's run record: join it now
      const run = await deps.store.noteDecision(config.modelName, executionArn, key, time);
      if (run.outcome) await join(key, run.outcome, executionArn, 'decision');
    }
    const output = await deps.eventBridge('PutEvents', {
      Entries: [
        {
          Source: PLATFORM_EVENT_SOURCE,
          DetailType: RETRAINING_DECISION_EVENT,
          Detail: JSON.stringify(detail),
          Resources: executionArn ? [executionArn] : [],
        },
      ],
    });
    if (Number(output.FailedEntryCount ?? 0) > 0) {
      logger.warn('EventBridge did not accept the retraining decision event', { entries: output.Entries });
    }
  }

  /** Joins an outcome onto a decision record (once), counting and logging a join that happened. */
  async function join(
    key: string,
    outcome: JoinedOutcome,
    executionArn: string,
    by: 'verdict' | 'decision',
  ): Promise<JoinWrite> {
    const written = await deps.store.joinOutcome(key, outcome);
    if (written === 'joined') {
      logger.info('retraining outcome joined', { executionArn, decisionKey: key, outcome, joinedBy: by });
      const metric = deps.metrics.singleMetric();
      metric.addDimensions({ Outcome: outcome.result });
      metric.addMetric(OUTCOME_METRIC, MetricUnit.Count, 1);
    } else if (written === 'no-record') {
      logger.warn('the decision record of a run is missing; the outcome stays on the run record', {
        executionArn,
        decisionKey: key,
      });
    }
    return written;
  }

  /**
   * A verdict of the gate: kept on the run record of the execution that produced the version, and joined onto the
   * loop's decision that started it, if any. Idempotent: the first verdict of an execution stays, a join is a
   * conditional write, so a duplicate (or a replay after a failure half-way) changes nothing.
   */
  async function onVerdict(verdict: Verdict): Promise<LoopResult> {
    const ignored = screenVerdict(verdict, { model: config.modelName, environment: config.environmentName ?? '' });
    if (ignored) {
      logger.info('promotion verdict ignored', {
        reason: ignored.reason,
        detail: ignored.detail,
        verdictId: verdict.id,
      });
      return { action: 'skip', reason: ignored.reason, detail: ignored.detail };
    }
    const executionArn = verdict.pipelineExecutionArn as string;
    const run = await deps.store.keepOutcome(config.modelName, executionArn, outcomeOf(verdict), now());
    const plan = planJoin(verdict, run);
    if (plan.action === 'keep') {
      logger.info('retraining outcome kept', { executionArn, outcome: run.outcome, detail: plan.detail });
      return { action: 'outcome', reason: 'outcome-kept', detail: plan.detail, executionArn };
    }
    const written = await join(plan.decisionKey, plan.outcome, executionArn, 'verdict');
    const reason =
      written === 'joined' ? 'outcome-joined' : written === 'already-joined' ? 'outcome-duplicate' : 'outcome-kept';
    return { action: 'outcome', reason, detail: plan.detail, executionArn };
  }

  return {
    /** A Promotion Verdict of the model's gate. */
    onVerdict,
    /** One alarm state change: evaluates when the alarm is one the loop follows and it went into ALARM. */
    async onAlarm(alarm: AlarmStateChange): Promise<LoopResult> {
      if (!followsAlarm(loop.alarms, alarm.alarmName)) {
        return { action: 'skip', reason: 'unknown-alarm', detail: `the loop does not follow alarm ${alarm.alarmName}` };
      }
      if (alarm.state !== 'ALARM') {
        return { action: 'skip', reason: 'not-in-alarm', detail: `alarm ${alarm.alarmName} went to ${alarm.state}` };
      }
      return evaluate(`alarm:${alarm.alarmName}`, false);
    },
    /** The scheduled re-evaluation: quiet unless a window violates. */
    reevaluate(): Promise<LoopResult> {
      return evaluate('schedule', true);
    },
  };
}

/**
 * Notifies the alerts topic of an event the trigger could not process and that a retry would not fix, with the
 * event itself, so nothing is lost even when EventBridge never sends it again.
 */
export async function notifyNonRetryable(
  sns: AwsCall,
  topicArn: string | undefined,
  modelName: string,
  event: unknown,
  error: unknown,
  logger: Logger,
): Promise<boolean> {
  if (isRetryable(error) || !topicArn) return false;
  try {
    await sns('Publish', {
      TopicArn: topicArn,
      Subject: `Retraining trigger of ${modelName} could not process an event`.slice(0, 99),
      Message: JSON.stringify(
        {
          model: modelName,
          error: { name: (error as Error).name, message: (error as Error).message },
          event,
          action: 'Fix the cause, then replay the event (docs/runbooks/retraining-trigger.md)',
        },
        null,
        2,
      ),
    });
    return true;
  } catch (publishError) {
    logger.error('could not notify the alerts topic', { error: publishError as Error });
    return false;
  }
}
