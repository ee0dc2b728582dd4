import { type EvidenceSource, type LoopPolicy, loopPolicyProblems } from './loop';
import { parseWindow, policyProblems, type RetrainingPolicy } from './policy';

/** Names of the environment variables the trigger reads; the construct sets them from the same list. */
export const ENV = {
  pipelineName: 'PIPELINE_NAME',
  modelName: 'MODEL_NAME',
  stateTableName: 'STATE_TABLE_NAME',
  inputBucket: 'INPUT_BUCKET',
  inputPrefix: 'INPUT_PREFIX',
  minNewObjects: 'MIN_NEW_OBJECTS',
  minNewBytes: 'MIN_NEW_BYTES',
  cooldownMinutes: 'COOLDOWN_MINUTES',
  maxRunsPerDay: 'MAX_RUNS_PER_DAY',
  allowedWindow: 'ALLOWED_WINDOW',
  projectName: 'PROJECT_NAME',
  environmentName: 'ENVIRONMENT_NAME',
  alertsTopicArn: 'ALERTS_TOPIC_ARN',
  loopPolicy: 'LOOP_POLICY',
  loopEvidence: 'LOOP_EVIDENCE',
  loopAlarms: 'LOOP_ALARMS',
  metricsNamespace: 'POWERTOOLS_METRICS_NAMESPACE',
  serviceName: 'POWERTOOLS_SERVICE_NAME',
} as const;

/** Namespace of the decision metric unless `POWERTOOLS_METRICS_NAMESPACE` says otherwise. */
export const DEFAULT_METRICS_NAMESPACE = 'MLOps/RetrainingTriggers';
export const DEFAULT_SERVICE_NAME = 'retraining-trigger';

/** Key attribute of the table; the Powertools idempotency records use it too, with other values. */
export const KEY_ATTRIBUTE = 'id';

/** Time-to-live attribute of the table (epoch seconds): the idempotency records expire through it. */
export const TTL_ATTRIBUTE = 'expiration';

/** The decision metric: one per event, with the dimensions `Decision` (start, skip) and `Reason`. */
export const DECISION_METRIC = 'RetrainingDecision';

/** Suppressed loop decisions, one per decision, with the dimension `Reason`. */
export const SUPPRESSED_METRIC = 'RetrainingSuppressed';

/** Outcomes of loop-started runs joined onto their decision, one per joined record, with the dimension `Outcome`. */
export const OUTCOME_METRIC = 'RetrainingOutcome';

/** The closed retraining loop (stage 5): which alarms it follows, where its evidence is, its policy. */
export interface LoopConfig {
  readonly policy: LoopPolicy;
  readonly evidence: EvidenceSource;
  /** Names of the alarms whose state changes the loop follows; a name ending in `*` is a prefix. */
  readonly alarms: readonly string[];
}

export interface TriggerConfig {
  readonly pipelineName: string;
  readonly modelName: string;
  readonly stateTableName: string;
  readonly inputBucket: string;
  /** Key prefix of the new data, ending in `/`. */
  readonly inputPrefix: string;
  readonly policy: RetrainingPolicy;
  readonly metricsNamespace: string;
  readonly serviceName: string;
  /** For the platform's events (stage 5); default empty. */
  readonly projectName?: string;
  readonly environmentName?: string;
  /** Topic that hears of events the trigger cannot process, with the event. */
  readonly alertsTopicArn?: string;
  /** The closed loop, when `LOOP_POLICY` is set. */
  readonly loop?: LoopConfig;
}

/** Reads the configuration from the environment; throws once, listing every missing or bad variable. */
export function loadConfig(env: Readonly<Record<string, string | undefined>>): TriggerConfig {
  const problems: string[] = [];
  const text = (name: string): string => {
    const value = env[name]?.trim();
    if (!value) problems.push(`${name} is not set`);
    return value ?? '';
  };
  const whole = (name: string): number => {
    const raw = text(name);
    if (raw === '') return Number.NaN;
    if (!/^\d+$/.test(raw)) {
      problems.push(`${name} must be a whole number, got '${raw}'`);
      return Number.NaN;
    }
    return Number(raw);
  };

  const inputPrefix = text(ENV.inputPrefix);
  if (inputPrefix !== '' && !inputPrefix.endsWith('/')) {
    problems.push(`${ENV.inputPrefix} must end with '/', got '${inputPrefix}'`);
  }
  let allowedWindow: RetrainingPolicy['allowedWindow'];
  try {
    allowedWindow = parseWindow(env[ENV.allowedWindow] ?? '');
  } catch (error) {
    problems.push(`${ENV.allowedWindow}: ${(error as Error).message}`);
  }
  const policy: RetrainingPolicy = {
    minNewObjects: whole(ENV.minNewObjects),
    minNewBytes: whole(ENV.minNewBytes),
    cooldownMinutes: whole(ENV.cooldownMinutes),
    maxRunsPerDay: whole(ENV.maxRunsPerDay),
    allowedWindow,
  };
  const config: TriggerConfig = {
    pipelineName: text(ENV.pipelineName),
    modelName: text(ENV.modelName),
    stateTableName: text(ENV.stateTableName),
    inputBucket: text(ENV.inputBucket),
    inputPrefix,
    policy,
    metricsNamespace: env[ENV.metricsNamespace]?.trim() || DEFAULT_METRICS_NAMESPACE,
    serviceName: env[ENV.serviceName]?.trim() || DEFAULT_SERVICE_NAME,
    projectName: env[ENV.projectName]?.trim() || undefined,
    environmentName: env[ENV.environmentName]?.trim() || undefined,
    alertsTopicArn: env[ENV.alertsTopicArn]?.trim() || undefined,
    loop: loadLoop(env, problems),
  };
  problems.push(
    ...policyProblems(policy, {
      minNewObjects: ENV.minNewObjects,
      minNewBytes: ENV.minNewBytes,
      cooldownMinutes: ENV.cooldownMinutes,
      maxRunsPerDay: ENV.maxRunsPerDay,
    }),
  );
  if (problems.length > 0) {
    throw new Error(`the retraining trigger is misconfigured:\n- ${problems.join('\n- ')}`);
  }
  return config;
}

/** The loop's settings, when `LOOP_POLICY` is set: all three variables, as JSON and a list. */
function loadLoop(env: Readonly<Record<string, string | undefined>>, problems: string[]): LoopConfig | undefined {
  const rawPolicy = env[ENV.loopPolicy]?.trim();
  if (!rawPolicy) return undefined;
  const json = (name: string, raw: string | undefined): unknown => {
    try {
      return JSON.parse(raw ?? '');
    } catch {
      problems.push(`${name} must be JSON, got '${raw ?? ''}'`);
      return undefined;
    }
  };
  const policy = json(ENV.loopPolicy, rawPolicy) as LoopPolicy | undefined;
  const evidence = json(ENV.loopEvidence, env[ENV.loopEvidence]) as EvidenceSource | undefined;
  const alarms = (env[ENV.loopAlarms] ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  if (policy) problems.push(...loopPolicyProblems(policy).map((p) => `${ENV.loopPolicy}: ${p}`));
  if (evidence && (!Array.isArray(evidence.violations) || evidence.violations.length === 0)) {
    problems.push(`${ENV.loopEvidence} must list at least one violation query`);
  }
  if (alarms.length === 0) problems.push(`${ENV.loopAlarms} must name at least one alarm`);
  return policy && evidence ? { policy, evidence, alarms } : undefined;
}
