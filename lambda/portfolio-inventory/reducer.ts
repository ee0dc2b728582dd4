import type { CatalogModel } from './catalog';
import type { AlarmKind, Observation, Point } from './events';

/**
 * The inventory's pure core: one record per model and environment, and how one observation changes it.
 *
 * Events arrive late, out of order and more than once. Every field therefore keeps the stamp (event time, then
 * event id) of the observation that wrote it, and an observation changes a field only if its stamp is newer: the
 * last writer by event time wins, whatever the order of arrival, and a duplicate (same stamp) changes nothing.
 * Values that have several keys (model package versions, alarms) are kept per key, and what the record shows
 * (registered, approved version, drift state) is derived from them, so no single event has to know the whole
 * story. Trends keep the newest points by time, merged by key. Folding any permutation of a multiset of events,
 * with or without duplicates, ends in the same record (test/lambda/portfolio-inventory/replay.test.ts).
 */

/** A field value with the stamp of the observation that wrote it. */
export interface Stamped<T> {
  readonly stamp: string;
  readonly value: T;
}

export interface PackageVersion {
  readonly status: string;
  readonly arn?: string;
}

export interface Verdict {
  readonly decision: string;
  readonly reason?: string;
  readonly version?: number;
  readonly metric?: string;
  readonly score?: number;
}

export interface Rollout {
  readonly outcome: string;
  readonly version?: number;
  readonly arn?: string;
}

export interface TrainingRun {
  readonly executionArn: string;
  readonly status: string;
  readonly startedAt: string;
  readonly triggerReason?: string;
}

export interface AlarmState {
  readonly state: string;
  readonly kind: AlarmKind;
}

/** The worst state of a set of alarms: `ALARM`, else `INSUFFICIENT_DATA`, else `OK`; `none` without alarms. */
export type Health = 'ALARM' | 'INSUFFICIENT_DATA' | 'OK' | 'none';

/** The inventory's record of one model in one environment (the DynamoDB item, keys included). */
export interface PortfolioRecord {
  readonly model: string;
  readonly environment: string;
  readonly account: string;
  readonly region: string;
  /** From the config, at the last write. */
  readonly owner?: string;
  readonly lifecycle: string;
  /** Every version of the model package group seen, by version number, with its approval status. */
  readonly versions: Readonly<Record<string, Stamped<PackageVersion>>>;
  /** The highest version registered. */
  readonly registeredVersion?: number;
  /** The highest version whose status is Approved. */
  readonly approvedVersion?: number;
  /** The last rollout that succeeded: the version the endpoint serves. */
  readonly served?: Stamped<Rollout>;
  /** The last rollout, whatever its outcome. */
  readonly lastRollout?: Stamped<Rollout>;
  readonly endpoint?: Stamped<{ readonly name: string; readonly status: string }>;
  readonly verdict?: Stamped<Verdict>;
  /** The newest training run (by start time), with its status and trigger reason. */
  readonly training?: Stamped<TrainingRun>;
  readonly retraining?: Stamped<{ readonly decision: string; readonly reason?: string }>;
  /** Every alarm of the model seen, by name. */
  readonly alarms: Readonly<Record<string, Stamped<AlarmState>>>;
  /** The worst state of the drift and quality alarms. */
  readonly drift: Health;
  /** The worst state of all the model's alarms. */
  readonly alarm: Health;
  /** Spend to date, when a cost reader has recorded it. */
  readonly cost?: Stamped<{ readonly amount: number; readonly currency: string }>;
  /** Trends, newest {@link TREND_POINTS} points each. */
  readonly trends: {
    readonly metric: readonly Point[];
    readonly drift: readonly Point[];
    readonly cost: readonly Point[];
  };
  /** The newest event time folded in. */
  readonly lastEventAt: string;
}

/** Points kept per trend. */
export const TREND_POINTS = 60;
/** Versions of a model kept in the record, the newest by number. */
export const VERSIONS_KEPT = 50;

/** The empty record of a model in an environment. */
export function emptyRecord(o: Pick<Observation, 'model' | 'environment' | 'account' | 'region'>): PortfolioRecord {
  return {
    model: o.model,
    environment: o.environment,
    account: o.account,
    region: o.region,
    lifecycle: 'active',
    versions: {},
    alarms: {},
    drift: 'none',
    alarm: 'none',
    trends: { metric: [], drift: [], cost: [] },
    lastEventAt: '',
  };
}

/** A field after an observation: the newer of the two by stamp. */
function newer<T>(current: Stamped<T> | undefined, stamp: string, value: T): Stamped<T> {
  return current !== undefined && current.stamp >= stamp ? current : { stamp, value };
}

/** The newest `limit` points of both lists, one per time (the larger value when two share a time), oldest first. */
export function mergePoints(a: readonly Point[], b: readonly Point[], limit = TREND_POINTS): Point[] {
  const byTime = new Map<string, number>();
  for (const p of [...a, ...b]) byTime.set(p.at, Math.max(byTime.get(p.at) ?? Number.NEGATIVE_INFINITY, p.value));
  return [...byTime]
    .sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))
    .slice(-limit)
    .map(([at, value]) => ({ at, value }));
}

function worst(states: readonly string[]): Health {
  if (states.length === 0) return 'none';
  if (states.includes('ALARM')) return 'ALARM';
  if (states.includes('INSUFFICIENT_DATA')) return 'INSUFFICIENT_DATA';
  return 'OK';
}

function keepNewestVersions(
  versions: Record<string, Stamped<PackageVersion>>,
): Record<string, Stamped<PackageVersion>> {
  const kept = Object.keys(versions)
    .map(Number)
    .sort((x, y) => y - x)
    .slice(0, VERSIONS_KEPT);
  return Object.fromEntries(kept.map((v) => [String(v), versions[String(v)] as Stamped<PackageVersion>]));
}

/** What the record shows, derived from its keyed fields. */
function derive(record: PortfolioRecord): PortfolioRecord {
  const numbers = Object.keys(record.versions).map(Number);
  const approved = numbers.filter((v) => record.versions[String(v)]?.value.status === 'Approved');
  const alarms = Object.values(record.alarms);
  return {
    ...record,
    registeredVersion: numbers.length > 0 ? Math.max(...numbers) : undefined,
    approvedVersion: approved.length > 0 ? Math.max(...approved) : undefined,
    drift: worst(alarms.filter((a) => a.value.kind !== 'operational').map((a) => a.value.state)),
    alarm: worst(alarms.map((a) => a.value.state)),
  };
}

/**
 * The record after one observation. Pure and deterministic; `model` is what the config says of the model now
 * (owner, lifecycle), written at every change.
 */
export function reduce(current: PortfolioRecord | undefined, o: Observation, model?: CatalogModel): PortfolioRecord {
  const base = current ?? emptyRecord(o);
  const { stamp, change } = o;
  let next: PortfolioRecord = {
    ...base,
    owner: model?.owner ?? base.owner,
    lifecycle: model?.lifecycle ?? base.lifecycle,
    lastEventAt: [o.at, base.lastEventAt].sort().at(-1) ?? o.at,
  };
  switch (change.kind) {
    case 'package': {
      const key = String(change.version);
      const value: PackageVersion = { status: change.status, arn: change.arn };
      next = {
        ...next,
        versions: keepNewestVersions({ ...next.versions, [key]: newer(next.versions[key], stamp, value) }),
      };
      break;
    }
    case 'endpoint':
      next = { ...next, endpoint: newer(next.endpoint, stamp, { name: change.name, status: change.status }) };
      break;
    case 'training': {
      // the newest run is the one that started last; within a run, the newest status
      const runStamp = `${change.startedAt}#${stamp}`;
      const value: TrainingRun = {
        executionArn: change.executionArn,
        status: change.status,
        startedAt: change.startedAt,
        triggerReason: change.triggerReason,
      };
      const training = newer(next.training, runStamp, value);
      next = { ...next, training };
      break;
    }
    case 'alarm': {
      const alarms = {
        ...next.alarms,
        [change.name]: newer(next.alarms[change.name], stamp, { state: change.state, kind: change.alarmKind }),
      };
      const drift =
        change.alarmKind === 'drift' ? mergePoints(next.trends.drift, change.datapoints) : next.trends.drift;
      next = { ...next, alarms, trends: { ...next.trends, drift } };
      break;
    }
    case 'verdict': {
      const { kind: _kind, ...verdict } = change;
      const metric =
        change.score !== undefined
          ? mergePoints(next.trends.metric, [{ at: o.at, value: change.score }])
          : next.trends.metric;
      next = { ...next, verdict: newer(next.verdict, stamp, verdict), trends: { ...next.trends, metric } };
      break;
    }
    case 'rollout': {
      const { kind: _kind, ...rollout } = change;
      next = {
        ...next,
        lastRollout: newer(next.lastRollout, stamp, rollout),
        served: /^succeeded$/i.test(change.outcome) ? newer(next.served, stamp, rollout) : next.served,
      };
      break;
    }
    case 'retraining':
      next = {
        ...next,
        retraining: newer(next.retraining, stamp, { decision: change.decision, reason: change.reason }),
      };
      break;
  }
  return stripUndefined(derive(next));
}

/** The record without undefined fields: what DynamoDB stores and returns, so that records compare equal. */
export function stripUndefined<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** Whether two records hold the same data. */
export function sameRecord(a: PortfolioRecord | undefined, b: PortfolioRecord): boolean {
  return a !== undefined && canonical(a) === canonical(b);
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    return `{${Object.keys(value)
      .sort()
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}
