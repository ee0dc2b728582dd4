/**
 * The one place that decides stage ids, stack ids and names, and the physical names that people and tools rely
 * on (the approve command, runbooks, dashboards). They are part of the platform's public contract: changing one
 * replaces stacks or breaks deployed environments. Pure: it imports nothing from the project.
 */

import { createHash } from 'node:crypto';

/** The id of an environment's Stage: its name in PascalCase (`dev` -> `Dev`, `eu-prod` -> `EuProd`). */
export function environmentStageId(environment: string): string {
  return environment
    .split('-')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}

/** Ids of the shared capability stacks of an environment, one of each per environment. */
export const SHARED_STACK_IDS = {
  foundation: 'Foundation',
  network: 'Network',
  workbench: 'Workbench',
  registry: 'Registry',
  featureStore: 'FeatureStore',
  containerRegistry: 'ContainerRegistry',
} as const;

/**
 * The id of a model's one stack in an environment's Stage: `Model-<model>`, e.g. `Model-churn`. It holds the model's
 * serving, batch scoring, training, retraining and monitoring; a higher stage only adds to it.
 */
export function modelStackId(model: string): string {
  return `Model-${model}`;
}

/** The construct path of a model's stack in the app, as `cdk deploy` takes it: `<stage id>/Model-<model>`. */
export function modelStackPath(environment: string, model: string): string {
  return `${environmentStageId(environment)}/${modelStackId(model)}`;
}

/** Ids of the parts of a model's stack, each a construct directly under the stack. */
export const MODEL_PART_IDS = {
  serving: 'Serving',
  batch: 'Batch',
  training: 'Training',
  retraining: 'Retraining',
  monitoring: 'Monitoring',
  budget: 'Budget',
  promotion: 'Promotion',
  rollout: 'Rollout',
  drift: 'Drift',
} as const;

/**
 * The CloudFormation name of the stack with id `stackId` in an environment: `<project>-<env>-<id in kebab case>`,
 * e.g. `mlops-dev-feature-store`, `mlops-dev-model-churn`. The same whether deployed by hand or by the delivery
 * pipeline.
 */
export function stackName(project: string, environment: string, stackId: string): string {
  return `${project}-${environment}-${kebab(stackId)}`;
}

/** The prefix of every name unique to project and environment: `<project>-<env>`. */
export function environmentNamePrefix(project: string, environment: string): string {
  return `${project}-${environment}`;
}

/** A name unique to project and environment, for resources whose names must be unique in an account. */
export function environmentResourceName(project: string, environment: string, suffix: string): string {
  return `${environmentNamePrefix(project, environment)}-${suffix}`;
}

function kebab(id: string): string {
  return id
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/[^A-Za-z0-9-]/g, '-')
    .toLowerCase();
}

/** SSM parameter holding the approved model package ARN of a model, or `none`. */
export function approvedModelParameterName(project: string, environment: string, model: string): string {
  return `/${project}/${environment}/models/${model}/approved-model-package-arn`;
}

/** Value of the approved-model parameter before any version is approved. */
export const NO_APPROVED_MODEL = 'none';

/** Model package group of a model in one environment's registry. */
export function modelPackageGroupName(project: string, environment: string, model: string): string {
  return `${project}-${environment}-${model}`;
}

/**
 * CloudFormation stack of a model in an environment, {@link stackName} of `Model-<model>`: `<project>-<env>-model-<model>`.
 * It serves the model and monitors it, so approving a version updates this one stack.
 */
export function modelStackName(project: string, environment: string, model: string): string {
  return stackName(project, environment, modelStackId(model));
}

/** The stable name of a model's real-time endpoint. */
export function endpointName(project: string, environment: string, model: string): string {
  return `${project}-${environment}-${model}`;
}

/**
 * The log groups that SageMaker creates at run time, named by SageMaker (its guide, "Log groups and streams that
 * Amazon SageMaker AI sends to Amazon CloudWatch Logs"). The jobs' and Studio's are one of each per account and
 * region, shared by every environment there; the platform declares them with a key and a retention (ADR 0022),
 * each under the construct id it is keyed by.
 */
export const SAGEMAKER_ACCOUNT_LOG_GROUPS = {
  TrainingJobs: '/aws/sagemaker/TrainingJobs',
  ProcessingJobs: '/aws/sagemaker/ProcessingJobs',
  TransformJobs: '/aws/sagemaker/TransformJobs',
  Studio: '/aws/sagemaker/studio',
} as const;

/** The log group of a model's real-time endpoint, `/aws/sagemaker/Endpoints/<endpoint>`, one per endpoint. */
export function endpointLogGroupName(project: string, environment: string, model: string): string {
  return `/aws/sagemaker/Endpoints/${endpointName(project, environment, model)}`;
}

/**
 * Whether `environment` declares its account's {@link SAGEMAKER_ACCOUNT_LOG_GROUPS}: only the first environment of
 * each account and region, in config order, so that environments sharing an account do not declare them twice.
 */
export function ownsAccountLogGroups(
  environments: readonly { readonly environment: string; readonly account: string; readonly region: string }[],
  environment: string,
): boolean {
  const self = environments.find((e) => e.environment === environment);
  const owner = self && environments.find((e) => e.account === self.account && e.region === self.region);
  return owner !== undefined && owner.environment === environment;
}

/** Name of the model stack's parameter that CloudFormation resolves from the approved-model parameter. */
export const APPROVED_MODEL_STACK_PARAMETER = 'ApprovedModelPackageArn';

/** The model-building pipeline of a model: stable, because schedules and triggers start it by name. */
export function trainingPipelineName(project: string, environment: string, model: string): string {
  return `${project}-${environment}-${model}-training`;
}

/**
 * The execution role of a model's training pipeline and its jobs, named like the pipeline (at most 63 characters):
 * the artifact bucket's policy lets only these roles write under `pipelines/`, and matches them by name
 * ({@link trainingPipelineRolePattern}) so that the Foundation stack needs no reference to the model stacks.
 */
export function trainingPipelineRoleName(project: string, environment: string, model: string): string {
  return trainingPipelineName(project, environment, model);
}

/** The IAM name pattern (`ArnLike`) that matches the training pipeline role of every model of an environment. */
export function trainingPipelineRolePattern(project: string, environment: string): string {
  return trainingPipelineRoleName(project, environment, '*');
}

/** Prefix of the artifact bucket under which the training pipelines write; write-once for everyone else (ADR 0020). */
export const PIPELINE_ARTIFACTS_ROOT = 'pipelines/';

/** Where a model's training pipeline writes in the artifact bucket: `pipelines/<model>/<execution id>/...`. */
export function pipelineArtifactsPrefix(model: string): string {
  return `${PIPELINE_ARTIFACTS_ROOT}${model}/`;
}

/** Studio's scratch prefix of the artifact bucket: the only place Studio and its experiment jobs write (ADR 0020). */
export const STUDIO_SCRATCH_PREFIX = 'studio/';

/** The CloudWatch dashboard of a model in one environment. */
export function modelDashboardName(project: string, environment: string, model: string): string {
  return `${project}-${environment}-${model}`;
}

/** The alarm on failed runs of a model's training pipeline (stage 4). */
export function pipelineFailureAlarmName(project: string, environment: string, model: string): string {
  return `${trainingPipelineName(project, environment, model)}-failures`;
}

/** The single-step pipeline of a model's platform drift job (stage 5): `<project>-<env>-<model>-drift`. */
export function driftPipelineName(project: string, environment: string, model: string): string {
  return `${project}-${environment}-${model}-drift`;
}

/** The alarms on a model's drift metric contract (stage 5), which the retraining loop follows. */
export function driftAlarmNames(project: string, environment: string, model: string) {
  const prefix = `${project}-${environment}-${model}`;
  return { dataDrift: `${prefix}-data-drift`, quality: `${prefix}-quality-violation` } as const;
}

/** Suffixes of a monitored endpoint's schedule names: `<endpoint><suffix>`, at most 63 characters in all. */
export const MONITORING_SCHEDULE_SUFFIXES = {
  dataQuality: '-data-quality',
  modelQuality: '-model-quality',
  bias: '-model-bias',
  explainability: '-explainability',
} as const;

/** The kinds of monitoring schedule of an endpoint. */
export type MonitoringScheduleKind = keyof typeof MONITORING_SCHEDULE_SUFFIXES;

/** Construct id of the delivery stack in the app: `cdk deploy Delivery`. */
export const DELIVERY_STACK_ID = 'Delivery';

/** CloudFormation name of the delivery stack in the tooling account. */
export function deliveryStackName(project: string): string {
  return `${project}-delivery`;
}

/** The KMS keys of an environment, one per blast radius. */
export type KeyPurpose = 'data' | 'artifacts' | 'logs';

/** The alias of one of an environment's KMS keys: `alias/<project>-<env>-<purpose>`. */
export function keyAliasName(project: string, environment: string, purpose: KeyPurpose): string {
  return `alias/${environmentResourceName(project, environment, purpose)}`;
}

/** The ECR repository of an environment's images of one purpose (`training`, `inference`): `<project>/<env>/<purpose>`. */
export function imageRepositoryName(project: string, environment: string, purpose: string): string {
  return `${project}/${environment}/${purpose}`;
}

/** The SageMaker Studio domain of an environment. */
export function studioDomainName(project: string, environment: string): string {
  return environmentResourceName(project, environment, 'studio');
}

/** The execution role of Studio apps and of the experiment jobs started from them. */
export function studioExecutionRoleName(project: string, environment: string): string {
  return environmentResourceName(project, environment, 'studio-execution');
}

/** The managed MLflow tracking server of an environment; users and the stop schedule address it by name. */
export function mlflowTrackingServerName(project: string, environment: string): string {
  return environmentResourceName(project, environment, 'mlflow');
}

/** The role MLflow writes experiment artifacts with; it shares the tracking server's name. */
export function mlflowRoleName(project: string, environment: string): string {
  return environmentResourceName(project, environment, 'mlflow');
}

/**
 * The role of a persona (`data-scientist`, `ml-engineer`, `model-approver`) in an environment:
 * `<project>-<env>-<persona>`. Other accounts trust it by name, so it is computed here rather than read from the
 * construct.
 */
export function personaRoleName(project: string, environment: string, persona: string): string {
  return environmentResourceName(project, environment, persona);
}

/** The role through which dev's data scientists publish model versions into an environment's registry (stage 2). */
export function modelPublisherRoleName(project: string, environment: string): string {
  return environmentResourceName(project, environment, 'model-publisher');
}

/**
 * The function that answers the `Custom::ModelPackageBaselines` resources of an environment. Fixed, so stacks
 * address it by name in the same account and region, without a cross-stack reference.
 */
export function baselinesFunctionName(project: string, environment: string): string {
  return environmentResourceName(project, environment, 'model-package-baselines');
}

/**
 * The function that answers the `Custom::AdoptedLogGroup` resources of an environment, which declare the log groups
 * SageMaker writes to (ADR 0022). Fixed, so model stacks address it by name, like {@link baselinesFunctionName}.
 */
export function logGroupsFunctionName(project: string, environment: string): string {
  return environmentResourceName(project, environment, 'sagemaker-log-groups');
}

/**
 * Prefix of a model's batch scoring names in an environment: `<project>-<env>-<model>`. The model and transform job
 * of each run are `<prefix>-<run>`, so the roles are scoped to the prefix.
 */
export function batchRunNamePrefix(project: string, environment: string, model: string): string {
  return `${environmentNamePrefix(project, environment)}-${model}`;
}

/** The state machine of a model's batch scoring, `<run prefix>-batch-scoring`; its log group is named after it. */
export function batchScoringStateMachineName(project: string, environment: string, model: string): string {
  return `${batchRunNamePrefix(project, environment, model)}-batch-scoring`;
}

/** Glue database of a model's batch scores; Glue takes lowercase letters, digits and `_`. */
export function scoresDatabaseName(project: string, environment: string, model: string): string {
  return `${project}_${environment}_${model}`.replace(/-/g, '_');
}

/** The table of a model's batch scores in its database: `<model>_scores`, with `_` for the hyphens Glue refuses. */
export function scoresTableName(model: string): string {
  return `${model.replace(/-/g, '_')}_scores`;
}

/** A monitoring schedule of a model's endpoint, `<endpoint><suffix>` ({@link MONITORING_SCHEDULE_SUFFIXES}). */
export function monitoringScheduleName(
  project: string,
  environment: string,
  model: string,
  kind: MonitoringScheduleKind,
): string {
  return `${endpointName(project, environment, model)}${MONITORING_SCHEDULE_SUFFIXES[kind]}`;
}

/**
 * The Model Monitor alarms of a model's endpoint, `<endpoint>-<alarm>`: dashboards and runbooks find them by name.
 * When the monitored features need more than one drift alarm, the ModelMonitor construct numbers them
 * `<featureDrift>-<n>`.
 */
export function monitoringAlarmNames(project: string, environment: string, model: string) {
  const endpoint = endpointName(project, environment, model);
  return {
    featureDrift: `${endpoint}-feature-drift`,
    modelQuality: `${endpoint}-model-quality`,
    monitoringFailures: `${endpoint}-monitoring-failures`,
  } as const;
}

/**
 * Who an environment's alerts come from, as the start of the names of the chat channel configurations that receive
 * them: `<project>-<env>-alerts` (a delivery pipeline uses its own name instead).
 */
export function alertsNotifierName(project: string, environment: string): string {
  return environmentResourceName(project, environment, 'alerts');
}

/**
 * The AWS Chatbot configuration of one chat channel that receives a notifier's topics:
 * `<notifier>-<slack|teams>-<8 hex digits of the channel>`. Chatbot names are unique in an account across regions,
 * so the notifier ({@link alertsNotifierName}, or a delivery pipeline's name) keeps environments that share an
 * account apart; the digits follow the channel, so reordering or removing other channels renames nothing.
 */
export function chatChannelConfigurationName(notifier: string, platform: 'slack' | 'teams', channel: string): string {
  return `${notifier}-${platform}-${createHash('sha256').update(channel).digest('hex').slice(0, 8)}`;
}

/** The role, in an environment account, that the post-deploy check assumes to run the training pipelines there. */
export function pipelineRunnerRoleName(project: string, environment: string): string {
  return environmentResourceName(project, environment, 'pipeline-runner');
}

/** The role, in the tooling account, of the CodeBuild project that runs the post-deploy training check. */
export function sampleTrainingRoleName(project: string): string {
  return `${project}-delivery-sample-training`;
}

/**
 * The managed policies, one account's, that `cdk bootstrap --cloudformation-execution-policies` gives CloudFormation's
 * execution role there: `<project>-cfn-exec-<n>`, numbered from 1, as many as `npm run bootstrap-policy` needs to
 * stay within IAM's size limit.
 */
export function cloudFormationExecutionPolicyName(project: string, index: number): string {
  return `${project}-cfn-exec-${index}`;
}

/*
 * Physical names of the feature store. Training pipelines, Athena queries and notebooks use them, so changing one
 * strands the data written under the old name.
 *
 * Uniqueness: a feature group name must be unique in an account and region. `<project>-<env>-<group>` is, for
 * every environment sharing an account: the project is fixed, environment names contain no hyphen and are
 * unique, and group names are unique in the config.
 */

/** SageMaker's limit on the length of a feature group name. */
export const MAX_FEATURE_GROUP_NAME_LENGTH = 64;

/** The Glue catalog of the account, as SageMaker and Athena name it. */
export const GLUE_CATALOG = 'AwsDataCatalog';

/** Prefix of the curated bucket under which every offline store lives. */
export const OFFLINE_STORE_ROOT = 'feature-store/';

/** Prefix of the artifact bucket that receives the results of Athena queries. */
export const QUERY_RESULTS_PREFIX = 'athena-results/';

/** The feature group in SageMaker: `<project>-<env>-<group>`. */
export function featureGroupName(project: string, environment: string, group: string): string {
  return environmentResourceName(project, environment, group);
}

/** Glue database of one environment's offline stores; Glue and Athena take lowercase letters, digits and `_`. */
export function featureStoreDatabaseName(project: string, environment: string): string {
  return `${project}_${environment}_feature_store`.replace(/-/g, '_');
}

/**
 * The Iceberg table of a group's offline store in the environment's database. Group names hold no `_`, so
 * turning hyphens into underscores keeps table names unique.
 */
export function offlineStoreTableName(group: string): string {
  return group.replace(/-/g, '_');
}

/** Where a group's offline store writes in the curated bucket: one prefix per group. */
export function offlineStorePrefix(group: string): string {
  return `${OFFLINE_STORE_ROOT}${group}/`;
}

/** The Athena workgroup that queries one environment's offline stores. */
export function featureStoreWorkGroupName(project: string, environment: string): string {
  return environmentResourceName(project, environment, 'feature-store');
}

/**
 * Construct id of a delivery pipeline's stack in the app. The first pipeline is `Delivery` (`cdk deploy Delivery`);
 * when the environments need more than one pipeline, each later one is named after the first environment kind it
 * deploys: `DeliveryProd`.
 */
export function deliveryStackId(firstKind?: string): string {
  return firstKind === undefined
    ? DELIVERY_STACK_ID
    : `${DELIVERY_STACK_ID}${firstKind.charAt(0).toUpperCase()}${firstKind.slice(1)}`;
}

/** A delivery pipeline and its stack: `<project>-delivery`, and `<project>-delivery-<kind>` for a later pipeline. */
export function deliveryPipelineName(project: string, firstKind?: string): string {
  return firstKind === undefined ? deliveryStackName(project) : `${deliveryStackName(project)}-${firstKind}`;
}

/**
 * A notification rule of a delivery pipeline, `<pipeline>-failures` or `<pipeline>-approvals`: it names the rule in
 * the console and in every message it sends.
 */
export function deliveryNotificationRuleName(pipelineName: string, what: 'failures' | 'approvals'): string {
  return `${pipelineName}-${what}`;
}

/** The KMS alias of a delivery pipeline's artifact key; a previous pipeline encrypts its hand-off with it. */
export function deliveryArtifactsKeyAlias(pipelineName: string): string {
  return `alias/${pipelineName}-artifacts`;
}

/**
 * The hand-off bucket of a later delivery pipeline, named so that the previous pipeline can hand the revision over
 * without a reference between their stacks: `<pipeline>-<account>-<region>`, at most 58 characters.
 */
export function deliveryHandoffBucketName(pipelineName: string, account: string, region: string): string {
  return `${pipelineName}-${account}-${region}`;
}

/** Where a delivery pipeline puts the source revision it has deployed, for the next pipeline to start from. */
export const DELIVERY_HANDOFF_KEY = 'handoff/source.zip';

/** The AWS Budgets budget of a model in an environment (stage 5): unique per account, like the model package group. */
export function modelBudgetName(project: string, environment: string, model: string): string {
  return `${project}-${environment}-${model}`;
}

/*
 * The model portfolio (stage 5): one bus and one inventory in the tooling account (or the account `portfolio`
 * names), fed by a forwarding stack in every environment. The environments address the bus by name, and the bus
 * admits their forwarding roles by name, so no stack references another across accounts.
 */

/** Construct id of the portfolio stack in the app: `cdk deploy Portfolio`. */
export const PORTFOLIO_STACK_ID = 'Portfolio';

/** CloudFormation name of the portfolio stack: `<project>-portfolio`. */
export function portfolioStackName(project: string): string {
  return `${project}-portfolio`;
}

/** Id of the stack in each environment's Stage that forwards its models' events to the portfolio bus. */
export const PORTFOLIO_FORWARDING_STACK_ID = 'PortfolioForwarding';

/** The portfolio's event bus: `<project>-portfolio`. */
export function portfolioBusName(project: string): string {
  return `${project}-portfolio`;
}

/** The KMS alias of the portfolio's key (inventory, logs, dead letters, alarms): `alias/<project>-portfolio`. */
export function portfolioKeyAlias(project: string): string {
  return `alias/${portfolioStackName(project)}`;
}

/** The role EventBridge forwards an environment's events with: `<project>-<env>-portfolio-forwarder`. */
export function portfolioForwarderRoleName(project: string, environment: string): string {
  return environmentResourceName(project, environment, 'portfolio-forwarder');
}

/** The inventory table, one record per model and environment: `<project>-portfolio-inventory`; `npm run portfolio` reads it. */
export function portfolioTableName(project: string): string {
  return `${portfolioStackName(project)}-inventory`;
}

/**
 * The role of a model's champion/challenger gate (stage 5, ADR 0023): the one role besides the ModelApprover that may
 * change a version's approval status; the registry's group policy names it.
 */
export function promotionGateRoleName(project: string, environment: string, model: string): string {
  return `${project}-${environment}-${model}-gate`;
}

/** The IAM name pattern (`ArnLike`) of every model's gate role in an environment. */
export function promotionGateRolePattern(project: string, environment: string): string {
  return promotionGateRoleName(project, environment, '*');
}

/** The rollout state machine of a model (stage 5): it binds an approved version and verifies the endpoint serves it. */
export function rolloutStateMachineName(project: string, environment: string, model: string): string {
  return `${project}-${environment}-${model}-rollout`;
}

/** The role of a model's rollout: with the break-glass role, the only writer of the approved-version parameter. */
export function rolloutRoleName(project: string, environment: string, model: string): string {
  return `${project}-${environment}-${model}-rollout`;
}

/** The function that runs each step of a model's rollout. */
export function rolloutFunctionName(project: string, environment: string, model: string): string {
  return `${project}-${environment}-${model}-rollout`;
}

/**
 * The documented break-glass role of an environment (stage 5, docs/runbooks/promotion-and-rollout.md): assumed by
 * `npm run approve` with MFA to start a rollout by hand, and to write the approved-version parameter when the rollout
 * itself is broken.
 */
export function breakGlassRoleName(project: string, environment: string): string {
  return environmentResourceName(project, environment, 'break-glass');
}

/** The alarm on a rollout whose endpoint does not serve the approved version afterwards (a silent rollback). */
export function rolloutMismatchAlarmName(project: string, environment: string, model: string): string {
  return `${project}-${environment}-${model}-rollout-failed`;
}
