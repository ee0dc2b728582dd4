/**
 * Every default of the platform config lives here, so a fork reviews one file to see what it gets.
 */

export { DEFAULT_CONFIG_PATH } from '../vocabulary';

export const ENVIRONMENT_KINDS = ['dev', 'test', 'prod'] as const;
export type EnvironmentKind = (typeof ENVIRONMENT_KINDS)[number];

/** Settings that differ by environment kind. An environment may override any of them under `settings`. */
export interface EnvironmentSettings {
  /** Keep (`retain`) or delete (`destroy`) buckets, keys and logs when a stack or resource goes away. */
  readonly removalPolicy: 'retain' | 'destroy';
  /** CloudFormation termination protection on every stack of the environment. */
  readonly terminationProtection: boolean;
  /** Whether promotions into this environment need a human approval (used by the delivery pipeline). */
  readonly requireApproval: boolean;
  /** Retention of CloudWatch log groups, in days. */
  readonly logRetentionDays: number;
  /** Days before noncurrent object versions expire in the data and artifact buckets. */
  readonly noncurrentVersionExpirationDays: number;
  /** Days server access logs are kept in the access-log bucket. */
  readonly accessLogRetentionDays: number;
  /** Minutes of inactivity after which Studio shuts a JupyterLab or Code Editor app down. */
  readonly studioIdleTimeoutMinutes: number;
  /** Size of the managed MLflow tracking server. */
  readonly mlflowServerSize: 'Small' | 'Medium' | 'Large';
  /**
   * EventBridge Scheduler expression that stops the MLflow tracking server (it bills per hour while running),
   * or `none` to leave it running.
   */
  readonly mlflowStopSchedule: string;
}

export const KIND_DEFAULTS: Readonly<Record<EnvironmentKind, EnvironmentSettings>> = {
  dev: {
    removalPolicy: 'destroy',
    terminationProtection: false,
    requireApproval: false,
    logRetentionDays: 30,
    noncurrentVersionExpirationDays: 30,
    accessLogRetentionDays: 90,
    studioIdleTimeoutMinutes: 60,
    mlflowServerSize: 'Small',
    mlflowStopSchedule: 'cron(0 19 ? * * *)',
  },
  test: {
    removalPolicy: 'retain',
    terminationProtection: false,
    requireApproval: false,
    logRetentionDays: 90,
    noncurrentVersionExpirationDays: 90,
    accessLogRetentionDays: 180,
    studioIdleTimeoutMinutes: 60,
    mlflowServerSize: 'Small',
    mlflowStopSchedule: 'cron(0 19 ? * * *)',
  },
  prod: {
    removalPolicy: 'retain',
    terminationProtection: true,
    requireApproval: true,
    logRetentionDays: 365,
    noncurrentVersionExpirationDays: 365,
    accessLogRetentionDays: 365,
    studioIdleTimeoutMinutes: 120,
    mlflowServerSize: 'Medium',
    mlflowStopSchedule: 'none',
  },
};

/** The maturity stage when the config names none. */
export const DEFAULT_MATURITY = 1;

/** CIDR of the platform VPC when an environment names none. */
export const DEFAULT_VPC_CIDR = '10.20.0.0/16';

/** Prefix length of the isolated subnet the platform VPC gets in each availability zone. */
export const SUBNET_PREFIX = 20;

/** How many availability zones the platform VPC spans when none are listed. */
export const DEFAULT_AZ_COUNT = 2;

/** The environment kind a name implies, when the config sets no `kind`. */
export function kindFromName(name: string): EnvironmentKind | undefined {
  return (ENVIRONMENT_KINDS as readonly string[]).includes(name) ? (name as EnvironmentKind) : undefined;
}

/** Availability zones used when an environment lists none: the region's first ones, without a lookup. */
export function defaultAvailabilityZones(region: string): string[] {
  return ['a', 'b', 'c'].slice(0, DEFAULT_AZ_COUNT).map((suffix) => `${region}${suffix}`);
}

/** How a model is served in one environment, with every value resolved. */
export type ServingDefaults =
  | {
      readonly kind: 'serverless';
      readonly memorySizeInMb: number;
      readonly maxConcurrency: number;
    }
  | {
      readonly kind: 'instances';
      readonly instanceType: string;
      readonly minInstances: number;
      readonly maxInstances: number;
      readonly targetInvocationsPerInstance: number;
    };

/** Blue/green guardrails of instance endpoints per kind; `undefined` keeps SageMaker's all-at-once default. */
export interface DeploymentDefaults {
  readonly trafficRouting: 'CANARY' | 'LINEAR' | 'ALL_AT_ONCE';
  readonly stepPercent?: number;
  readonly waitIntervalInSeconds: number;
  readonly bakingPeriodInSeconds: number;
}

export interface ModelKindDefaults {
  /** Dev has no idle cost (serverless); test runs one small instance; prod at least two across AZs. */
  readonly serving: ServingDefaults;
  readonly deployment?: DeploymentDefaults;
  readonly dataCapturePercent: number;
}

export const MODEL_KIND_DEFAULTS: Readonly<Record<EnvironmentKind, ModelKindDefaults>> = {
  dev: {
    serving: { kind: 'serverless', memorySizeInMb: 2048, maxConcurrency: 5 },
    dataCapturePercent: 100,
  },
  test: {
    serving: {
      kind: 'instances',
      instanceType: 'ml.m5.large',
      minInstances: 1,
      maxInstances: 1,
      targetInvocationsPerInstance: 100,
    },
    deployment: { trafficRouting: 'ALL_AT_ONCE', waitIntervalInSeconds: 300, bakingPeriodInSeconds: 300 },
    dataCapturePercent: 100,
  },
  prod: {
    serving: {
      kind: 'instances',
      instanceType: 'ml.m5.large',
      minInstances: 2,
      maxInstances: 4,
      targetInvocationsPerInstance: 100,
    },
    deployment: { trafficRouting: 'CANARY', stepPercent: 10, waitIntervalInSeconds: 600, bakingPeriodInSeconds: 600 },
    dataCapturePercent: 20,
  },
};

/** Prod endpoints never run on fewer instances: SageMaker spreads instances across AZs only from two. */
export const PROD_MIN_INSTANCES = 2;

/** Batch transform defaults. */
export const BATCH_DEFAULTS = { instanceType: 'ml.m5.large', instanceCount: 1 } as const;
