import { z } from 'zod';
import { CAPABILITIES } from '../maturity';
import { type FeatureGroupDefinition, PERSONAS } from '../vocabulary';
import { DEFAULT_MATURITY, ENVIRONMENT_KINDS } from './defaults';
import { driftJob, monitoringEngine, retrainingLoop } from './drift';
import { featureGroup } from './feature-groups';
import { checkedString, quoted, resourceName } from './fields';
import { notifications } from './notifications';
import { modelBudget, modelCard, modelLifecycle } from './portfolio';
import { portfolio } from './portfolio-location';
import { promotionSchema } from './promotion';
import { regionProblem } from './regions';
import {
  MODEL_MONITOR_CRON_EXAMPLE,
  modelMonitorCronProblem,
  SCHEDULER_CRON_EXAMPLE,
  schedulerExpressionProblem,
} from './schedule-expression';

/**
 * The runtime schema of the platform config. It is the one definition behind the TypeScript types, the
 * validation at synth and the JSON Schema in docs/config.schema.json.
 */

const accountId = z
  .string({ error: (iss) => `expected a 12-digit account id as a string, got ${quoted(iss.input)}` })
  .regex(/^\d{12}$/, { error: (iss) => `expected a 12-digit account id, got ${quoted(iss.input)}` })
  .describe('AWS account id: 12 digits, as a string.');

const region = checkedString(regionProblem)
  .meta({ examples: ['eu-west-1', 'us-east-1'] })
  .describe('AWS region, such as eu-west-1: one that aws-cdk-lib knows (aws-cdk-lib/region-info).');

/** An EventBridge Scheduler expression: rate(...), cron(...) with 6 fields, or at(...). */
const schedulerExpression = (example: string) =>
  checkedString(schedulerExpressionProblem).meta({
    examples: [example],
    pattern: '^(cron|rate|at)\\(.+\\)$',
  });

/** A SageMaker Model Monitor cron expression: hourly, daily at an hour, or every N hours. */
const modelMonitorCron = (example: string) =>
  checkedString(modelMonitorCronProblem).meta({ examples: [example], pattern: '^cron\\(0 \\S+ \\? \\* \\* \\*\\)$' });

/** CloudWatch Logs retention periods, in days. */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

const maturity = z
  .int({ error: (iss) => `expected a maturity stage from 1 to 5, got ${quoted(iss.input)}` })
  .min(1, { error: (iss) => `expected a maturity stage from 1 to 5, got ${quoted(iss.input)}` })
  .max(5, { error: (iss) => `expected a maturity stage from 1 to 5, got ${quoted(iss.input)}` });

const settings = z
  .strictObject({
    removalPolicy: z.enum(['retain', 'destroy']).optional(),
    terminationProtection: z.boolean().optional(),
    requireApproval: z.boolean().optional(),
    logRetentionDays: z
      .union(LOG_RETENTION_DAYS.map((days) => z.literal(days)) as unknown as [z.ZodLiteral<1>, z.ZodLiteral<3>], {
        error: (iss) =>
          `expected one of the retention periods CloudWatch Logs accepts (${LOG_RETENTION_DAYS.join(', ')} days), got ${quoted(iss.input)}`,
      })
      .optional()
      .describe('One of the retention periods CloudWatch Logs accepts.'),
    noncurrentVersionExpirationDays: z.int().min(1).max(3650).optional(),
    accessLogRetentionDays: z.int().min(1).max(3650).optional(),
    studioIdleTimeoutMinutes: z.int().min(60).max(525600).optional(),
    mlflowServerSize: z.enum(['Small', 'Medium', 'Large']).optional(),
    mlflowStopSchedule: checkedString((value) => (value === 'none' ? undefined : schedulerExpressionProblem(value)))
      .meta({ examples: ['cron(0 19 ? * * *)', 'none'], pattern: '^(none|(cron|rate|at)\\(.+\\))$' })
      .optional()
      .describe('EventBridge Scheduler expression that stops the MLflow tracking server (UTC), or "none".'),
  })
  .describe('Overrides of the defaults of the environment kind (lib/config/defaults.ts).');

const subnetId = z.string().regex(/^subnet-[0-9a-f]{8,17}$/, {
  error: (iss) => `expected a subnet id such as "subnet-0123456789abcdef0", got ${quoted(iss.input)}`,
});

const network = z
  .strictObject({
    cidr: z
      .string()
      .regex(/^(\d{1,3}\.){3}\d{1,3}\/(1[6-9]|2[0-4])$/, {
        error: (iss) => `expected an IPv4 CIDR block from /16 to /24, got ${quoted(iss.input)}`,
      })
      .optional()
      .describe('CIDR of the VPC the platform creates. Default 10.20.0.0/16.'),
    availabilityZones: z
      .array(
        z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d[a-z]$/, {
          error: (iss) => `expected an availability zone name such as "eu-west-1a", got ${quoted(iss.input)}`,
        }),
      )
      .min(2)
      .optional()
      .describe('Availability zones of the VPC; default the first two of the region. Never looked up.'),
    existingVpc: z
      .strictObject({
        vpcId: z.string().regex(/^vpc-[0-9a-f]{8,17}$/, {
          error: (iss) => `expected a VPC id such as "vpc-0123456789abcdef0", got ${quoted(iss.input)}`,
        }),
        vpcCidr: z.string().regex(/^(\d{1,3}\.){3}\d{1,3}\/\d{1,2}$/, {
          error: (iss) => `expected an IPv4 CIDR block such as "10.0.0.0/16", got ${quoted(iss.input)}`,
        }),
        availabilityZones: z.array(z.string()).min(2),
        privateSubnetIds: z.array(subnetId).min(2),
      })
      .optional()
      .describe(
        'Import a VPC instead of creating one. It must already have the VPC endpoints SageMaker needs in VpcOnly mode.',
      ),
  })
  .describe('Where the environment runs: a VPC the platform creates, or an existing one.');

const environment = z.strictObject({
  name: z
    .string()
    .regex(/^[a-z][a-z0-9]{0,11}$/, {
      error: (iss) =>
        `expected an environment name of lowercase letters and digits (at most 12, starting with a letter, no hyphens, because names join with hyphens), got ${quoted(iss.input)}`,
    })
    .describe('Environment name; dev, test and prod imply their kind.'),
  account: accountId,
  region,
  maturity: maturity.optional().describe('Maturity stage of this environment; defaults to the top-level maturity.'),
  kind: z
    .enum(ENVIRONMENT_KINDS)
    .optional()
    .describe('dev, test or prod: selects defaults. Defaults from the name when it is dev, test or prod.'),
  settings: settings.optional(),
  network: network.optional(),
  notifications: notifications
    .optional()
    .describe(
      "Who receives the environment's alarms and failure events (its alerts topic); without it synth warns. Every one of them is critical.",
    ),
});

export { PERSONAS, type Persona } from '../vocabulary';

const user = z.strictObject({
  name: resourceName('user profile name', 40),
  persona: z.enum(PERSONAS),
  environments: z
    .array(z.string())
    .min(1)
    .optional()
    .describe('Environments that get a Studio user profile for this user; default every environment.'),
});

const connection = z
  .strictObject({
    connectionArn: z
      .string()
      .regex(/^arn:aws[a-z-]*:(codeconnections|codestar-connections):[a-z0-9-]+:\d{12}:connection\/[0-9a-f-]+$/, {
        error: (iss) => `expected the ARN of a CodeConnections connection, got ${quoted(iss.input)}`,
      })
      .describe('ARN of a connection in the tooling account whose status is AVAILABLE.'),
    repository: z
      .string()
      .regex(/^[\w.-]+\/[\w.-]+$/, {
        error: (iss) => `expected a repository as "owner/name", got ${quoted(iss.input)}`,
      })
      .describe('The repository of this platform, as owner/name.'),
    branch: z.string().min(1).default('main').describe('The branch whose pushes the pipeline delivers.'),
  })
  .describe('The source of the delivery pipeline (docs/delivery.md#connect-the-repository).');

const tooling = z
  .strictObject({
    account: accountId,
    region,
    connection: connection.optional(),
    acceptNoTestTraining: z
      .boolean()
      .default(false)
      .describe(
        'Accept that the delivery pipeline releases to prod without a test environment that trains the models first (no training check before prod). Default false: synth warns.',
      ),
    notifications: notifications
      .optional()
      .describe(
        'Who hears of the delivery pipeline: failed runs are critical, pending approvals are warnings; without it synth warns.',
      ),
  })
  .describe('The account of the delivery pipeline (stage 4). It may be the dev account.');

const instanceType = z.string().regex(/^ml\.[a-z0-9]+\.[a-z0-9]+$/, {
  error: (iss) => `expected a SageMaker instance type such as "ml.m5.large", got ${quoted(iss.input)}`,
});

const SERVERLESS_MEMORY_SIZES = [1024, 2048, 3072, 4096, 5120, 6144] as const;

const servingShape = z
  .strictObject({
    serverless: z
      .boolean()
      .optional()
      .describe('Serve from a serverless endpoint (no idle cost) instead of instances.'),
    instanceType: instanceType.optional(),
    minInstances: z.int().min(1).max(100).optional(),
    maxInstances: z.int().min(1).max(100).optional(),
    targetInvocationsPerInstance: z
      .int()
      .min(1)
      .optional()
      .describe('Autoscaling target: invocations per instance per minute.'),
    serverlessMemoryMb: z
      .union(
        SERVERLESS_MEMORY_SIZES.map((size) => z.literal(size)) as unknown as [z.ZodLiteral<1024>, z.ZodLiteral<2048>],
        {
          error: (iss) =>
            `expected the memory of a serverless endpoint in MB: one of ${SERVERLESS_MEMORY_SIZES.join(', ')}, got ${quoted(iss.input)}`,
        },
      )
      .optional()
      .describe('Memory of a serverless endpoint: 1024 to 6144 in steps of 1024.'),
    serverlessMaxConcurrency: z.int().min(1).max(200).optional(),
    endpoint: z
      .boolean()
      .optional()
      .describe(
        'false: no real-time endpoint in this environment (zero idle cost; batch scoring and training stay). Not in prod. Default true.',
      ),
  })
  .describe('How a model is served in one environment; unset fields come from the environment kind.');

const container = z
  .union([
    z.strictObject({
      framework: z
        .enum(['xgboost', 'sklearn'])
        .describe(
          "A SageMaker built-in image: xgboost trains the built-in XGBoost algorithm; sklearn trains the model package's own train.py in the SageMaker scikit-learn image.",
        ),
      version: z
        .string()
        .regex(/^[0-9][0-9a-z.-]*$/, {
          error: (iss) =>
            `expected a framework version such as "1.7-1" (xgboost) or "1.2-1" (sklearn), got ${quoted(iss.input)}`,
        })
        .describe('The image version as SageMaker tags it: "1.7-1" for xgboost, "1.2-1" for sklearn.'),
    }),
    z.strictObject({
      imageUri: z
        .string()
        .regex(/^\d{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com(\.cn)?\/[a-z0-9._/-]+(:[\w.-]+|@sha256:[0-9a-f]{64})$/, {
          error: (iss) => `expected an ECR image URI with a tag or digest, got ${quoted(iss.input)}`,
        }),
    }),
  ])
  .describe('The training and inference container: a built-in framework by name and version, or an ECR image.');

const s3Prefix = (what: string) =>
  z.string().regex(/^([a-z0-9][a-z0-9_=.-]*\/)+$/, {
    error: (iss) => `expected ${what}: lowercase path segments ending with "/", got ${quoted(iss.input)}`,
  });

const batch = z
  .strictObject({
    schedule: schedulerExpression(SCHEDULER_CRON_EXAMPLE).describe(
      'When batch scoring runs (UTC): an EventBridge Scheduler expression such as "cron(0 3 * * ? *)".',
    ),
    inputPrefix: s3Prefix('a prefix of the curated bucket').describe('Input records, in the curated data bucket.'),
    outputPrefix: s3Prefix('a prefix of the curated bucket')
      .optional()
      .describe('Where scores land in the curated bucket, partitioned by run_date. Default scores/<model>/.'),
    instanceType: instanceType.optional(),
    instanceCount: z.int().min(1).max(20).optional(),
  })
  .describe('Scheduled batch scoring into a table that Athena can query.');

const modelAlarms = z
  .strictObject({
    latencyP99Millis: z.number().positive().optional(),
    errors5xx: z.int().min(0).optional(),
    zeroInvocationsPeriods: z.int().min(1).max(288).optional(),
    featureDrift: z
      .number()
      .positive()
      .max(1)
      .optional()
      .describe('Alarm when a monitored feature drifts further than this distance from its baseline (stage 4).'),
    modelQualityMinimum: z
      .number()
      .optional()
      .describe(
        'Alarm when the live value of the training metric falls below this (stage 4); default training.threshold.',
      ),
    monitoringFailures: z
      .int()
      .min(1)
      .optional()
      .describe('Alarm when this many monitoring jobs fail within a day (stage 4).'),
    pipelineFailures: z
      .int()
      .min(1)
      .optional()
      .describe('Alarm when this many runs of the training pipeline fail within a day (stage 4).'),
  })
  .describe('Alarm thresholds of the model; defaults in lib/constructs/model-endpoint.ts and model-monitoring.ts.');

const clarifyMonitoring = (what: string) =>
  z
    .strictObject({
      schedule: modelMonitorCron('cron(0 0 ? * * *)')
        .default('cron(0 0 ? * * *)')
        .describe(`When ${what} monitoring runs (UTC); default daily.`),
    })
    .describe(
      `SageMaker Clarify ${what} monitoring against the ${what} baseline of the approved version (DriftCheckBaselines.${what === 'bias' ? 'Bias' : 'Explainability'}), which the model's pipeline must register.`,
    );

const monitoring = z
  .strictObject({
    modelMonitor: z
      .boolean()
      .default(true)
      .describe(
        'Run SageMaker Model Monitor on instance endpoints. Set false where the account cannot use Model Monitor (AWS closed it to new customers); the dashboard and the other alarms stay.',
      ),
    dataQualitySchedule: modelMonitorCron('cron(0 * ? * * *)')
      .default('cron(0 * ? * * *)')
      .describe('When data-quality monitoring runs over the captured requests (UTC); default hourly.'),
    modelQualitySchedule: modelMonitorCron(MODEL_MONITOR_CRON_EXAMPLE)
      .default('cron(0 0 ? * * *)')
      .describe(
        'When model-quality monitoring merges ground truth with the captured predictions (UTC); default daily.',
      ),
    groundTruthPrefix: s3Prefix('a prefix of the raw data bucket')
      .optional()
      .describe(
        'Where labels of served requests land in the raw bucket, as JSON lines keyed by inference id. Default ground-truth/<model>/.',
      ),
    groundTruthDelayHours: z
      .int()
      .min(1)
      .max(720)
      .default(24)
      .describe('How many hours after a request its label arrives; model quality looks at requests at least this old.'),
    features: z
      .array(
        z.string().regex(/^[a-zA-Z][a-zA-Z0-9_]{0,63}$/, {
          error: (iss) =>
            `expected a feature (column) name of letters, digits and underscores, starting with a letter, got ${quoted(iss.input)}`,
        }),
      )
      .min(1)
      .optional()
      .describe(
        'Request columns, as named in the data-quality baseline, whose drift the alarms and the dashboard watch. Required for a real-time model from stage 4.',
      ),
    instanceType: instanceType.default('ml.m5.large').describe('Instance of the monitoring jobs.'),
    bias: clarifyMonitoring('bias').optional(),
    explainability: clarifyMonitoring('explainability').optional(),
    engine: monitoringEngine,
    drift: driftJob.optional(),
  })
  .describe('Model Monitor over the captured traffic of an instance endpoint (stage 4).');

const training = z
  .strictObject({
    codeDirectory: z
      .string()
      .min(1)
      .default('ml')
      .describe(
        'Folder of the model code, relative to the directory cdk runs in (the repository root); shipped as an S3 asset.',
      ),
    package: z
      .string()
      .regex(/^[a-z_][a-z0-9_]*$/, { error: (iss) => `expected a Python package name, got ${quoted(iss.input)}` })
      .optional()
      .describe(
        'Python package of the model in codeDirectory (prepare.py, evaluate.py); default the model name with hyphens as underscores.',
      ),
    metric: z
      .string()
      .regex(/^[a-z][a-z0-9_]*$/, {
        error: (iss) => `expected a metric name of lowercase letters, digits and underscores, got ${quoted(iss.input)}`,
      })
      .default('auc')
      .describe('Metric of evaluation.json (metrics.<metric>.value) that gates registration.'),
    threshold: z.number().default(0.75).describe('Minimum of the metric to register a version.'),
    instanceType: instanceType.default('ml.m5.xlarge'),
    processingInstanceType: instanceType.default('ml.m5.large'),
  })
  .describe('The model-building pipeline of the model (stage 3).');

const retraining = z
  .strictObject({
    schedule: schedulerExpression('cron(0 3 ? * SUN *)')
      .optional()
      .describe('Regular retraining, started directly by EventBridge Scheduler (UTC). Default: none.'),
    minNewObjects: z.int().min(1).default(1).describe('New objects under the training prefix that a run needs.'),
    minNewBytes: z.int().min(0).default(0).describe('New bytes under the training prefix that a run needs.'),
    cooldownMinutes: z.int().min(0).default(360).describe('Minutes after a data-triggered run before the next.'),
    maxRunsPerDay: z.int().min(1).max(100).default(2).describe('Data-triggered runs per UTC day.'),
    allowedWindow: z
      .string()
      .regex(/^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$/, {
        error: (iss) => `expected a UTC window "HH:MM-HH:MM", got ${quoted(iss.input)}`,
      })
      .optional()
      .describe('UTC time of day in which new data may start a run. Default: any time.'),
    onDrift: retrainingLoop.optional(),
  })
  .describe('When the model retrains from stage 4: on a schedule and when new training data arrives.');

const model = z
  .strictObject({
    name: resourceName('model name', 24),
    description: z.string().max(256).optional(),
    serving: z
      .enum(['realtime', 'batch', 'both'])
      .default('realtime')
      .describe('Real-time endpoint behind an API, scheduled batch scoring, or both.'),
    container: container.default({ framework: 'xgboost', version: '1.7-1' }),
    contentTypes: z
      .array(
        z.string().regex(/^[a-z]+\/[a-z0-9.+-]+$/, {
          error: (iss) => `expected a MIME type such as "text/csv", got ${quoted(iss.input)}`,
        }),
      )
      .min(1)
      .default(['text/csv'])
      .describe('Request content types the endpoint and API accept.'),
    dataCapturePercent: z.int().min(0).max(100).optional().describe('Share of requests captured; default by kind.'),
    environments: z
      .record(z.string(), servingShape)
      .default({})
      .describe('Serving shape per environment name, overriding the kind defaults.'),
    batch: batch.optional(),
    alarms: modelAlarms.default({}),
    monitoring: monitoring.default({
      modelMonitor: true,
      dataQualitySchedule: 'cron(0 * ? * * *)',
      modelQualitySchedule: 'cron(0 0 ? * * *)',
      groundTruthDelayHours: 24,
      instanceType: 'ml.m5.large',
    }),
    featureGroup: z
      .string()
      .optional()
      .describe(
        'Name of the feature group (featureGroups[].name) that the training pipeline writes the raw data to and reads training data from (stage 4).',
      ),
    retraining: retraining.default({ minNewObjects: 1, minNewBytes: 0, cooldownMinutes: 360, maxRunsPerDay: 2 }),
    promotion: promotionSchema.optional(),
    training: training.default({
      codeDirectory: 'ml',
      metric: 'auc',
      threshold: 0.75,
      instanceType: 'ml.m5.xlarge',
      processingInstanceType: 'ml.m5.large',
    }),
    // the model portfolio (stage 5): lib/config/portfolio.ts
    lifecycle: modelLifecycle,
    card: modelCard.optional(),
    budget: modelBudget.optional(),
  })
  .describe('A model the platform registers, serves and trains (stage 2 onwards).');

const tagKey = z.string().regex(/^(?!aws:)[\w .:/=+\-@]{1,128}$/, {
  error: (iss) =>
    `expected a tag key of 1 to 128 letters, digits, spaces and _ . : / = + - @, not starting with "aws:", got ${quoted(iss.input)}`,
});

const capabilities = z
  .partialRecord(z.enum(CAPABILITIES), z.boolean())
  .describe('Switch a capability on before the stage that includes it, when its prerequisites are present.');

export const platformConfigSchema = z
  .strictObject({
    $schema: z.string().optional().describe('Path or URL of the JSON Schema; ignored by the platform.'),
    project: resourceName('project name', 16).describe(
      'Project name, used as the prefix of stack, role and domain names.',
    ),
    maturity: maturity.default(DEFAULT_MATURITY).describe('The maturity stage of every environment, 1 to 5.'),
    environments: z.array(environment).min(1, { error: 'expected at least one environment' }),
    users: z.array(user).default([]),
    tooling: tooling.optional(),
    portfolio: portfolio.optional(),
    models: z.array(model).default([]),
    featureGroups: z.array(featureGroup).default([]),
    capabilities: capabilities.default({}),
    tags: z
      .record(tagKey, z.string().max(256))
      .default({})
      .describe('Extra cost-allocation tags on every resource. Never put a value here that changes by stage.'),
  })
  .describe('Configuration of the MLOps maturity platform.');

/** The config as written in a file. */
export type PlatformConfigInput = z.input<typeof platformConfigSchema>;
/** The config after validation, with defaults filled in. */
export type PlatformConfig = z.output<typeof platformConfigSchema>;
export type EnvironmentConfig = PlatformConfig['environments'][number];
export type UserConfig = PlatformConfig['users'][number];
export type ModelConfig = PlatformConfig['models'][number];
export type NetworkConfig = NonNullable<EnvironmentConfig['network']>;
export type ServingShapeConfig = z.output<typeof servingShape>;
/** A config feature group is a {@link FeatureGroupDefinition} (lib/vocabulary.ts): the build stops if they drift apart. */
export type FeatureGroupConfig = Extends<PlatformConfig['featureGroups'][number], FeatureGroupDefinition>;
type Extends<T extends U, U> = T;

/** JSON Schema of the config file, as checked in at docs/config.schema.json. */
export function configJsonSchema(): object {
  return z.toJSONSchema(platformConfigSchema, { io: 'input', target: 'draft-2020-12' });
}
