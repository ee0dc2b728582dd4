/**
 * The one place that decides stage ids, stack ids and names, and the physical names that people and tools rely
 * on (the approve command, runbooks, dashboards). They are part of the platform's public contract: changing one
 * replaces stacks or breaks deployed environments. Pure: it imports nothing from the project.
 */

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
} as const;

/**
 * The CloudFormation name of the stack with id `stackId` in an environment: `<project>-<env>-<id in kebab case>`,
 * e.g. `mlops-dev-feature-store`, `mlops-dev-model-churn`. The same whether deployed by hand or by the delivery
 * pipeline.
 */
export function stackName(project: string, environment: string, stackId: string): string {
  return `${project}-${environment}-${kebab(stackId)}`;
}

/** A name unique to project and environment, for resources whose names must be unique in an account. */
export function environmentResourceName(project: string, environment: string, suffix: string): string {
  return `${project}-${environment}-${suffix}`;
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

/** Name of the model stack's parameter that CloudFormation resolves from the approved-model parameter. */
export const APPROVED_MODEL_STACK_PARAMETER = 'ApprovedModelPackageArn';

/** The model-building pipeline of a model: stable, because schedules and triggers start it by name. */
export function trainingPipelineName(project: string, environment: string, model: string): string {
  return `${project}-${environment}-${model}-training`;
}

/** The CloudWatch dashboard of a model in one environment. */
export function modelDashboardName(project: string, environment: string, model: string): string {
  return `${project}-${environment}-${model}`;
}

/** The alarm on failed runs of a model's training pipeline (stage 4). */
export function pipelineFailureAlarmName(project: string, environment: string, model: string): string {
  return `${trainingPipelineName(project, environment, model)}-failures`;
}

/** Suffixes of a monitored endpoint's schedule names: `<endpoint><suffix>`, at most 63 characters in all. */
export const MONITORING_SCHEDULE_SUFFIXES = {
  dataQuality: '-data-quality',
  modelQuality: '-model-quality',
  bias: '-model-bias',
  explainability: '-explainability',
} as const;

/** Construct id of the delivery stack in the app: `cdk deploy Delivery`. */
export const DELIVERY_STACK_ID = 'Delivery';

/** CloudFormation name of the delivery stack in the tooling account. */
export function deliveryStackName(project: string): string {
  return `${project}-delivery`;
}
