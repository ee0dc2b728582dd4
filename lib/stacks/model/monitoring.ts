import { Stack } from 'aws-cdk-lib';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { ModelDashboard } from '../../constructs/model-dashboard';
import { endpointAlarmNames, type IModelEndpoint, ModelEndpoint } from '../../constructs/model-endpoint';
import { ModelMonitor } from '../../constructs/model-monitor';
import { ModelPackageBaselines } from '../../constructs/model-package-baselines';
import { retrainingDecisionsSource } from '../../constructs/retraining-triggers';
import {
  baselinesFunctionName,
  endpointName,
  modelDashboardName,
  monitoringAlarmNames,
  pipelineFailureAlarmName,
  trainingPipelineName,
} from '../../naming';
import { clarifyImageUri, modelMonitorImageUri } from '../../pipeline/images';
import { declareApprovedVersion } from '../approved-version';
import type { ModelWorkloadProps } from './part';
import { DATA_CAPTURE_PREFIX } from './serving';

export interface ModelMonitoringProps extends ModelWorkloadProps {
  /** Holds the endpoint's data capture and the ground truth. */
  readonly rawDataBucket: s3.IBucket;
  /** Holds the baselines (from the training pipeline) and receives the monitoring reports. */
  readonly artifactsBucket: s3.IBucket;
  readonly alertsTopic: sns.ITopic;
  /** Whether the model is served from a real-time endpoint in this environment. */
  readonly servedInRealTime: boolean;
  /** Whether the environment runs the model's training pipeline (and so its failure alarm exists). */
  readonly trained: boolean;
  /** Whether the environment runs the model's retraining trigger. */
  readonly retrained: boolean;
  /**
   * Alarms of the platform's drift job (stage 5), shown with the model's other alarms.
   * @default - none
   */
  readonly driftAlarmNames?: readonly string[];
  /**
   * The window of the platform's drift job (stage 5), whose contract the dashboard shows.
   * @default - no drift row
   */
  readonly driftWindowHours?: number;
}

/** Where Model Monitor writes its reports in the artifacts bucket, per model. */
export const MONITORING_REPORT_PREFIX = 'monitoring';

/**
 * Stage 4 monitoring of one model in one environment: Model Monitor on its real-time endpoint (data quality and
 * model quality against the approved version's baselines, with drift, quality and failed-job alarms), and a
 * dashboard of traffic, latency, errors, drift, pipeline runs, retraining decisions and every alarm of the model.
 * Model Monitor needs data capture, which serverless endpoints do not offer, so it watches instance endpoints
 * only; the dashboard exists either way. Model Monitor resources exist once a version is approved. Part of the
 * model's stack, which declares the approved version once for serving and monitoring.
 */
export class ModelMonitoring extends Construct {
  readonly monitor?: ModelMonitor;
  readonly dashboard: ModelDashboard;

  constructor(scope: Construct, id: string, props: ModelMonitoringProps) {
    super(scope, id);
    const { project, envConfig, model } = props;
    const { region } = Stack.of(this);
    const name = endpointName(project, envConfig.name, model.name);
    // Imported by its stable name: the serving endpoint exists only once a version is approved, and the dashboard
    // does not carry that condition.
    const endpoint: IModelEndpoint | undefined = props.servedInRealTime
      ? ModelEndpoint.fromEndpointName(this, 'Endpoint', name)
      : undefined;
    // Model Monitor reads data capture, which only instance endpoints offer
    const monitorable =
      model.monitoring.modelMonitor &&
      props.servedInRealTime &&
      model.serving.kind === 'instances' &&
      model.dataCapturePercent > 0;
    const { bias, explainability } = model.monitoring;
    // the live metric must not fall below what the version had to reach to be registered
    const qualityMinimum = model.alarms.modelQualityMinimum ?? model.training.threshold;

    if (monitorable && endpoint) {
      const approved = declareApprovedVersion(this, project, envConfig.name, model.name);
      const baselines = new ModelPackageBaselines(this, 'Baselines', {
        functionName: baselinesFunctionName(project, envConfig.name),
        modelPackageArn: approved.modelPackageArn,
        condition: approved.condition,
        require: [...(bias ? (['Bias'] as const) : []), ...(explainability ? (['Explainability'] as const) : [])],
      });
      this.monitor = new ModelMonitor(this, 'Monitor', {
        endpoint,
        condition: approved.condition,
        imageUri: modelMonitorImageUri(region),
        namePrefix: name,
        deadLetterRemovalPolicy: props.removalPolicy,
        alarmNames: monitoringAlarmNames(project, envConfig.name, model.name),
        dataQuality: {
          baseline: baselines.dataQuality,
          schedule: model.monitoring.dataQualitySchedule,
          features: model.monitoring.features ?? [],
          driftThreshold: model.alarms.featureDrift,
        },
        modelQuality: {
          baseline: baselines.modelQuality,
          // the default pipeline trains binary:logistic and baselines its model quality as such
          problemType: 'BinaryClassification',
          groundTruthBucket: props.rawDataBucket,
          groundTruthPrefix: model.monitoring.groundTruthPrefix,
          groundTruthDelayHours: model.monitoring.groundTruthDelayHours,
          windowHours: 24,
          schedule: model.monitoring.modelQualitySchedule,
          metric: model.training.metric,
          minimum: qualityMinimum,
        },
        bias: bias && {
          baseline: { configUri: baselines.bias.configUri, constraintsUri: baselines.bias.postTrainingConstraintsUri },
          schedule: bias.schedule,
        },
        explainability: explainability && { baseline: baselines.explainability, schedule: explainability.schedule },
        clarifyImageUri: bias || explainability ? clarifyImageUri(region) : undefined,
        capture: {
          bucket: props.rawDataBucket,
          prefix: `${DATA_CAPTURE_PREFIX}/${model.name}`,
          key: props.dataKey,
        },
        artifactsBucket: props.artifactsBucket,
        reportPrefix: `${MONITORING_REPORT_PREFIX}/${model.name}`,
        baselinePrefixes: [`pipelines/${model.name}/*`],
        jobKey: props.artifactsKey,
        readKeys: [props.dataKey],
        vpc: props.vpc,
        subnets: props.workloadSubnets,
        securityGroups: [props.workloadSecurityGroup],
        instanceType: model.monitoring.instanceType,
        alarmTopic: props.alertsTopic,
        deadLetterKey: props.logsKey,
        failureThreshold: model.alarms.monitoringFailures,
      });
    }

    this.dashboard = new ModelDashboard(this, 'Dashboard', {
      dashboardName: modelDashboardName(project, envConfig.name, model.name),
      modelName: model.name,
      endpoint,
      monitor: this.monitor,
      features: model.monitoring.features,
      qualityMetric: {
        name: model.training.metric,
        minimum: qualityMinimum,
      },
      pipelineName: props.trained ? trainingPipelineName(project, envConfig.name, model.name) : undefined,
      retrainingDecisions: props.retrained ? retrainingDecisionsSource(model.name) : undefined,
      driftContract:
        props.driftWindowHours !== undefined
          ? { environmentName: envConfig.name, windowHours: props.driftWindowHours }
          : undefined,
      alarmNames: [
        ...(endpoint ? Object.values(endpointAlarmNames(endpoint.endpointName)) : []),
        ...(this.monitor?.alarmNames ?? []),
        ...(props.trained ? [pipelineFailureAlarmName(project, envConfig.name, model.name)] : []),
        ...(props.driftAlarmNames ?? []),
      ],
    });
  }
}
