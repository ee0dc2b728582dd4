import { IgnoreMode, Stack } from 'aws-cdk-lib';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import type { EvidenceQuery, EvidenceSource } from '../../../lambda/retraining-trigger/loop';
import { DRIFT_DEFAULTS, resolveDrift } from '../../config/drift';
import type { ResolvedModel } from '../../config/models';
import { DriftJob } from '../../constructs/drift-job';
import { DATA_QUALITY_NAMESPACE, MODEL_QUALITY_NAMESPACE } from '../../constructs/model-monitor';
import { ModelPackageBaselines } from '../../constructs/model-package-baselines';
import type { RetrainingLoopProps } from '../../constructs/retraining-triggers';
import { imageRepositoryArn } from '../../constructs/sagemaker-grants';
import {
  baselinesFunctionName,
  driftAlarmNames,
  driftPipelineName,
  endpointName,
  monitoringAlarmNames,
  monitoringScheduleName,
} from '../../naming';
import { frameworkImageUri, SKLEARN_IMAGE_TAG } from '../../pipeline/images';
import { DRIFT_METRICS } from '../../vocabulary';
import { declareApprovedVersion } from '../approved-version';
import type { ModelPartProps, ModelWorkloadProps } from './part';
import { DATA_CAPTURE_PREFIX } from './serving';

/** Where the drift job writes its reports in the artifacts bucket, per model. */
export const DRIFT_REPORT_PREFIX = 'drift';

/** Whether the platform drift job can watch a model: a real-time instance endpoint that captures its requests. */
export function platformDriftWatches(model: ResolvedModel): boolean {
  return model.serving.kind === 'instances' && model.dataCapturePercent > 0;
}

/** The live quality minimum of a model: the alarm's, or what a version had to reach to be registered. */
function qualityMinimum(model: ResolvedModel): number {
  return model.alarms.modelQualityMinimum ?? model.training.threshold;
}

export interface ModelDriftProps extends ModelWorkloadProps {
  /** Holds the endpoint's data capture and the ground truth. */
  readonly rawDataBucket: s3.IBucket;
  /** Holds the baselines and receives the reports. */
  readonly artifactsBucket: s3.IBucket;
  readonly alertsTopic: sns.ITopic;
}

/**
 * Stage 5 drift of one model (capability `driftRetraining`, `models[].monitoring.engine: platform`): the
 * platform's own drift and quality job over the endpoint's captured requests, against the approved version's
 * baselines, with alarms on the drift metric contract. Exists, like Model Monitor, once a version is approved.
 * Part of the model's stack; the retraining loop (lib/stacks/model/retraining.ts) follows its alarms.
 */
export class ModelDrift extends Construct {
  readonly job: DriftJob;
  readonly code: s3assets.Asset;

  constructor(scope: Construct, id: string, props: ModelDriftProps) {
    super(scope, id);
    const { project, envConfig, model } = props;
    const drift = resolveDrift(model);
    const approved = declareApprovedVersion(this, project, envConfig.name, model.name);
    const baselines = new ModelPackageBaselines(this, 'Baselines', {
      functionName: baselinesFunctionName(project, envConfig.name),
      modelPackageArn: approved.modelPackageArn,
      condition: approved.condition,
    });
    // the shared package only: the job needs nothing of the model's own code
    this.code = new s3assets.Asset(this, 'Code', {
      path: model.training.codeDirectory,
      ignoreMode: IgnoreMode.GIT,
      exclude: ['/*', '!/mlops_shared/', '__pycache__/', '*.pyc', 'tests/', 'test_*.py', 'conftest.py'],
    });
    const imageUri = frameworkImageUri('sklearn', SKLEARN_IMAGE_TAG, Stack.of(this).region);
    const repository = imageRepositoryArn(this, imageUri);
    if (!repository) throw new Error(`the drift job image ${imageUri} is not an ECR image URI`);

    this.job = new DriftJob(this, 'Job', {
      modelName: model.name,
      environmentName: envConfig.name,
      pipelineName: driftPipelineName(project, envConfig.name, model.name),
      code: { bucket: this.code.bucket, s3ObjectUrl: this.code.s3ObjectUrl },
      imageUri,
      imageRepositoryArns: [repository],
      baselines: {
        dataStatisticsUri: baselines.dataQuality.statisticsUri,
        modelStatisticsUri: baselines.modelQuality.statisticsUri,
      },
      baselineBucket: props.artifactsBucket,
      baselinePrefixes: [`pipelines/${model.name}/*`],
      capture: { bucket: props.rawDataBucket, prefix: `${DATA_CAPTURE_PREFIX}/${model.name}/` },
      groundTruth: { bucket: props.rawDataBucket, prefix: model.monitoring.groundTruthPrefix },
      reports: { bucket: props.artifactsBucket, prefix: `${DRIFT_REPORT_PREFIX}/${model.name}/` },
      settings: {
        ...drift.job,
        qualityMetric: model.training.metric,
        qualityMinimum: qualityMinimum(model),
        groundTruthDelayHours: model.monitoring.groundTruthDelayHours,
      },
      vpc: props.vpc,
      subnets: props.workloadSubnets,
      securityGroups: [props.workloadSecurityGroup],
      jobKey: props.artifactsKey,
      readKeys: [props.dataKey],
      alarmTopic: props.alertsTopic,
      deadLetterKey: props.logsKey,
      alarmNames: driftAlarmNames(project, envConfig.name, model.name),
      condition: approved.condition,
    });
  }
}

/**
 * The retraining loop of a model (stage 5): the alarms it follows and the evidence it counts, from the engine
 * that measures the model's drift. The platform engine's contract has sample counts, so the minimum samples apply;
 * Model Monitor's metrics have none (its per-feature drift distances and the live quality metric are mapped onto
 * violations instead). Undefined when the model's loop is off or no engine watches it.
 */
export function retrainingLoopOf(props: ModelPartProps, servedInRealTime: boolean): RetrainingLoopProps | undefined {
  const { project, envConfig, model } = props;
  const drift = resolveDrift(model);
  if (!drift.loop.enabled || !servedInRealTime || !platformDriftWatches(model)) return undefined;
  const policy = {
    violatingWindows: drift.loop.violatingWindows,
    windows: drift.loop.windows,
    minSamples: drift.job.minSamples,
    cooldownMinutes: drift.loop.cooldownMinutes,
    maxRunsPerMonth: drift.loop.maxRunsPerMonth,
    maxTrainingInstanceHoursPerMonth: drift.loop.maxTrainingInstanceHoursPerMonth,
  };
  const base = { projectName: project, environmentName: envConfig.name };
  if (drift.engine === 'platform') {
    const dimensions = {
      [DRIFT_METRICS.dimensions.environment]: envConfig.name,
      [DRIFT_METRICS.dimensions.model]: model.name,
    };
    const contract = (id: string, reason: 'drift' | 'quality', metricName: string): EvidenceQuery => ({
      id,
      reason,
      namespace: DRIFT_METRICS.namespace,
      metricName,
      dimensions,
      stat: 'Maximum',
      comparison: 'GreaterThanOrEqualToThreshold',
      threshold: 1,
    });
    const evidence: EvidenceSource = {
      violations: [
        contract('drift', 'drift', DRIFT_METRICS.names.dataDrift),
        contract('quality', 'quality', DRIFT_METRICS.names.qualityViolation),
      ],
      samples: {
        id: 'samples',
        namespace: DRIFT_METRICS.namespace,
        metricName: DRIFT_METRICS.names.samples,
        dimensions,
        stat: 'Maximum',
      },
    };
    const alarms = driftAlarmNames(project, envConfig.name, model.name);
    return {
      ...base,
      policy: { ...policy, windowMinutes: drift.job.windowHours * 60 },
      evidence,
      alarmNames: [alarms.dataDrift, alarms.quality],
    };
  }
  // Model Monitor: hourly data-quality drift per feature and the daily live quality metric, mapped onto violations
  if (!model.monitoring.modelMonitor) return undefined;
  const endpoint = endpointName(project, envConfig.name, model.name);
  const dataSchedule = monitoringScheduleName(project, envConfig.name, model.name, 'dataQuality');
  const qualitySchedule = monitoringScheduleName(project, envConfig.name, model.name, 'modelQuality');
  const features = (model.monitoring.features ?? []).slice(0, 8);
  const evidence: EvidenceSource = {
    violations: [
      ...features.map(
        (feature, i): EvidenceQuery => ({
          id: `f${i}`,
          reason: 'drift',
          namespace: DATA_QUALITY_NAMESPACE,
          metricName: `feature_baseline_drift_${feature}`,
          dimensions: { Endpoint: endpoint, MonitoringSchedule: dataSchedule },
          stat: 'Maximum',
          comparison: 'GreaterThanOrEqualToThreshold',
          threshold: model.alarms.featureDrift ?? DRIFT_DEFAULTS.psiThreshold,
        }),
      ),
      {
        id: 'quality',
        reason: 'quality',
        namespace: MODEL_QUALITY_NAMESPACE,
        metricName: model.training.metric,
        dimensions: { Endpoint: endpoint, MonitoringSchedule: qualitySchedule },
        stat: 'Minimum',
        comparison: 'LessThanThreshold',
        threshold: qualityMinimum(model),
      },
    ],
  };
  const alarms = monitoringAlarmNames(project, envConfig.name, model.name);
  return {
    ...base,
    // Model Monitor's data-quality schedule is hourly by default: one window per hour
    policy: { ...policy, windowMinutes: 60 },
    evidence,
    alarmNames: [`${alarms.featureDrift}*`, alarms.modelQuality],
  };
}
