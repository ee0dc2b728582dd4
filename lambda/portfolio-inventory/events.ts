import type { Catalog, CatalogEnvironment, CatalogModel } from './catalog';

/**
 * What the inventory reads from each event it receives. Every event says what changed for one model in one
 * environment; the environment's account must be the event's account, so one platform account cannot speak for
 * another environment.
 */

/** The platform's own events (lib/vocabulary.ts; a test checks that both lists agree). */
export const PLATFORM_EVENT_SOURCE = 'mlops.platform';
export const PLATFORM_EVENT_TYPES = {
  promotionVerdict: 'Promotion Verdict',
  rolloutOutcome: 'Rollout Outcome',
  retrainingDecision: 'Retraining Decision',
} as const;

/** The AWS events the environments forward, by detail type. */
export const AWS_EVENT_TYPES = {
  modelPackage: 'SageMaker Model Package State Change',
  endpoint: 'SageMaker Endpoint State Change',
  endpointDeployment: 'SageMaker Endpoint Deployment State Change',
  pipelineExecution: 'SageMaker Model Building Pipeline Execution Status Change',
  alarm: 'CloudWatch Alarm State Change',
} as const;

/** An EventBridge event as the portfolio bus delivers it. */
export interface InventoryEvent {
  readonly id: string;
  readonly source: string;
  readonly 'detail-type': string;
  readonly account: string;
  readonly region: string;
  readonly time: string;
  readonly detail: unknown;
}

/** A value at a time: one point of a trend. */
export interface Point {
  readonly at: string;
  readonly value: number;
}

/** What an alarm watches, from the suffix of its name (lib/naming.ts: monitoringAlarmNames). */
export type AlarmKind = 'drift' | 'quality' | 'operational';

export type Change =
  | { readonly kind: 'package'; readonly version: number; readonly status: string; readonly arn?: string }
  | { readonly kind: 'endpoint'; readonly name: string; readonly status: string }
  | {
      readonly kind: 'training';
      readonly executionArn: string;
      readonly status: string;
      /** When the execution started: the newest run is the one that started last. */
      readonly startedAt: string;
      /** The run's trigger reason (schedule, new-data, drift, quality, manual, manual-delivery-test, ...), when the starter recorded one. */
      readonly triggerReason?: string;
    }
  | {
      readonly kind: 'alarm';
      readonly name: string;
      readonly alarmKind: AlarmKind;
      readonly state: string;
      /** The alarm's recent datapoints, when the event carries them: a drift alarm's give the drift trend. */
      readonly datapoints: readonly Point[];
    }
  | {
      readonly kind: 'verdict';
      readonly decision: string;
      readonly reason?: string;
      readonly version?: number;
      readonly metric?: string;
      readonly score?: number;
    }
  | { readonly kind: 'rollout'; readonly outcome: string; readonly version?: number; readonly arn?: string }
  | { readonly kind: 'retraining'; readonly decision: string; readonly reason?: string };

/** One event, read: which record it touches, when it happened, and what changed. */
export interface Observation {
  readonly model: string;
  readonly environment: string;
  readonly account: string;
  readonly region: string;
  /** When it happened (ISO 8601, milliseconds, UTC). */
  readonly at: string;
  /**
   * The event's place in the order of one field: its time, then its id, so that two events of the same
   * millisecond still have one order, and a duplicate delivery (same id) has the same place.
   */
  readonly stamp: string;
  readonly change: Change;
}

/** Why an event changes nothing. */
export type IgnoreReason =
  | 'unknown-type'
  | 'malformed'
  | 'other-project'
  | 'unknown-environment'
  | 'unknown-model'
  | 'wrong-account';

export type Reading =
  | { readonly ok: true; readonly observation: Observation }
  | { readonly ok: false; readonly reason: IgnoreReason; readonly detail: string };

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const text = (value: unknown): string | undefined =>
  typeof value === 'string' && value.trim() !== '' ? value : undefined;
const num = (value: unknown): number | undefined => {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  return typeof n === 'number' && Number.isFinite(n) ? n : undefined;
};

/** An ISO 8601 time with milliseconds in UTC, so that times compare as strings; undefined if it is no time. */
/** The version number at the end of a model package ARN, if it has one. */
export function versionOfPackageArn(arn: string | undefined): number | undefined {
  const found = arn && /:model-package\/[^/]+\/(\d+)$/.exec(arn);
  return found ? Number(found[1]) : undefined;
}

export function isoTime(value: unknown): string | undefined {
  if (typeof value !== 'string' && typeof value !== 'number') return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

const ignore = (reason: IgnoreReason, detail: string): Reading => ({ ok: false, reason, detail });

/** Reads one event; never throws. */
export function readEvent(event: unknown, catalog: Catalog): Reading {
  if (
    !isRecord(event) ||
    !isRecord(event.detail) ||
    typeof event.id !== 'string' ||
    typeof event.account !== 'string'
  ) {
    return ignore('malformed', 'not an EventBridge event with an id, an account and a detail');
  }
  const e = event as unknown as InventoryEvent;
  const detail = event.detail;
  const type = e['detail-type'];
  if (e.source === PLATFORM_EVENT_SOURCE) return readPlatformEvent(e, detail, catalog);
  switch (type) {
    case AWS_EVENT_TYPES.modelPackage:
      return readModelPackage(e, detail, catalog);
    case AWS_EVENT_TYPES.endpoint:
    case AWS_EVENT_TYPES.endpointDeployment:
      return readEndpoint(e, detail, catalog);
    case AWS_EVENT_TYPES.pipelineExecution:
      return readPipelineExecution(e, detail, catalog);
    case AWS_EVENT_TYPES.alarm:
      return readAlarm(e, detail, catalog);
    default:
      return ignore('unknown-type', `${String(e.source)} / ${String(type)}`);
  }
}

/** Whose record an event touches, checked against the catalog and the event's account. */
function locate(
  e: InventoryEvent,
  environmentName: string,
  modelName: string,
  at: string | undefined,
  change: Change,
  catalog: Catalog,
): Reading {
  const environment = catalog.environments.find((x) => x.name === environmentName);
  if (!environment) return ignore('unknown-environment', environmentName);
  if (environment.account !== e.account) {
    return ignore(
      'wrong-account',
      `${environmentName} is account ${environment.account}, the event came from ${e.account}`,
    );
  }
  if (!catalog.models.some((m) => m.name === modelName)) return ignore('unknown-model', modelName);
  const time = at ?? isoTime(e.time);
  if (!time) return ignore('malformed', `no time in event ${e.id}`);
  return {
    ok: true,
    observation: {
      model: modelName,
      environment: environmentName,
      account: e.account,
      region: typeof e.region === 'string' ? e.region : environment.region,
      at: time,
      stamp: `${time}#${e.id}`,
      change,
    },
  };
}

/**
 * Splits a platform name `<project>-<env>-<model>[-<suffix>]` (lib/naming.ts) into its environment, model and
 * suffix. Environment names hold no hyphen; model names may, so the longest model of the catalog that fits wins.
 */
export function parseName(
  name: string,
  catalog: Catalog,
): { environment: CatalogEnvironment; model: CatalogModel; suffix: string } | undefined {
  const prefix = `${catalog.project}-`;
  if (!name.startsWith(prefix)) return undefined;
  const rest = name.slice(prefix.length);
  const dash = rest.indexOf('-');
  if (dash < 1) return undefined;
  const environment = catalog.environments.find((e) => e.name === rest.slice(0, dash));
  if (!environment) return undefined;
  const tail = rest.slice(dash + 1);
  const model = [...catalog.models]
    .sort((a, b) => b.name.length - a.name.length)
    .find((m) => tail === m.name || tail.startsWith(`${m.name}-`));
  if (!model) return undefined;
  return { environment, model, suffix: tail.slice(model.name.length).replace(/^-/, '') };
}

function byName(
  e: InventoryEvent,
  name: string | undefined,
  catalog: Catalog,
  at: string | undefined,
  change: (suffix: string) => Change | undefined,
): Reading {
  if (!name) return ignore('malformed', `${e['detail-type']} without a name`);
  if (!name.startsWith(`${catalog.project}-`)) return ignore('other-project', name);
  const parsed = parseName(name, catalog);
  if (!parsed) return ignore('unknown-model', name);
  const c = change(parsed.suffix);
  if (!c) return ignore('malformed', `${e['detail-type']} of ${name} lacks its status`);
  return locate(e, parsed.environment.name, parsed.model.name, at, c, catalog);
}

function readModelPackage(e: InventoryEvent, d: Record<string, unknown>, catalog: Catalog): Reading {
  const version = num(d.ModelPackageVersion);
  const status = text(d.ModelApprovalStatus);
  return byName(
    e,
    text(d.ModelPackageGroupName),
    catalog,
    isoTime(d.LastModifiedTime) ?? isoTime(d.CreationTime),
    (suffix) =>
      suffix === '' && version !== undefined && status
        ? { kind: 'package', version, status, arn: text(d.ModelPackageArn) }
        : undefined,
  );
}

function readEndpoint(e: InventoryEvent, d: Record<string, unknown>, catalog: Catalog): Reading {
  const name = text(d.EndpointName);
  // the deployment events report the update's status; the endpoint's own events its EndpointStatus
  const status = text(d.EndpointStatus) ?? text(d.Status) ?? text(d.UpdateStatus);
  return byName(e, name, catalog, isoTime(d.LastModifiedTime), (suffix) =>
    suffix === '' && name && status ? { kind: 'endpoint', name, status } : undefined,
  );
}

const TRAINING_SUFFIX = 'training';

function readPipelineExecution(e: InventoryEvent, d: Record<string, unknown>, catalog: Catalog): Reading {
  const executionArn = text(d.pipelineExecutionArn);
  const status = text(d.currentPipelineExecutionStatus);
  const pipeline = text(d.pipelineArn)?.split(':pipeline/')[1]?.split('/')[0];
  const startedAt = isoTime(d.executionStartTime) ?? isoTime(e.time);
  const endedAt = isoTime(d.executionEndTime);
  // the retraining trigger writes the reason into the execution's description as well as its TriggerReason parameter
  const triggerReason = text(d.pipelineExecutionDescription);
  return byName(e, pipeline, catalog, endedAt ?? isoTime(e.time), (suffix) =>
    suffix === TRAINING_SUFFIX && executionArn && status && startedAt
      ? { kind: 'training', executionArn, status, startedAt, triggerReason }
      : undefined,
  );
}

/** The kind of an alarm from its name's suffix after the model (lib/naming.ts). */
export function alarmKind(suffix: string): AlarmKind {
  if (suffix.includes('drift')) return 'drift';
  if (suffix.includes('quality')) return 'quality';
  return 'operational';
}

function readAlarm(e: InventoryEvent, d: Record<string, unknown>, catalog: Catalog): Reading {
  const state = isRecord(d.state) ? d.state : undefined;
  const value = text(state?.value);
  const name = text(d.alarmName);
  return byName(e, name, catalog, isoTime(state?.timestamp), (suffix) => {
    if (!name || !value || suffix === '') return undefined;
    const kind = alarmKind(suffix);
    return { kind: 'alarm', name, alarmKind: kind, state: value, datapoints: datapoints(state?.reasonData) };
  });
}

/** The recent datapoints of an alarm's reason data (a JSON string in the event), newest first or not. */
export function datapoints(reasonData: unknown): Point[] {
  if (typeof reasonData !== 'string') return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(reasonData);
  } catch {
    return [];
  }
  if (!isRecord(parsed) || !Array.isArray(parsed.recentDatapoints)) return [];
  const start = isoTime(parsed.startDate);
  const period = num(parsed.period);
  if (!start || period === undefined) return [];
  // the datapoints are the periods ending at the evaluation, oldest first, from startDate
  return parsed.recentDatapoints
    .map((v, i) => ({ value: num(v), at: new Date(Date.parse(start) + i * period * 1000).toISOString() }))
    .filter((p): p is Point => p.value !== undefined);
}

function readPlatformEvent(e: InventoryEvent, d: Record<string, unknown>, catalog: Catalog): Reading {
  const project = text(d.project);
  const environment = text(d.environment);
  const model = text(d.model);
  if (!project || !environment || !model)
    return ignore('malformed', 'a platform event without project, environment and model');
  if (project !== catalog.project) return ignore('other-project', project);
  const at = isoTime(d.eventTime);
  if (!at) return ignore('malformed', 'a platform event without an eventTime');
  // the gate and the rollout name the version by its package ARN (`…:model-package/<group>/<version>`)
  const version = num(d.modelPackageVersion ?? d.version) ?? versionOfPackageArn(text(d.modelPackageArn));
  let change: Change | undefined;
  switch (e['detail-type']) {
    case PLATFORM_EVENT_TYPES.promotionVerdict: {
      const decision = text(d.decision) ?? text(d.verdict);
      const challenger = isRecord(d.challenger) ? d.challenger : undefined;
      if (decision) {
        change = {
          kind: 'verdict',
          decision,
          reason: text(d.reason),
          version,
          metric: text(d.metric),
          score: num(challenger?.score ?? d.challengerScore ?? d.score),
        };
      }
      break;
    }
    case PLATFORM_EVENT_TYPES.rolloutOutcome: {
      const outcome = text(d.outcome) ?? text(d.status);
      if (outcome) change = { kind: 'rollout', outcome, version, arn: text(d.modelPackageArn) };
      break;
    }
    case PLATFORM_EVENT_TYPES.retrainingDecision: {
      const decision = text(d.decision);
      if (decision) change = { kind: 'retraining', decision, reason: text(d.reason) ?? text(d.triggerReason) };
      break;
    }
    default:
      return ignore('unknown-type', `${e.source} / ${e['detail-type']}`);
  }
  if (!change) return ignore('malformed', `${e['detail-type']} without its decision or outcome`);
  return locate(e, environment, model, at, change, catalog);
}
