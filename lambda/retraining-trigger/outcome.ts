/**
 * The outcome of a retraining run, joined back onto the loop's decision (stage 5): the champion/challenger gate of
 * the training pipeline publishes a `Promotion Verdict` event naming the pipeline execution that produced the
 * version; the loop keeps it keyed by that execution and joins it onto the decision record that started it. Pure:
 * no I/O, no clock.
 */

/** The platform's Promotion Verdict event (lib/vocabulary.ts `PLATFORM_EVENT_TYPES.promotionVerdict`). */
export const PROMOTION_VERDICT_EVENT = 'Promotion Verdict';

/** A verdict of the gate, as far as the loop reads it (ml/mlops_shared/promotion.py `apply_verdict`). */
export interface Verdict {
  /** The EventBridge event id. */
  readonly id: string;
  readonly environment: string;
  readonly model: string;
  /** When the gate judged (ISO 8601). */
  readonly eventTime: string;
  readonly modelPackageArn: string;
  /** The pipeline execution that produced the version; undefined from a gate that does not say it. */
  readonly pipelineExecutionArn?: string;
  /** `approve` or `reject`: what the comparison says. */
  readonly decision: string;
  /** `approved`, `rejected`, `awaiting-approver` or `recorded-only`: what the gate did about it. */
  readonly action: string;
  readonly reason: string;
  readonly metric?: string;
  readonly challengerScore?: number | null;
  readonly championScore?: number | null;
}

export type ParsedVerdict =
  | { readonly ok: true; readonly verdict: Verdict }
  | { readonly ok: false; readonly detail: string };

/**
 * What a run came to: promoted (the gate approved the version), lost (rejected: it did not beat the champion by
 * the margins, or too few samples), awaiting approval (passed, a ModelApprover decides), or recorded (dry run or
 * mode off: judged, not acted on).
 */
export type OutcomeResult = 'promoted' | 'lost' | 'awaiting-approval' | 'recorded';

/** The outcome as the decision record keeps it under `outcome`. */
export interface JoinedOutcome {
  readonly result: OutcomeResult;
  readonly decision: string;
  readonly action: string;
  readonly reason: string;
  readonly modelPackageArn: string;
  readonly metric?: string;
  readonly challengerScore?: number | null;
  readonly championScore?: number | null;
  /** The verdict's `eventTime`. */
  readonly verdictTime: string;
  readonly verdictEventId: string;
}

/** What the loop has stored about one pipeline execution: the decision that started it and its outcome. */
export interface RunRecord {
  readonly executionArn: string;
  /** Key of the loop's decision record that started the execution; undefined while none names it. */
  readonly decisionKey?: string;
  /** The first verdict of the execution. */
  readonly outcome?: JoinedOutcome;
}

/** What to do with a verdict once its execution's run record is stored. */
export type JoinPlan =
  | {
      readonly action: 'join';
      readonly decisionKey: string;
      /** The outcome to join: the first verdict stored for the execution. */
      readonly outcome: JoinedOutcome;
      /** The verdict differs from the one stored first (a re-run of the gate): the first one stays. */
      readonly superseded: boolean;
      readonly detail: string;
    }
  | { readonly action: 'keep'; readonly detail: string };

/** Why the loop leaves a verdict alone before storing anything. */
export type IgnoreReason = 'foreign-verdict' | 'no-execution';

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const isText = (value: unknown): value is string => typeof value === 'string' && value.length > 0;
const score = (value: unknown): number | null | undefined =>
  typeof value === 'number' && Number.isFinite(value) ? value : value === null ? null : undefined;

/** Whether an event is a Promotion Verdict of the platform (whatever its detail holds). */
export function isVerdictEvent(input: unknown, source: string): boolean {
  return isObject(input) && input.source === source && input['detail-type'] === PROMOTION_VERDICT_EVENT;
}

/** The verdict in a Promotion Verdict event; a malformed one is rejected with the reason, never thrown. */
export function parseVerdict(input: Json): ParsedVerdict {
  const malformed = (detail: string): ParsedVerdict => ({ ok: false, detail });
  const detail = input.detail;
  if (!isObject(detail)) return malformed('the verdict event has no detail');
  for (const field of ['environment', 'model', 'eventTime', 'modelPackageArn', 'decision', 'action'] as const) {
    if (!isText(detail[field])) return malformed(`detail.${field} is missing`);
  }
  if (Number.isNaN(Date.parse(detail.eventTime as string))) return malformed('detail.eventTime is not a time');
  const execution = detail.pipelineExecutionArn;
  if (execution !== undefined && execution !== null && !isText(execution)) {
    return malformed('detail.pipelineExecutionArn must be an ARN or null');
  }
  return {
    ok: true,
    verdict: {
      id: isText(input.id) ? input.id : '',
      environment: detail.environment as string,
      model: detail.model as string,
      eventTime: detail.eventTime as string,
      modelPackageArn: detail.modelPackageArn as string,
      pipelineExecutionArn: isText(execution) ? execution : undefined,
      decision: detail.decision as string,
      action: detail.action as string,
      reason: typeof detail.reason === 'string' ? detail.reason : '',
      metric: isText(detail.metric) ? detail.metric : undefined,
      challengerScore: score(detail.challengerScore),
      championScore: score(detail.championScore),
    },
  };
}

/** Whether the loop of `model` in `environment` stores this verdict at all; undefined when it does. */
export function screenVerdict(
  verdict: Verdict,
  own: { readonly model: string; readonly environment: string },
): { readonly reason: IgnoreReason; readonly detail: string } | undefined {
  if (verdict.model !== own.model || verdict.environment !== own.environment) {
    return {
      reason: 'foreign-verdict',
      detail: `the verdict is about ${verdict.model} in ${verdict.environment}, this loop is ${own.model} in ${own.environment}`,
    };
  }
  if (!verdict.pipelineExecutionArn) {
    return {
      reason: 'no-execution',
      detail: `the verdict of ${verdict.modelPackageArn} names no pipeline execution: nothing to join it on`,
    };
  }
  return undefined;
}

/** The outcome a verdict records. */
export function outcomeOf(verdict: Verdict): JoinedOutcome {
  const result: OutcomeResult =
    verdict.action === 'approved'
      ? 'promoted'
      : verdict.action === 'rejected'
        ? 'lost'
        : verdict.action === 'awaiting-approver'
          ? 'awaiting-approval'
          : 'recorded';
  return {
    result,
    decision: verdict.decision,
    action: verdict.action,
    reason: verdict.reason,
    modelPackageArn: verdict.modelPackageArn,
    ...(verdict.metric !== undefined ? { metric: verdict.metric } : {}),
    ...(verdict.challengerScore !== undefined ? { challengerScore: verdict.challengerScore } : {}),
    ...(verdict.championScore !== undefined ? { championScore: verdict.championScore } : {}),
    verdictTime: verdict.eventTime,
    verdictEventId: verdict.id,
  };
}

/** Whether two outcomes come from the same verdict: the same version judged at the same time. */
export function sameVerdict(a: JoinedOutcome, b: JoinedOutcome): boolean {
  return a.modelPackageArn === b.modelPackageArn && a.verdictTime === b.verdictTime;
}

/**
 * Plans the join of a verdict, given its execution's run record as stored after the verdict was kept on it (the
 * first verdict of an execution stays; later ones change nothing). A run record that names the loop's decision is
 * joined onto that decision record; one that names none is kept: either the verdict arrived before the loop
 * recorded its decision (the loop joins it when it does), or the execution was not started by the loop (a
 * schedule, manual or new-data run), whose verdict stays recorded on its own and is never joined.
 */
export function planJoin(verdict: Verdict, run: RunRecord): JoinPlan {
  const outcome = run.outcome ?? outcomeOf(verdict);
  if (!run.decisionKey) {
    return {
      action: 'keep',
      detail: `no decision of the loop names ${run.executionArn} (yet): the verdict is kept, keyed by the execution, and joined if the loop records its decision`,
    };
  }
  const superseded = !sameVerdict(outcome, outcomeOf(verdict));
  return {
    action: 'join',
    decisionKey: run.decisionKey,
    outcome,
    superseded,
    detail: superseded
      ? `${run.executionArn} already has the verdict of ${outcome.verdictTime}; it stays`
      : `${run.executionArn} ${outcome.result}: ${outcome.reason}`,
  };
}
