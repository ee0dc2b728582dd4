/**
 * Physical names that people and tools rely on (the approve command, runbooks, dashboards). They are part
 * of the platform's public contract: changing one breaks deployed environments.
 */

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

/** CloudFormation stack that serves a model in real time. */
export function servingStackName(project: string, environment: string, model: string): string {
  return `${project}-${environment}-serving-${model}`;
}

/** The stable name of a model's real-time endpoint. */
export function endpointName(project: string, environment: string, model: string): string {
  return `${project}-${environment}-${model}`;
}

/** Name of the serving stack's parameter that CloudFormation resolves from the approved-model parameter. */
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

/** CloudFormation stack of a model's stage 4 monitoring: `PlatformStack`'s name for the id `Monitoring-<model>`. */
export function monitoringStackName(project: string, environment: string, model: string): string {
  return `${project}-${environment}-monitoring-${model}`;
}

/** Suffixes of a monitored endpoint's schedule names: `<endpoint><suffix>`, at most 63 characters in all. */
export const MONITORING_SCHEDULE_SUFFIXES = {
  dataQuality: '-data-quality',
  modelQuality: '-model-quality',
  bias: '-model-bias',
  explainability: '-explainability',
} as const;
