import { Annotations, Stage, type StageProps } from 'aws-cdk-lib';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import type { ResolvedEnvironment } from './config/loader';
import { ModelPackageBaselinesFunction } from './constructs/model-package-baselines';
import { modelStackId, SHARED_STACK_IDS } from './naming';
import { BatchStack } from './stacks/batch-stack';
import { ContainerRegistryStack } from './stacks/container-registry-stack';
import { FeatureStoreStack } from './stacks/feature-store-stack';
import { FoundationStack } from './stacks/foundation-stack';
import { MonitoringStack } from './stacks/monitoring-stack';
import { NetworkStack } from './stacks/network-stack';
import { PipelineRunnerRole } from './stacks/pipeline-runner-role';
import { RegistryStack } from './stacks/registry-stack';
import { RetrainingStack } from './stacks/retraining-stack';
import { ServingStack } from './stacks/serving-stack';
import { TrainingStack } from './stacks/training-stack';
import { WorkbenchStack } from './stacks/workbench-stack';
import { applyPlatformTags } from './tagging';

export interface PlatformEnvironmentProps extends StageProps {
  readonly project: string;
  readonly environment: ResolvedEnvironment;
  /** Extra cost-allocation tags. */
  readonly tags?: Readonly<Record<string, string>>;
  /** Accounts and names of the dev environments, whose data scientists publish models (stage 2). */
  readonly publisherAccounts?: readonly { readonly account: string; readonly environment: string }[];
  /** Registries that a dev environment's data scientists publish into (stage 2). */
  readonly publishTargets?: readonly { readonly account: string; readonly environment: string }[];
  /**
   * The tooling account of the delivery pipeline (stage 4), whose post-deploy check runs the training pipelines of
   * a test environment.
   * @default - no delivery pipeline
   */
  readonly toolingAccount?: string;
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
  /** Real-time serving stacks, by model name. */
  readonly serving = new Map<string, ServingStack>();
  readonly containerRegistry?: ContainerRegistryStack;
  readonly featureStore?: FeatureStoreStack;
  /** Retraining trigger stacks, by model name. */
  readonly retraining = new Map<string, RetrainingStack>();
  /** Model-building pipeline stacks, by model name. */
  readonly training = new Map<string, TrainingStack>();
  /** Batch scoring stacks, by model name. */
  readonly batch = new Map<string, BatchStack>();
  /** Monitoring and dashboard stacks, by model name. */
  readonly monitoring = new Map<string, MonitoringStack>();

  constructor(scope: Construct, id: string, props: PlatformEnvironmentProps) {
    super(scope, id, { ...props, env: { account: props.environment.account, region: props.environment.region } });
    const { project, environment } = props;
    const has = (capability: Parameters<ResolvedEnvironment['maturity']['capabilities']['has']>[0]) =>
      environment.maturity.capabilities.has(capability);
    const base = { project, envConfig: environment };

    this.foundation = new FoundationStack(this, SHARED_STACK_IDS.foundation, {
      ...base,
      description: `${project} ${environment.name}: KMS keys and encrypted data lake (stage 1)`,
    });
    this.network = new NetworkStack(this, SHARED_STACK_IDS.network, {
      ...base,
      description: `${project} ${environment.name}: private VPC and SageMaker endpoints (stage 1)`,
      logsKey: this.foundation.logsKey,
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
    // what every per-model workload stack runs in and encrypts with
    const workload = {
      vpc: this.network.vpc,
      workloadSubnets: this.network.workloadSubnets,
      workloadSecurityGroup: this.network.workloadSecurityGroup,
      dataKey: foundation.dataKey,
      artifactsKey: foundation.artifactsKey,
      logsKey: foundation.logsKey,
    };
    if (has('modelRegistry')) {
      this.registry = new RegistryStack(this, SHARED_STACK_IDS.registry, {
        ...base,
        description: `${project} ${environment.name}: model registry, approved versions, publisher role (stage 2)`,
        artifactsBucket: foundation.artifactsBucket,
        logsKey: foundation.logsKey,
        alertsTopic: foundation.alertsTopic,
        publisherAccounts: props.publisherAccounts ?? [],
      });
    }
    if (has('realtimeServing') && this.registry) {
      for (const model of environment.models.filter((m) => m.realtime)) {
        const serving = new ServingStack(this, modelStackId('Serving', model.name), {
          ...base,
          description: `${project} ${environment.name}: real-time serving of ${model.name} behind an API (stage 2)`,
          model,
          ...workload,
          dataBucket: foundation.rawDataBucket,
          artifactsBucket: foundation.artifactsBucket,
          alertsTopic: foundation.alertsTopic,
        });
        // the approved-version parameter must exist before CloudFormation can resolve it
        serving.addStackDependency(this.registry);
        this.serving.set(model.name, serving);
      }
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

    if (has('batchScoring') && this.registry) {
      for (const model of environment.models) {
        const parameter = this.registry.approvedModelParameters.get(model.name);
        if (!model.batch || !parameter) continue;
        const batch = new BatchStack(this, modelStackId('Batch', model.name), {
          ...base,
          description: `${project} ${environment.name}: scheduled batch scoring of ${model.name} (stage 2)`,
          model: { ...model, batch: model.batch },
          approvedModelParameter: parameter,
          ...workload,
          curatedDataBucket: foundation.curatedDataBucket,
          artifactsBucket: foundation.artifactsBucket,
          alertsTopic: foundation.alertsTopic,
        });
        this.batch.set(model.name, batch);
      }
    }

    if (has('containerRegistry')) {
      this.containerRegistry = new ContainerRegistryStack(this, SHARED_STACK_IDS.containerRegistry, {
        ...base,
        description: `${project} ${environment.name}: ECR repositories for custom training and inference images (stage 3)`,
        artifactsKey: foundation.artifactsKey,
      });
    }

    if (has('trainingPipeline') && this.registry) {
      for (const model of environment.models) {
        const group = model.featureGroup ? this.featureStore?.groups.get(model.featureGroup) : undefined;
        const training = new TrainingStack(this, modelStackId('Training', model.name), {
          ...base,
          description: `${project} ${environment.name}: model-building pipeline of ${model.name} (stage 3)`,
          model,
          ...workload,
          rawDataBucket: foundation.rawDataBucket,
          curatedDataBucket: foundation.curatedDataBucket,
          artifactsBucket: foundation.artifactsBucket,
          alertsTopic: foundation.alertsTopic,
          featureStore:
            group && this.featureStore
              ? { featureGroup: group, queryEngine: this.featureStore.queryEngine }
              : undefined,
          failureAlarm: has('modelMonitoring'),
        });
        // the pipeline registers into the model group of the registry stack
        training.addStackDependency(this.registry);
        // and writes to its feature group by name, which CloudFormation cannot see as a dependency
        if (group && this.featureStore) training.addStackDependency(this.featureStore);
        this.training.set(model.name, training);
        if (has('retrainingTriggers')) {
          const retraining = new RetrainingStack(this, modelStackId('Retraining', model.name), {
            ...base,
            description: `${project} ${environment.name}: scheduled and new-data retraining of ${model.name} (stage 4)`,
            model,
            rawDataBucket: foundation.rawDataBucket,
            dataKey: foundation.dataKey,
            logsKey: foundation.logsKey,
            alertsTopic: foundation.alertsTopic,
          });
          // the triggers start the pipeline by name: it must exist first
          retraining.addStackDependency(training);
          this.retraining.set(model.name, retraining);
        }
      }
    }

    if (has('modelMonitoring') && this.registry) {
      // resolves the baselines of each approved version for the monitoring stacks, by function name
      new ModelPackageBaselinesFunction(this.registry, 'ModelPackageBaselines', {
        project,
        environment: environment.name,
        logsKey: foundation.logsKey,
        alarmTopic: foundation.alertsTopic,
        logRetention: environment.settings.logRetentionDays as logs.RetentionDays,
        removalPolicy: this.registry.statefulRemovalPolicy,
      });
      for (const model of environment.models) {
        const serving = this.serving.get(model.name);
        const monitoring = new MonitoringStack(this, modelStackId('Monitoring', model.name), {
          ...base,
          description: `${project} ${environment.name}: Model Monitor, alarms and dashboard of ${model.name} (stage 4)`,
          model,
          ...workload,
          rawDataBucket: foundation.rawDataBucket,
          artifactsBucket: foundation.artifactsBucket,
          alertsTopic: foundation.alertsTopic,
          servedInRealTime: serving !== undefined,
          trained: this.training.has(model.name),
          retrained: this.retraining.has(model.name),
        });
        // the schedules watch the endpoint, and the baselines come from the registry's function
        if (serving) monitoring.addStackDependency(serving);
        monitoring.addStackDependency(this.registry);
        this.monitoring.set(model.name, monitoring);
      }
    }

    if (
      has('deliveryPipeline') &&
      environment.kind === 'test' &&
      props.toolingAccount &&
      this.registry &&
      this.training.size > 0
    ) {
      // the delivery pipeline's TrainOnSampleData check starts and watches the training pipelines through this role
      const runner = new PipelineRunnerRole(this.registry, 'PipelineRunner', {
        project,
        environment: environment.name,
        toolingAccount: props.toolingAccount,
      });
      runner.allowRunningTrainingPipelines(project, environment.name);
    }

    for (const warning of environment.maturity.warnings) {
      Annotations.of(this).addWarningV2('@mlops/platform:maturity', `${environment.name}: ${warning}`);
    }
    applyPlatformTags(this, { project, environment: environment.name, extraTags: props.tags });
  }
}
