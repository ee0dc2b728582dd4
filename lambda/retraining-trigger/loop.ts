/**
 * The pure core of the closed retraining loop (stage 5): given the last M windows of the drift contract, what the
 * loop remembers and the month's budget, should drift or falling quality start a training run now? No I/O, no
 * clock: `now` is an argument.
 */

/** Why a window violates: the `TriggerReason` of the run it may start. */
export type ViolationReason = 'drift' | 'quality';

/** One query of a violating window: a metric of the contract and the comparison that makes it a violation. */
export interface EvidenceQuery {
  /** Short id, unique in the policy (letters and digits, starting lower-case), for example `drift`. */
  readonly id: string;
  readonly reason: ViolationReason;
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: Readonly<Record<string, string>>;
  /** CloudWatch statistic of one window, for example `Maximum`. */
  readonly stat: string;
  readonly comparison: 'GreaterThanOrEqualToThreshold' | 'LessThanThreshold';
  readonly threshold: number;
}

/** Where the evidence comes from: the violation queries and, optionally, the sample count of each window. */
export interface EvidenceSource {
  readonly violations: readonly EvidenceQuery[];
  /** The `Samples` metric of the contract; undefined for an engine that does not count (Model Monitor). */
  readonly samples?: Omit<EvidenceQuery, 'reason' | 'comparison' | 'threshold'>;
}

export interface LoopPolicy {
  /** Violating windows (N) a run needs among the last `windows`. */
  readonly violatingWindows: number;
  /** Windows (M) the policy looks back over. */
  readonly windows: number;
  /** Length of one window in minutes (the drift job's period). */
  readonly windowMinutes: number;
  /** Records a window needs to count as violating. */
  readonly minSamples: number;
  /** Minutes after a loop-started run before the next. */
  readonly cooldownMinutes: number;
  readonly maxRunsPerMonth: number;
  readonly maxTrainingInstanceHoursPerMonth: number;
}

/** One window of evidence: when it ended, the values of the queries, and its sample count. */
export interface Window {
  /** Timestamp of the window's datapoints (ISO 8601). */
  readonly time: string;
  /** Value of each violation query, by id. */
  readonly values: Readonly<Record<string, number>>;
  readonly samples?: number;
}

/** A window as the decision record keeps it. */
export interface JudgedWindow extends Window {
  readonly violating: boolean;
  readonly reasons: readonly ViolationReason[];
  /** Fewer samples than the minimum: never violating. */
  readonly insufficientData: boolean;
  /** Older than the last loop-started run: it already counted once. */
  readonly consumed: boolean;
}

/** The month's spend of the model's training pipeline, measured from its executions. */
export interface Budget {
  /** UTC month, `YYYY-MM`. */
  readonly month: string;
  readonly runs: number;
  readonly trainingInstanceHours: number;
}

/** What the loop remembers about one model (one DynamoDB item, written conditionally on `version`). */
export interface LoopState {
  /** Start of the last loop-started run (ISO 8601). */
  readonly lastRunAt?: string;
  /** Windows up to this time counted for a run already. */
  readonly consumedUntil?: string;
  /** A start in progress: who claimed it and until when the claim holds. */
  readonly claim?: { readonly token: string; readonly until: string };
  readonly lastExecutionArn?: string;
}

export type SuppressReason = 'insufficient-evidence' | 'cooldown' | 'budget-exhausted' | 'already-starting';

export interface Evidence {
  readonly windows: readonly JudgedWindow[];
  readonly violating: number;
  readonly required: string;
  /** Measured only when the windows, the claim and the cooldown allow a run. */
  readonly budget?: Budget & {
    readonly maxRuns: number;
    readonly maxTrainingInstanceHours: number;
    readonly runsLeft: number;
    readonly trainingInstanceHoursLeft: number;
  };
  readonly cooldownEndsAt?: string;
}

export type LoopDecision =
  | { readonly action: 'start'; readonly reason: ViolationReason; readonly detail: string; readonly evidence: Evidence }
  | {
      readonly action: 'suppress';
      readonly reason: SuppressReason;
      readonly detail: string;
      readonly evidence: Evidence;
    };

const MINUTE_MS = 60_000;

/** Whether `value` violates `query`. */
export function violates(query: Pick<EvidenceQuery, 'comparison' | 'threshold'>, value: number): boolean {
  return query.comparison === 'GreaterThanOrEqualToThreshold' ? value >= query.threshold : value < query.threshold;
}

/** Judges the newest M windows, newest first. */
export function judgeWindows(
  windows: readonly Window[],
  source: EvidenceSource,
  policy: LoopPolicy,
  state: LoopState,
): JudgedWindow[] {
  const consumedUntil = state.consumedUntil ? Date.parse(state.consumedUntil) : Number.NEGATIVE_INFINITY;
  return [...windows]
    .sort((a, b) => Date.parse(b.time) - Date.parse(a.time))
    .slice(0, policy.windows)
    .map((window) => {
      const reasons = [
        ...new Set(
          source.violations
            .filter((q) => window.values[q.id] !== undefined && violates(q, window.values[q.id] as number))
            .map((q) => q.reason),
        ),
      ];
      const insufficientData = source.samples !== undefined && (window.samples ?? 0) < policy.minSamples;
      const consumed = Date.parse(window.time) <= consumedUntil;
      return {
        ...window,
        reasons,
        insufficientData,
        consumed,
        violating: reasons.length > 0 && !insufficientData && !consumed,
      };
    });
}

/** The UTC month of a time, `YYYY-MM`. */
export function utcMonth(time: Date): string {
  return time.toISOString().slice(0, 7);
}

/**
 * Decides in this order, the first check that fails being the reason of a suppression: N violating windows of the
 * last M (each with at least the minimum samples, none counted for an earlier run), no start in progress, the
 * cooldown since the last loop-started run, the monthly budget of runs and of training instance-hours. A run's
 * reason is `quality` when a violating window's quality fell, `drift` otherwise.
 */
export function decideLoop(input: {
  readonly windows: readonly Window[];
  readonly source: EvidenceSource;
  readonly policy: LoopPolicy;
  readonly state: LoopState;
  /** The month's spend; undefined to decide everything but the budget (a start then needs a second decision). */
  readonly budget?: Budget;
  readonly now: Date;
}): LoopDecision {
  const { policy, state, budget, now } = input;
  const windows = judgeWindows(input.windows, input.source, policy, state);
  const violating = windows.filter((w) => w.violating);
  const cooldownEnds =
    state.lastRunAt !== undefined ? Date.parse(state.lastRunAt) + policy.cooldownMinutes * MINUTE_MS : undefined;
  const evidence: Evidence = {
    windows,
    violating: violating.length,
    required: `${policy.violatingWindows} of ${policy.windows}`,
    ...(budget
      ? {
          budget: {
            ...budget,
            maxRuns: policy.maxRunsPerMonth,
            maxTrainingInstanceHours: policy.maxTrainingInstanceHoursPerMonth,
            runsLeft: Math.max(0, policy.maxRunsPerMonth - budget.runs),
            trainingInstanceHoursLeft: round(
              Math.max(0, policy.maxTrainingInstanceHoursPerMonth - budget.trainingInstanceHours),
            ),
          },
        }
      : {}),
    ...(cooldownEnds !== undefined ? { cooldownEndsAt: new Date(cooldownEnds).toISOString() } : {}),
  };
  const suppress = (reason: SuppressReason, detail: string): LoopDecision => ({
    action: 'suppress',
    reason,
    detail,
    evidence,
  });
  const windowsText = `${violating.length} of the last ${windows.length} windows violate (${evidence.required} needed)`;

  if (violating.length < policy.violatingWindows) return suppress('insufficient-evidence', windowsText);
  if (state.claim && Date.parse(state.claim.until) > now.getTime()) {
    return suppress(
      'already-starting',
      `${windowsText}; another decision is starting a run until ${state.claim.until}`,
    );
  }
  if (cooldownEnds !== undefined && now.getTime() < cooldownEnds) {
    return suppress(
      'cooldown',
      `${windowsText}; the last run started at ${state.lastRunAt}, the cooldown of ${policy.cooldownMinutes} minutes ends at ${evidence.cooldownEndsAt}`,
    );
  }
  if (budget === undefined) {
    return { action: 'start', reason: 'drift', detail: `${windowsText}; budget not measured yet`, evidence };
  }
  if (budget.runs >= policy.maxRunsPerMonth) {
    return suppress(
      'budget-exhausted',
      `${windowsText}; ${budget.runs} of ${policy.maxRunsPerMonth} runs used in ${budget.month}`,
    );
  }
  if (budget.trainingInstanceHours >= policy.maxTrainingInstanceHoursPerMonth) {
    return suppress(
      'budget-exhausted',
      `${windowsText}; ${round(budget.trainingInstanceHours)} of ${policy.maxTrainingInstanceHoursPerMonth} training instance-hours used in ${budget.month}`,
    );
  }
  const reason: ViolationReason = violating.some((w) => w.reasons.includes('quality')) ? 'quality' : 'drift';
  return {
    action: 'start',
    reason,
    detail: `${windowsText}; run ${budget.runs + 1} of ${policy.maxRunsPerMonth} in ${budget.month}, ${evidence.budget?.trainingInstanceHoursLeft} training instance-hours left`,
    evidence,
  };
}

/** The problems of a policy, one message each; empty when it is valid. */
export function loopPolicyProblems(policy: LoopPolicy): string[] {
  const problems: string[] = [];
  const whole = (name: keyof LoopPolicy, min: number) => {
    const value = policy[name];
    if (!Number.isSafeInteger(value) || value < min)
      problems.push(`${name} must be a whole number of at least ${min}, got ${value}`);
  };
  whole('violatingWindows', 1);
  whole('windows', 1);
  whole('windowMinutes', 1);
  whole('minSamples', 0);
  whole('cooldownMinutes', 0);
  whole('maxRunsPerMonth', 1);
  if (!(policy.maxTrainingInstanceHoursPerMonth > 0)) {
    problems.push(`maxTrainingInstanceHoursPerMonth must be positive, got ${policy.maxTrainingInstanceHoursPerMonth}`);
  }
  if (problems.length === 0 && policy.violatingWindows > policy.windows) {
    problems.push(`violatingWindows (${policy.violatingWindows}) must be at most windows (${policy.windows})`);
  }
  return problems;
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
