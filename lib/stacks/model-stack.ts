import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as ssm from 'aws-cdk-lib/aws-ssm';
import type { Construct } from 'constructs';
import { resolveDrift } from '../config/drift';
import type { ResolvedModel } from '../config/models';
import type { TrainingFeatureStore } from '../constructs/training-pipeline';
import { MODEL_PART_IDS } from '../naming';
import { applyModelTag } from '../tagging';
import { ModelBatch } from './model/batch';
import { ModelBudget } from './model/budget';
import { ModelDrift, platformDriftWatches, retrainingLoopOf } from './model/drift';
import { ModelMonitoring } from './model/monitoring';
import type { ModelPartProps, ModelWorkloadProps, PlatformImageSource } from './model/part';
import { capturedTrafficOf, ModelPromotion, pipelinePromotion } from './model/promotion';
import { ModelRetraining } from './model/retraining';
import { ModelRolloutPart } from './model/rollout';
import { ModelServing } from './model/serving';
import { ModelTraining } from './model/training';
import { PlatformStack, type WorkloadStackProps } from './platform-stack';

/** The parts of a model's stack that the environment's stage (and the model's config) switch on. */
export interface ModelStackParts {
  /** Real-time serving behind an API (stage 2, models served in real time). */
  readonly serving: boolean;
  /**
   * Scheduled batch scoring (stage 2, models with `batch`), reading the approved version from this parameter.
   * @default - no batch scoring
   */
  readonly batch?: { readonly approvedModelParameter: ssm.IStringParameter };
  /**
   * The model-building pipeline (stage 3), trained from this feature group when given (stage 4).
   * @default - no training pipeline
   */
  readonly training?: { readonly featureStore?: TrainingFeatureStore; readonly failureAlarm: boolean };
  /** Scheduled and new-data retraining (stage 4); needs `training`. */
  readonly retraining: boolean;
  /** Model Monitor, alarms and dashboard (stage 4). */
  readonly monitoring: boolean;
  /**
   * The model's monthly cost budget (stage 5, models with `budget`).
   * @default false
   */
  readonly budget?: boolean;
  /**
   * The champion/challenger gate in the training pipeline and the rollout of approved versions (stage 5,
   * continuous deployment); the gate needs `training`, the rollout needs `serving` or `batch`.
   * @default false
   */
  readonly continuousDeployment?: boolean;
}

export interface ModelStackProps extends WorkloadStackProps {
  readonly model: ResolvedModel;
  readonly rawDataBucket: s3.IBucket;
  readonly curatedDataBucket: s3.IBucket;
  readonly artifactsBucket: s3.IBucket;
  readonly alertsTopic: sns.ITopic;
  readonly parts: ModelStackParts;
  /**
   * Every environment of the platform, whose container registries the model's workloads may pull from.
   * @default - this environment only
   */
  readonly imageSources?: readonly PlatformImageSource[];
}

/**
 * Everything of one model in one environment, in one stack (ADR 0018): its serving, batch scoring, training,
 * retraining and monitoring, each a construct with a short fixed id. A higher stage only adds parts, so it never
 * replaces what a lower stage deployed. Serving and monitoring share one approved-version parameter and condition,
 * so approving a version updates this one stack.
 */
export class ModelStack extends PlatformStack {
  readonly model: ResolvedModel;
  readonly serving?: ModelServing;
  readonly batch?: ModelBatch;
  readonly training?: ModelTraining;
  readonly retraining?: ModelRetraining;
  readonly monitoring?: ModelMonitoring;
  readonly budget?: ModelBudget;
  readonly promotion?: ModelPromotion;
  readonly rollout?: ModelRolloutPart;
  /** The platform's drift job (stage 5, `driftRetraining` with engine `platform`). */
  readonly drift?: ModelDrift;

  constructor(scope: Construct, id: string, props: ModelStackProps) {
    super(scope, id, props);
    const { model, parts } = props;
    this.model = model;
    const part: ModelPartProps = {
      project: this.project,
      envConfig: this.envConfig,
      model,
      removalPolicy: this.statefulRemovalPolicy,
    };
    // stage 5: drift that every account can measure, and drift and quality alarms that retrain the model
    const driftRetraining = this.envConfig.maturity.capabilities.has('driftRetraining') && parts.monitoring;
    const workload: ModelWorkloadProps = {
      ...part,
      vpc: props.vpc,
      workloadSubnets: props.workloadSubnets,
      workloadSecurityGroup: props.workloadSecurityGroup,
      dataKey: props.dataKey,
      artifactsKey: props.artifactsKey,
      logsKey: props.logsKey,
      imageSources: props.imageSources,
    };

    if (parts.serving) {
      this.serving = new ModelServing(this, MODEL_PART_IDS.serving, {
        ...workload,
        dataBucket: props.rawDataBucket,
        artifactsBucket: props.artifactsBucket,
        alertsTopic: props.alertsTopic,
      });
    }
    const batch = parts.batch && model.batch;
    if (parts.batch && batch) {
      this.batch = new ModelBatch(this, MODEL_PART_IDS.batch, {
        ...workload,
        model: { ...model, batch },
        approvedModelParameter: parts.batch.approvedModelParameter,
        curatedDataBucket: props.curatedDataBucket,
        artifactsBucket: props.artifactsBucket,
        alertsTopic: props.alertsTopic,
      });
    }
    // the champion/challenger gate runs in the training pipeline; with mode "off" a ModelApprover judges alone
    const gated = parts.continuousDeployment === true && model.promotion.mode !== 'off';
    // where the model has ground truth, the gate also reads its latest labelled window of captured traffic
    const capturedPrefixes = capturedTrafficOf(model, this.serving !== undefined, parts.monitoring);
    const capturedTraffic = capturedPrefixes && { rawDataBucket: props.rawDataBucket, prefixes: capturedPrefixes };
    if (parts.training) {
      this.training = new ModelTraining(this, MODEL_PART_IDS.training, {
        ...workload,
        rawDataBucket: props.rawDataBucket,
        curatedDataBucket: props.curatedDataBucket,
        artifactsBucket: props.artifactsBucket,
        alertsTopic: props.alertsTopic,
        featureStore: parts.training.featureStore,
        failureAlarm: parts.training.failureAlarm,
        promotion: gated ? pipelinePromotion(this, workload, capturedTraffic) : undefined,
      });
      if (gated) {
        this.promotion = new ModelPromotion(this, MODEL_PART_IDS.promotion, {
          ...workload,
          training: this.training,
          artifactsBucket: props.artifactsBucket,
          capturedTraffic,
        });
      }
      if (parts.retraining) {
        this.retraining = new ModelRetraining(this, MODEL_PART_IDS.retraining, {
          ...part,
          rawDataBucket: props.rawDataBucket,
          dataKey: props.dataKey,
          logsKey: props.logsKey,
          alertsTopic: props.alertsTopic,
          loop: driftRetraining ? retrainingLoopOf(part, parts.serving) : undefined,
        });
        // the triggers start the pipeline by name: it must exist first
        this.retraining.node.addDependency(this.training);
      }
    }
    if (driftRetraining && this.serving && resolveDrift(model).engine === 'platform' && platformDriftWatches(model)) {
      this.drift = new ModelDrift(this, MODEL_PART_IDS.drift, {
        ...workload,
        rawDataBucket: props.rawDataBucket,
        artifactsBucket: props.artifactsBucket,
        alertsTopic: props.alertsTopic,
      });
    }
    if (parts.monitoring) {
      this.monitoring = new ModelMonitoring(this, MODEL_PART_IDS.monitoring, {
        ...workload,
        rawDataBucket: props.rawDataBucket,
        artifactsBucket: props.artifactsBucket,
        alertsTopic: props.alertsTopic,
        servedInRealTime: this.serving !== undefined,
        trained: this.training !== undefined,
        retrained: this.retraining !== undefined,
        driftAlarmNames: this.drift?.job.alarmNames,
        driftWindowHours: this.drift ? resolveDrift(model).job.windowHours : undefined,
      });
      // the monitoring schedules watch the endpoint: it must exist first (both exist once a version is approved)
      const { monitor } = this.monitoring;
      if (monitor && this.serving) {
        const schedules = [
          monitor.dataQualitySchedule,
          monitor.modelQualitySchedule,
          monitor.biasSchedule,
          monitor.explainabilitySchedule,
        ];
        for (const schedule of schedules) schedule?.addResourceDependency(this.serving.endpoint.endpoint);
      }
    }
    if (parts.continuousDeployment && (this.serving || this.batch)) {
      this.rollout = new ModelRolloutPart(this, MODEL_PART_IDS.rollout, {
        ...part,
        logsKey: props.logsKey,
        alertsTopic: props.alertsTopic,
        servedInRealTime: this.serving !== undefined,
        monitored: this.monitoring !== undefined,
      });
    }
    if (parts.budget && model.budget) {
      this.budget = new ModelBudget(this, MODEL_PART_IDS.budget, { ...part, budget: model.budget });
    }
    // cost per model: every resource of the stack names its model (the same at every stage)
    applyModelTag(this, model.name);
  }
}
