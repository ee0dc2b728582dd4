import type { App } from 'aws-cdk-lib';
import { enforceCompliance } from './compliance/nag-packs';
import type { ResolvedPlatformConfig } from './config/loader';
import { PlatformEnvironment } from './environment';
import { DELIVERY_STACK_ID, trainingPipelineName } from './naming';
import { DeliveryStack, type PlatformEnvironmentFactory } from './stacks/delivery-stack';

/**
 * The Stage of one environment: the one already in `scope`, or a new one with id `environment.stageId`. Both
 * `cdk deploy 'Dev/*'` and the delivery pipeline deploy what this returns, so stack names and logical ids never
 * depend on how an environment is deployed.
 */
export function platformEnvironmentFactory(config: ResolvedPlatformConfig): PlatformEnvironmentFactory {
  // dev environments publish models into every environment's registry until training pipelines take over
  const publisherAccounts = config.allEnvironments
    .filter((e) => e.kind === 'dev')
    .map((e) => ({ account: e.account, environment: e.name }));
  // the registries they publish into: every environment whose stage has one and that has models
  const publishTargets = config.allEnvironments
    .filter((e) => e.maturity.capabilities.has('modelRegistry') && e.models.length > 0)
    .map((e) => ({ account: e.account, environment: e.name }));
  return (scope, environment) =>
    (scope.node.tryFindChild(environment.stageId) as PlatformEnvironment | undefined) ??
    new PlatformEnvironment(scope, environment.stageId, {
      project: config.project,
      environment,
      tags: config.tags,
      publisherAccounts,
      publishTargets,
      // only a configured delivery pipeline needs a runner role in the test environment
      toolingAccount: config.config.tooling?.connection ? config.config.tooling.account : undefined,
    });
}

/** Adds the whole platform to an app: one Stage per environment, the delivery pipeline, compliance enforced at synth. */
export function buildPlatform(app: App, config: ResolvedPlatformConfig): PlatformEnvironment[] {
  const stageOf = platformEnvironmentFactory(config);
  const environments = config.environments.map((environment) => stageOf(app, environment));
  enforceCompliance(app);
  buildDelivery(app, config, stageOf);
  return environments;
}

/**
 * Stage 4: the delivery pipeline in the tooling account, when the config switches it on. It deploys every
 * environment, so it is left out when `-c environments=...` selects only some.
 */
export function buildDelivery(
  app: App,
  config: ResolvedPlatformConfig,
  stageOf: PlatformEnvironmentFactory = platformEnvironmentFactory(config),
): DeliveryStack | undefined {
  const tooling = config.config.tooling;
  const delivers = config.allEnvironments.some((e) => e.maturity.capabilities.has('deliveryPipeline'));
  if (!tooling?.connection || !delivers || config.environments.length < config.allEnvironments.length) {
    return undefined;
  }
  // the post-deploy check trains every model of the first test environment that has training pipelines
  const test = config.allEnvironments.find(
    (e) => e.kind === 'test' && e.maturity.capabilities.has('trainingPipeline') && e.models.length > 0,
  );
  return new DeliveryStack(app, DELIVERY_STACK_ID, {
    project: config.project,
    tooling: { account: tooling.account, region: tooling.region },
    environments: config.allEnvironments,
    connection: tooling.connection,
    environmentStage: stageOf,
    sampleTraining: test && {
      environment: test.name,
      pipelineNames: test.models.map((m) => trainingPipelineName(config.project, test.name, m.name)),
    },
    tags: config.tags,
  });
}
