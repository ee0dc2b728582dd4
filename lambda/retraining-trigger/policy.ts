/**
 * The pure decision core of the retraining trigger: given what the trigger remembers, one new object and the
 * policy, should the training pipeline start now? No I/O, no clock: `now` is an argument.
 */

/** Minutes after midnight UTC; `end` is exclusive. A window whose end is before its start crosses midnight. */
export interface TimeWindow {
  readonly startMinute: number;
  readonly endMinute: number;
}

/** When new data may start a retraining run. */
export interface RetrainingPolicy {
  /** New objects since the last run needed to start one (at least 1). */
  readonly minNewObjects: number;
  /** New bytes since the last run needed to start one (0: any size). Both minimums must be met. */
  readonly minNewBytes: number;
  /** Minutes after a data-triggered run before the next one may start. */
  readonly cooldownMinutes: number;
  /** Data-triggered runs per UTC day. */
  readonly maxRunsPerDay: number;
  /** UTC time of day in which a run may start; undefined: any time. */
  readonly allowedWindow?: TimeWindow;
}

/** What the trigger remembers about one model (one DynamoDB item). */
export interface TriggerState {
  /** Objects that arrived since the last run. */
  readonly pendingObjects: number;
  /** Bytes that arrived since the last run. */
  readonly pendingBytes: number;
  /** Event time (ISO-8601) of the oldest object not trained on yet. */
  readonly pendingSince?: string;
  /** Start time (ISO-8601) of the last data-triggered run. */
  readonly lastRunAt?: string;
  /** UTC day (YYYY-MM-DD) that `runsToday` counts. */
  readonly runsDay?: string;
  /** Data-triggered runs on `runsDay`. */
  readonly runsToday: number;
}

export const INITIAL_STATE: TriggerState = { pendingObjects: 0, pendingBytes: 0, runsToday: 0 };

/** A new object under the watched prefix, from a validated S3 "Object Created" event. */
export interface NewObject {
  readonly bucket: string;
  readonly key: string;
  readonly size: number;
  /** Orders the events of one key; a new version of the object has a new sequencer. */
  readonly sequencer: string;
  readonly etag?: string;
  /** Event time, ISO-8601. */
  readonly eventTime: string;
  /** EventBridge event id. */
  readonly eventId: string;
}

/** Why the trigger started a run or not; also the `Reason` dimension of the decision metric. */
export type PolicyReason = 'start' | 'below-minimum' | 'outside-window' | 'cooldown' | 'daily-cap';

export interface Decision {
  readonly action: 'start' | 'skip';
  readonly reason: PolicyReason;
  /** The state to store: the object counted as pending on a skip, everything reset on a start. */
  readonly nextState: TriggerState;
  /** One sentence for the decision log, with the numbers that led to it. */
  readonly detail: string;
  /** For a start: the `TriggerReason` pipeline parameter, for example `new-data: 12 objects, 3.4 MB since ...`. */
  readonly triggerReason?: string;
}

const MINUTE_MS = 60_000;
const WINDOW = /^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)$/;

/**
 * Parses a UTC window such as `02:00-06:00` (start inclusive, end exclusive) or `22:00-02:00` (crosses midnight).
 * An empty string means no window. Throws on anything else.
 */
export function parseWindow(text: string): TimeWindow | undefined {
  const trimmed = text.trim();
  if (trimmed === '') return undefined;
  const match = WINDOW.exec(trimmed);
  if (!match) throw new Error(`allowed window must look like 'HH:MM-HH:MM' (UTC), got '${text}'`);
  const [, startHour, startMinute, endHour, endMinute] = match.map(Number);
  const window = { startMinute: startHour * 60 + startMinute, endMinute: endHour * 60 + endMinute };
  if (window.startMinute === window.endMinute) {
    throw new Error(`allowed window must not start and end at the same time, got '${text}'`);
  }
  return window;
}

export function formatWindow(window: TimeWindow): string {
  const hhmm = (minutes: number) =>
    `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
  return `${hhmm(window.startMinute)}-${hhmm(window.endMinute)}`;
}

export function isInsideWindow(window: TimeWindow, now: Date): boolean {
  const minute = now.getUTCHours() * 60 + now.getUTCMinutes();
  return window.startMinute < window.endMinute
    ? minute >= window.startMinute && minute < window.endMinute
    : minute >= window.startMinute || minute < window.endMinute;
}

type PolicyLimit = 'minNewObjects' | 'minNewBytes' | 'cooldownMinutes' | 'maxRunsPerDay';

/**
 * Every problem of a policy's limits, one message each; empty when they are valid. A limit that is not a number
 * (NaN) is left to the caller, which reports why it could not read it.
 * @param names how to call each limit in the messages, such as the environment variable that sets it
 */
export function policyProblems(
  policy: RetrainingPolicy,
  names: Readonly<Record<PolicyLimit, string>> = {
    minNewObjects: 'minNewObjects',
    minNewBytes: 'minNewBytes',
    cooldownMinutes: 'cooldownMinutes',
    maxRunsPerDay: 'maxRunsPerDay',
  },
): string[] {
  const minimums: Record<PolicyLimit, number> = {
    minNewObjects: 1,
    minNewBytes: 0,
    cooldownMinutes: 0,
    maxRunsPerDay: 1,
  };
  const problems: string[] = [];
  for (const [limit, min] of Object.entries(minimums) as [PolicyLimit, number][]) {
    const value = policy[limit];
    if (Number.isNaN(value)) continue;
    if (!Number.isSafeInteger(value) || value < min) {
      problems.push(`${names[limit]} must be a whole number of at least ${min}, got ${value}`);
    }
  }
  return problems;
}

/** The UTC day of a time, `YYYY-MM-DD`. */
export function utcDay(time: Date): string {
  return time.toISOString().slice(0, 10);
}

/** The state with one more pending object, and the runs count of another day reset. */
export function accumulate(state: TriggerState, object: NewObject, now: Date): TriggerState {
  const today = utcDay(now);
  return {
    ...state,
    pendingObjects: state.pendingObjects + 1,
    pendingBytes: state.pendingBytes + object.size,
    pendingSince: state.pendingSince ?? object.eventTime,
    runsDay: today,
    runsToday: state.runsDay === today ? state.runsToday : 0,
  };
}

/**
 * Decides whether `object` starts a retraining run. The checks run in this order, and the first that fails is
 * the reason of the skip: both minimums, the allowed window, the cooldown since the last data-triggered run
 * (a run may start exactly when it ends), the daily cap.
 */
export function decide(state: TriggerState, object: NewObject, policy: RetrainingPolicy, now: Date): Decision {
  return judgePending(state, accumulate(state, object, now), policy, now);
}

/**
 * Decides on the data already pending, without a new object: the scheduled re-evaluation, so data that arrived
 * during a cooldown or outside the window starts a run once they end, not only when more data arrives.
 */
export function decidePending(state: TriggerState, policy: RetrainingPolicy, now: Date): Decision {
  const today = utcDay(now);
  const pending = { ...state, runsDay: today, runsToday: state.runsDay === today ? state.runsToday : 0 };
  return judgePending(state, pending, policy, now);
}

function judgePending(state: TriggerState, pending: TriggerState, policy: RetrainingPolicy, now: Date): Decision {
  const amount = `${pending.pendingObjects} objects, ${formatBytes(pending.pendingBytes)}`;
  const skip = (reason: PolicyReason, detail: string): Decision => ({
    action: 'skip',
    reason,
    nextState: pending,
    detail,
  });

  if (pending.pendingObjects < policy.minNewObjects || pending.pendingBytes < policy.minNewBytes) {
    return skip(
      'below-minimum',
      `${amount} pending; a run needs ${policy.minNewObjects} objects and ${formatBytes(policy.minNewBytes)}`,
    );
  }
  if (policy.allowedWindow && !isInsideWindow(policy.allowedWindow, now)) {
    return skip(
      'outside-window',
      `${amount} pending; runs may start only in ${formatWindow(policy.allowedWindow)} UTC`,
    );
  }
  if (state.lastRunAt !== undefined) {
    const cooldownEnds = Date.parse(state.lastRunAt) + policy.cooldownMinutes * MINUTE_MS;
    if (now.getTime() < cooldownEnds) {
      return skip(
        'cooldown',
        `${amount} pending; the last run started at ${state.lastRunAt}, the cooldown of ${policy.cooldownMinutes} minutes ends at ${new Date(cooldownEnds).toISOString()}`,
      );
    }
  }
  if (pending.runsToday >= policy.maxRunsPerDay) {
    return skip('daily-cap', `${amount} pending; ${pending.runsToday} of ${policy.maxRunsPerDay} runs today`);
  }

  const triggerReason = `new-data: ${amount} since ${pending.pendingSince}`;
  return {
    action: 'start',
    reason: 'start',
    nextState: {
      pendingObjects: 0,
      pendingBytes: 0,
      lastRunAt: now.toISOString(),
      runsDay: pending.runsDay,
      runsToday: pending.runsToday + 1,
    },
    detail: `${amount} pending; run ${pending.runsToday + 1} of ${policy.maxRunsPerDay} today`,
    triggerReason,
  };
}

/** Bytes in decimal units with one decimal, for logs and the trigger reason: `3.4 MB`. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit]}`;
}
