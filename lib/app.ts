import type { App } from 'aws-cdk-lib';
import * as cxapi from 'aws-cdk-lib/cx-api';
import { enforceCompliance } from './compliance/nag-packs';
import { ConfigError, type ResolvedPlatformConfig } from './config/loader';
import { portfolioLocation } from './config/portfolio-location';
import { PlatformEnvironment, receivesPublishedModels } from './environment';
import {
  deliveryPipelineName,
  deliveryStackId,
  PORTFOLIO_STACK_ID,
  portfolioForwarderRoleName,
  trainingPipelineName,
} from './naming';
import { layOutDelivery, type PipelineQuotas } from './stacks/delivery-plan';
import { DeliveryStack, environmentToDeliver, type PlatformEnvironmentFactory } from './stacks/delivery-stack';
import { PortfolioStack } from './stacks/portfolio-stack';

/**
 * Context the app sets itself, under cdk.json's and the command line's. No construct records the stack trace of its
 * creation: at 100 models that cost seconds. The key is reserved (`aws:`), so in cdk.json the CDK CLI would warn of
 * it on every command.
 */
export const APP_CONTEXT: Readonly<Record<string, unknown>> = { [cxapi.DISABLE_CREATION_STACK_TRACES]: true };

/**
 * The Stage of one environment: the one already in `scope`, or a new one with id `environment.stageId`. Both
 * `cdk deploy 'Dev/*'` and the delivery pipeline deploy what this returns, so stack names and logical ids never
 * depend on how an environment is deployed.
 */
export function platformEnvironmentFactory(config: ResolvedPlatformConfig): PlatformEnvironmentFactory {
  // dev environments publish models into the registries of environments that do not train their own (stage 2)
  const publisherAccounts = config.allEnvironments
    .filter((e) => e.kind === 'dev')
    .map((e) => ({ account: e.account, environment: e.name }));
  const publishTargets = config.allEnvironments
    .filter(receivesPublishedModels)
    .map((e) => ({ account: e.account, environment: e.name }));
  // model workloads pull images only from the platform's own container registries (and AWS's built-in images)
  const platformEnvironments = config.allEnvironments.map((e) => ({
    environment: e.name,
    account: e.account,
    region: e.region,
  }));
  return (scope, environment) =>
    (scope.node.tryFindChild(environment.stageId) as PlatformEnvironment | undefined) ??
    new PlatformEnvironment(scope, environment.stageId, {
      project: config.project,
      environment,
      tags: config.tags,
      publisherAccounts,
      publishTargets,
      platformEnvironments,
      // only a configured delivery pipeline needs a runner role in the test environment
      toolingAccount: config.config.tooling?.connection ? config.config.tooling.account : undefined,
      portfolio: portfolioLocation(config.config),
    });
}

/** What {@link buildPlatform} added to the app. */
export interface PlatformApp {
  /** One Stage per selected environment, in config order. */
  readonly environments: PlatformEnvironment[];
  /** The delivery pipelines' stacks, in promotion order; none without `tooling.connection`. */
  readonly delivery: DeliveryStack[];
  /** The model portfolio (stage 5), when an environment has it and the config names its account. */
  readonly portfolio?: PortfolioStack;
}

/** Adds the whole platform to an app: one Stage per environment, the delivery pipelines, compliance enforced at synth. */
export function buildPlatform(app: App, config: ResolvedPlatformConfig, options: DeliveryOptions = {}): PlatformApp {
  const stageOf = platformEnvironmentFactory(config);
  const environments = config.environments.map((environment) => stageOf(app, environment));
  enforceCompliance(app);
  const delivery = buildDelivery(app, config, stageOf, options);
  const portfolio = buildPortfolio(app, config);
  return { environments, delivery, portfolio };
}

/**
 * Stage 5: the model portfolio's bus and inventory (ADR 0028), in the tooling account or the one config `portfolio`
 * names, when any environment has the capability. It admits the forwarding role of each such environment, by name.
 */
export function buildPortfolio(app: App, config: ResolvedPlatformConfig): PortfolioStack | undefined {
  const location = portfolioLocation(config.config);
  const forwarding = config.allEnvironments.filter((e) => e.maturity.capabilities.has('modelPortfolio'));
  if (!location || forwarding.length === 0) return undefined;
  return new PortfolioStack(app, PORTFOLIO_STACK_ID, {
    project: config.project,
    location,
    senders: forwarding.map((e) => ({
      account: e.account,
      roleName: portfolioForwarderRoleName(config.project, e.name),
    })),
    catalog: {
      project: config.project,
      environments: forwarding.map((e) => ({ name: e.name, account: e.account, region: e.region })),
      // names only: the catalog travels in the updater's environment (4 KB), and a name list holds a portfolio of
      // 190 models, where owners would hold 30; `npm run portfolio` lays each owner and lifecycle over the records
      // from the config it reads
      models: config.config.models.map((m) => ({ name: m.name })),
    },
    notifications: config.config.tooling?.notifications,
    tags: config.tags,
  });
}

/** How {@link buildDelivery} lays the delivery pipelines out. */
export interface DeliveryOptions {
  /**
   * CodePipeline's structural quotas.
   * @default CODEPIPELINE_QUOTAS
   */
  readonly quotas?: PipelineQuotas;
}

/**
 * Stage 4: the delivery pipelines in the tooling account, when the config switches them on. One pipeline while
 * CodePipeline's per-pipeline quotas allow (stack `Delivery`); past them, one per run of environment kinds, each
 * handing the revision it has deployed over to the next (`Delivery`, then `DeliveryProd`; ADR 0019). They deploy
 * every environment, so they are left out when `-c environments=...` selects only some.
 */
export function buildDelivery(
  app: App,
  config: ResolvedPlatformConfig,
  stageOf: PlatformEnvironmentFactory = platformEnvironmentFactory(config),
  options: DeliveryOptions = {},
): DeliveryStack[] {
  const tooling = config.config.tooling;
  const delivers = config.allEnvironments.some((e) => e.maturity.capabilities.has('deliveryPipeline'));
  if (!tooling?.connection || !delivers || config.environments.length < config.allEnvironments.length) {
    return [];
  }
  const { connection } = tooling;
  // the post-deploy check trains every model of the first test environment that has training pipelines
  const test = config.allEnvironments.find(
    (e) => e.kind === 'test' && e.maturity.capabilities.has('trainingPipeline') && e.models.length > 0,
  );
  const sampleTraining = test && {
    environment: test.name,
    pipelineNames: test.models.map((m) => trainingPipelineName(config.project, test.name, m.name)),
  };
  const layout = layOutDelivery(
    config.allEnvironments.map((e) => environmentToDeliver(e, stageOf(app, e), sampleTraining)),
    { quotas: options.quotas },
  );
  if (layout.problems.length > 0) throw new ConfigError('delivery pipeline', layout.problems);

  const firstKindOf = (index: number) => (index === 0 ? undefined : layout.pipelines[index]?.kinds[0]);
  return layout.pipelines.map((planned, index) => {
    const next = layout.pipelines[index + 1];
    return new DeliveryStack(app, deliveryStackId(firstKindOf(index)), {
      project: config.project,
      tooling: { account: tooling.account, region: tooling.region },
      environments: config.allEnvironments.filter((e) => planned.environments.includes(e.name)),
      connection,
      environmentStage: stageOf,
      pipelineName: deliveryPipelineName(config.project, firstKindOf(index)),
      trigger: index === 0 ? 'push' : 'handoff',
      next: next && { pipelineName: deliveryPipelineName(config.project, firstKindOf(index + 1)) },
      sampleTraining:
        sampleTraining && planned.environments.includes(sampleTraining.environment) ? sampleTraining : undefined,
      quotas: options.quotas,
      tags: config.tags,
      notifications: tooling.notifications,
    });
  });
}
