import { Annotations, Stage, type StageProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { ResolvedEnvironment } from './config/loader';
import { isActive } from './config/models';
import { modelStackId, ownsAccountLogGroups, PORTFOLIO_FORWARDING_STACK_ID, SHARED_STACK_IDS } from './naming';
import { ContainerRegistryStack } from './stacks/container-registry-stack';
import { FeatureStoreStack } from './stacks/feature-store-stack';
import { FoundationStack } from './stacks/foundation-stack';
import type { PlatformImageSource } from './stacks/model/part';
import { ModelStack, type ModelStackParts } from './stacks/model-stack';
import { NetworkStack } from './stacks/network-stack';
import { PortfolioForwardingStack } from './stacks/portfolio-forwarding-stack';
import { RegistryStack } from './stacks/registry-stack';
import { WorkbenchStack } from './stacks/workbench-stack';
import { applyPlatformTags } from './tagging';

export interface PlatformEnvironmentProps extends StageProps {
  readonly project: string;
  readonly environment: ResolvedEnvironment;
  /** Extra cost-allocation tags. */
  readonly tags?: Readonly<Record<string, string>>;
  /**
   * Accounts and names of the dev environments, whose data scientists publish models (stage 2). Only an
   * environment that {@link receivesPublishedModels} gets a publisher role for them.
   */
  readonly publisherAccounts?: readonly { readonly account: string; readonly environment: string }[];
  /** Registries that a dev environment's data scientists publish into (stage 2): see {@link receivesPublishedModels}. */
  readonly publishTargets?: readonly { readonly account: string; readonly environment: string }[];
  /**
   * Every environment of the platform: the model workloads pull images only from their container registries
   * and from the AWS-owned repositories of the built-in images.
   * @default - this environment only
   */
  readonly platformEnvironments?: readonly PlatformImageSource[];
  /**
   * The tooling account of the delivery pipeline (stage 4), whose post-deploy check runs the training pipelines of
   * a test environment.
   * @default - no delivery pipeline
   */
  readonly toolingAccount?: string;
  /**
   * Account and region of the model portfolio's bus (stage 5), which this environment forwards its models' events to.
   * @default - no portfolio: nothing is forwarded
   */
  readonly portfolio?: { readonly account: string; readonly region: string };
}

/**
 * Whether models reach the environment by publishing from dev (stage 2): it has a registry and models, but no
 * training pipelines. From stage 3 each environment trains its own, so no publisher role exists there and dev
 * has no write path into it (issue 12, finding 2); capabilities cannot be switched off, so no config brings one
 * back.
 */
export function receivesPublishedModels(environment: ResolvedEnvironment): boolean {
  const { capabilities } = environment.maturity;
  return capabilities.has('modelRegistry') && !capabilities.has('trainingPipeline') && environment.models.length > 0;
}

/**
 * One environment (dev, test, prod, ...) as a CDK Stage: the capability stacks its maturity stage selects.
 * The same class is deployed by `cdk deploy 'Dev/*'` and by the delivery pipeline, so stack names and logical
 * ids never depend on how it is deployed.
 */
export class PlatformEnvironment extends Stage {
  readonly foundation: FoundationStack;
  readonly network: NetworkStack;
  readonly workbench?: WorkbenchStack;
  readonly registry?: RegistryStack;
  readonly containerRegistry?: ContainerRegistryStack;
  readonly featureStore?: FeatureStoreStack;
  /** Forwards the models' events to the portfolio bus (stage 5), when there is a portfolio. */
  readonly portfolioForwarding?: PortfolioForwardingStack;
  /** The one stack of each model (from stage 2), by model name, in config order. */
  readonly models = new Map<string, ModelStack>();

  constructor(scope: Construct, id: string, props: PlatformEnvironmentProps) {
    super(scope, id, { ...props, env: { account: props.environment.account, region: props.environment.region } });
    const { project, environment } = props;
    const has = (capability: Parameters<ResolvedEnvironment['maturity']['capabilities']['has']>[0]) =>
      environment.maturity.capabilities.has(capability);
    const base = { project, envConfig: environment };

    this.foundation = new FoundationStack(this, SHARED_STACK_IDS.foundation, {
      ...base,
      description: `${project} ${environment.name}: KMS keys and encrypted data lake (stage 1)`,
      // environments sharing an account and region share SageMaker's job and Studio log groups: the first declares them
      ownsAccountLogGroups: props.platformEnvironments
        ? ownsAccountLogGroups(props.platformEnvironments, environment.name)
        : true,
    });
    this.network = new NetworkStack(this, SHARED_STACK_IDS.network, {
      ...base,
      description: `${project} ${environment.name}: private VPC and SageMaker endpoints (stage 1)`,
      logsKey: this.foundation.logsKey,
      // dev's Studio publishes into the registries of its publish targets, in their accounts
      resourceAccounts: [
        environment.account,
        ...(environment.kind === 'dev' ? (props.publishTargets ?? []).map((t) => t.account) : []),
      ],
    });
    if (has('workbench')) {
      this.workbench = new WorkbenchStack(this, SHARED_STACK_IDS.workbench, {
        ...base,
        description: `${project} ${environment.name}: SageMaker Studio, persona roles and MLflow (stage 1)`,
        vpc: this.network.vpc,
        workloadSubnets: this.network.workloadSubnets,
        workloadSecurityGroup: this.network.workloadSecurityGroup,
        dataKey: this.foundation.dataKey,
        artifactsKey: this.foundation.artifactsKey,
        logsKey: this.foundation.logsKey,
        rawDataBucket: this.foundation.rawDataBucket,
        curatedDataBucket: this.foundation.curatedDataBucket,
        artifactsBucket: this.foundation.artifactsBucket,
        alertsTopic: this.foundation.alertsTopic,
        experimentTracking: has('experimentTracking'),
        publishTargets: environment.kind === 'dev' ? (props.publishTargets ?? []) : [],
      });
    }

    const foundation = this.foundation;
    // what every model stack runs in and encrypts with
    const workload = {
      vpc: this.network.vpc,
      workloadSubnets: this.network.workloadSubnets,
      workloadSecurityGroup: this.network.workloadSecurityGroup,
      dataKey: foundation.dataKey,
      artifactsKey: foundation.artifactsKey,
      logsKey: foundation.logsKey,
    };
    if (has('modelRegistry')) {
      // at this stage every model of the environment gets a training pipeline in its stack
      const trainsModels = has('trainingPipeline') && environment.models.length > 0;
      const publishedInto = receivesPublishedModels(environment);
      this.registry = new RegistryStack(this, SHARED_STACK_IDS.registry, {
        ...base,
        description: `${project} ${environment.name}: model registry, approved versions${publishedInto ? ', publisher role' : ''} (stage 2)`,
        artifactsBucket: foundation.artifactsBucket,
        logsKey: foundation.logsKey,
        alertsTopic: foundation.alertsTopic,
        publisherAccounts: publishedInto ? (props.publisherAccounts ?? []) : [],
        modelMonitoring: has('modelMonitoring'),
        pipelineRunner:
          has('deliveryPipeline') && environment.kind === 'test' && props.toolingAccount && trainsModels
            ? { toolingAccount: props.toolingAccount }
            : undefined,
      });
    }
    if (has('featureStore')) {
      this.featureStore = new FeatureStoreStack(this, SHARED_STACK_IDS.featureStore, {
        ...base,
        description: `${project} ${environment.name}: feature groups, their Glue database and Athena workgroup (stage 4)`,
        curatedDataBucket: foundation.curatedDataBucket,
        artifactsBucket: foundation.artifactsBucket,
        dataKey: foundation.dataKey,
        artifactsKey: foundation.artifactsKey,
      });
    }

    if (has('containerRegistry')) {
      this.containerRegistry = new ContainerRegistryStack(this, SHARED_STACK_IDS.containerRegistry, {
        ...base,
        description: `${project} ${environment.name}: ECR repositories for custom training and inference images (stage 3)`,
        artifactsKey: foundation.artifactsKey,
      });
    }

    const registry = this.registry;
    if (registry) {
      for (const model of environment.models) {
        const group = model.featureGroup ? this.featureStore?.groups.get(model.featureGroup) : undefined;
        const approvedModelParameter = registry.approvedModelParameters.get(model.name);
        const parts: ModelStackParts = {
          // a retired model keeps its registry and training pipeline; serving, schedules and monitoring go
          serving: has('realtimeServing') && model.realtime && model.endpoint && isActive(model),
          batch:
            has('batchScoring') && model.batch && approvedModelParameter && isActive(model)
              ? { approvedModelParameter }
              : undefined,
          training: has('trainingPipeline')
            ? {
                featureStore:
                  group && this.featureStore
                    ? { featureGroup: group, queryEngine: this.featureStore.queryEngine }
                    : undefined,
                failureAlarm: has('modelMonitoring'),
              }
            : undefined,
          retraining: has('trainingPipeline') && has('retrainingTriggers') && isActive(model),
          monitoring: has('modelMonitoring') && isActive(model),
          budget: has('modelPortfolio') && model.budget !== undefined,
          continuousDeployment: has('continuousDeployment') && isActive(model),
        };
        if (!parts.serving && !parts.batch && !parts.training && !parts.monitoring) continue;
        const stack = new ModelStack(this, modelStackId(model.name), {
          ...base,
          description: `${project} ${environment.name}: model ${model.name}${isActive(model) ? '' : ' (retired)'}: ${modelStackSummary(parts)}`,
          model,
          ...workload,
          rawDataBucket: foundation.rawDataBucket,
          curatedDataBucket: foundation.curatedDataBucket,
          artifactsBucket: foundation.artifactsBucket,
          alertsTopic: foundation.alertsTopic,
          parts,
          imageSources: props.platformEnvironments,
        });
        // the approved-version parameter, the model package group and the baselines function live in the registry
        stack.addStackDependency(registry);
        // the pipeline writes to its feature group by name, which CloudFormation cannot see as a dependency
        if (parts.training?.featureStore && this.featureStore) stack.addStackDependency(this.featureStore);
        this.models.set(model.name, stack);
      }
    }

    if (has('modelPortfolio') && props.portfolio) {
      this.portfolioForwarding = new PortfolioForwardingStack(this, PORTFOLIO_FORWARDING_STACK_ID, {
        ...base,
        description: `${project} ${environment.name}: forwards model events to the portfolio bus (stage 5)`,
        portfolio: props.portfolio,
        logsKey: foundation.logsKey,
        alertsTopic: foundation.alertsTopic,
      });
    }

    for (const warning of environment.maturity.warnings) {
      Annotations.of(this).addWarningV2('@mlops/platform:maturity', `${environment.name}: ${warning}`);
    }
    applyPlatformTags(this, { project, environment: environment.name, extraTags: props.tags });
  }
}

/** What a model's stack holds at its stage, for its description. */
function modelStackSummary(parts: ModelStackParts): string {
  const held = [
    parts.serving && 'real-time serving behind an API',
    parts.batch && 'scheduled batch scoring',
    parts.training && 'model-building pipeline',
    parts.retraining && 'retraining triggers',
    parts.monitoring && 'Model Monitor, alarms and dashboard',
    parts.budget && 'cost budget',
    parts.continuousDeployment && 'champion/challenger gate and rollout',
  ].filter((p): p is string => typeof p === 'string');
  return held.join(', ');
}
