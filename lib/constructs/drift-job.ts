import type { ProcessingInstanceType } from '@aws-sdk/client-sagemaker';
import { ArnFormat, type CfnCondition, Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as schedulerTargets from 'aws-cdk-lib/aws-scheduler-targets';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { PipelineDefinition, ProcessingStep } from '../pipeline-definition';
import { DRIFT_METRICS } from '../vocabulary';
import { applyConditionToScope } from './conditions';
import { DeadLetterQueue } from './dead-letter-queue';
import { notifyOnEvents } from './event-notification';
import { PlatformRole } from './platform-role';
import { schedulerPrincipal } from './principals';
import { PipelineReference } from './retraining-triggers';
import {
  BUCKET_AND_KEY_GRANT_ACTIONS,
  grantImagePull,
  grantSageMakerJobKey,
  grantSageMakerLogsAndMetrics,
  grantSageMakerVpcAccess,
} from './sagemaker-grants';
import { known, throwIfInvalid } from './validation';

/** An S3 location as bucket and key prefix (ending in `/`). */
export interface S3Location {
  readonly bucket: s3.IBucket;
  readonly prefix: string;
}

/** How the job judges one window; the defaults live in the config (lib/config/drift.ts). */
export interface DriftJobSettings {
  /** Hours of captured requests per run; the job runs once per window (1 to 24). */
  readonly windowHours: number;
  /** Records a window needs; below it: insufficient data, no drift. */
  readonly minSamples: number;
  /** PSI at or above which a feature or the predictions have drifted. */
  readonly psiThreshold: number;
  /** Rise of a missing-value rate over the baseline's that is a violation. */
  readonly missingTolerance: number;
  /** Instance of the processing job. */
  readonly instanceType: string;
  /**
   * The training metric whose live value the job computes from ground truth (`auc`, `accuracy`, ...).
   * @default - no quality check
   */
  readonly qualityMetric?: string;
  /** Minimum of the live metric; below it the window violates quality. */
  readonly qualityMinimum?: number;
  /**
   * Hours after a request before its label is expected; the quality check looks at older requests.
   * @default 0
   */
  readonly groundTruthDelayHours?: number;
}

export interface DriftJobProps {
  readonly modelName: string;
  readonly environmentName: string;
  /** Name of the single-step pipeline that runs the job. */
  readonly pipelineName: string;
  /** Code archive (the model's code asset, which carries `mlops_shared`). */
  readonly code: { readonly bucket: s3.IBucket; readonly s3ObjectUrl: string };
  /** The SageMaker scikit-learn processing image (numpy, scipy, boto3). */
  readonly imageUri: string;
  readonly imageRepositoryArns: readonly string[];
  /** S3 URIs of the approved version's baseline statistics (data quality, and model quality if any). */
  readonly baselines: { readonly dataStatisticsUri: string; readonly modelStatisticsUri?: string };
  /** Bucket and key prefixes (`pipelines/churn/*`) the baselines are read from. */
  readonly baselineBucket: s3.IBucket;
  readonly baselinePrefixes: readonly string[];
  /** The endpoint's data capture. */
  readonly capture: S3Location;
  /** @default - no ground truth, no quality check */
  readonly groundTruth?: S3Location;
  /** Where each run writes report.json and report.html. */
  readonly reports: S3Location;
  readonly settings: DriftJobSettings;
  readonly vpc: ec2.IVpc;
  readonly subnets: ec2.SubnetSelection;
  readonly securityGroups: readonly ec2.ISecurityGroup[];
  /** Key of the job's volume and of the reports. */
  readonly jobKey: kms.IKey;
  /** Keys of what the job reads (the capture's bucket key). */
  readonly readKeys: readonly kms.IKey[];
  readonly alarmTopic: sns.ITopic;
  readonly deadLetterKey: kms.IKey;
  readonly alarmNames: { readonly dataDrift: string; readonly quality: string };
  /**
   * Everything exists only under this condition (a version is approved).
   * @default - unconditional
   */
  readonly condition?: CfnCondition;
}

const SOURCE_DIR = '/opt/ml/processing/source';
const CODE_DIR = '/opt/ml/processing/code';

/**
 * The platform's own drift and quality job of one model (stage 5, engine `platform`; ADR 0025): a single-step
 * SageMaker pipeline whose processing job runs `mlops_shared.drift_job` over the last window of captured requests,
 * started once per window by EventBridge Scheduler. The job publishes the drift metric contract
 * ({@link DRIFT_METRICS}) and writes a JSON and an HTML report per run; two alarms watch the contract's
 * `DataDrift` and `QualityViolation`, and their state changes drive the retraining loop.
 *
 * The job is not network-isolated: it lists the capture by hour and publishes metrics itself. It runs in the VPC,
 * whose isolated subnets reach S3 through the gateway endpoint and CloudWatch through the monitoring endpoint.
 */
export class DriftJob extends Construct {
  readonly role: PlatformRole;
  readonly pipeline: sagemaker.CfnPipeline;
  readonly pipelineArn: string;
  readonly schedule: scheduler.Schedule;
  readonly scheduleDeadLetterQueue: DeadLetterQueue;
  readonly dataDriftAlarm: cloudwatch.Alarm;
  /** Tells the alerts topic of every failed or stopped run: drift goes unwatched until the job runs again. */
  readonly failedRunsRule: events.Rule;
  readonly qualityAlarm?: cloudwatch.Alarm;
  /** Names of the alarms, for dashboards and the retraining loop outside the condition. */
  readonly alarmNames: string[];
  private readonly props: DriftJobProps;

  constructor(scope: Construct, id: string, props: DriftJobProps) {
    super(scope, id);
    validate(this, props);
    this.props = props;
    const stack = Stack.of(this);
    this.pipelineArn = stack.formatArn({
      service: 'sagemaker',
      resource: 'pipeline',
      resourceName: props.pipelineName,
    });

    this.role = new PlatformRole(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }),
      description: `Runs the drift job of ${props.modelName} in ${props.environmentName}`,
    });
    this.grant(props);

    this.pipeline = new sagemaker.CfnPipeline(this, 'Pipeline', {
      pipelineName: props.pipelineName,
      pipelineDescription: `Drift and quality of ${props.modelName} over the last ${props.settings.windowHours} hours of captured requests`,
      roleArn: this.role.roleArn,
      pipelineDefinition: { PipelineDefinitionBody: this.definition(props).render(this) },
    });
    this.pipeline.node.addDependency(this.role.policy);

    this.scheduleDeadLetterQueue = new DeadLetterQueue(this, 'ScheduleDeadLetters', {
      encryptionKey: props.deadLetterKey,
      alarmTopic: props.alarmTopic,
      purpose: `the drift job schedule of ${props.modelName}`,
    });
    this.schedule = this.createSchedule(props);
    this.failedRunsRule = notifyOnEvents(this, {
      idPrefix: 'FailureEvents',
      ruleId: 'FailedRuns',
      description: `A run of the drift job ${props.pipelineName} failed or was stopped`,
      eventPattern: {
        source: ['aws.sagemaker'],
        detailType: ['SageMaker Model Building Pipeline Execution Status Change'],
        detail: { pipelineArn: [this.pipelineArn], currentPipelineExecutionStatus: ['Failed', 'Stopped'] },
      },
      topic: props.alarmTopic,
      deadLetterKey: props.deadLetterKey,
      purpose: `failure notifications of ${props.pipelineName}`,
      roleDescription: `EventBridge reports failed runs of ${props.pipelineName}`,
    });

    const period = Duration.hours(props.settings.windowHours);
    this.dataDriftAlarm = this.metric(DRIFT_METRICS.names.dataDrift, { period }).createAlarm(this, 'DataDriftAlarm', {
      alarmName: props.alarmNames.dataDrift,
      alarmDescription: `A feature or the predictions of ${props.modelName} in ${props.environmentName} drifted past PSI ${props.settings.psiThreshold} in the last window (platform drift job)`,
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.dataDriftAlarm.addAlarmAction(new actions.SnsAction(props.alarmTopic));
    if (props.settings.qualityMetric && props.groundTruth) {
      this.qualityAlarm = this.metric(DRIFT_METRICS.names.qualityViolation, { period }).createAlarm(
        this,
        'QualityAlarm',
        {
          alarmName: props.alarmNames.quality,
          alarmDescription: `Live ${props.settings.qualityMetric} of ${props.modelName} in ${props.environmentName} fell below ${props.settings.qualityMinimum} in the last window (platform drift job)`,
          threshold: 1,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          evaluationPeriods: 1,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        },
      );
      this.qualityAlarm.addAlarmAction(new actions.SnsAction(props.alarmTopic));
    }
    this.alarmNames = [props.alarmNames.dataDrift, ...(this.qualityAlarm ? [props.alarmNames.quality] : [])];
    if (props.condition) applyConditionToScope(this, props.condition);
  }

  /**
   * A metric of the contract for this model (dimensions Environment and Model).
   * @default - Maximum over one window
   */
  metric(metricName: string, options?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return driftMetric(this.props.environmentName, this.props.modelName, metricName, {
      period: Duration.hours(this.props.settings.windowHours),
      ...options,
    });
  }

  private definition(props: DriftJobProps): PipelineDefinition {
    const { settings } = props;
    const definition = new PipelineDefinition();
    const args: string[] = [
      '--environment',
      props.environmentName,
      '--model',
      props.modelName,
      '--data-statistics',
      props.baselines.dataStatisticsUri,
      ...(props.baselines.modelStatisticsUri ? ['--model-statistics', props.baselines.modelStatisticsUri] : []),
      '--capture',
      props.capture.bucket.s3UrlForObject(props.capture.prefix),
      ...(props.groundTruth
        ? ['--ground-truth', props.groundTruth.bucket.s3UrlForObject(props.groundTruth.prefix)]
        : []),
      '--report',
      props.reports.bucket.s3UrlForObject(props.reports.prefix),
      '--namespace',
      DRIFT_METRICS.namespace,
      '--window-hours',
      String(settings.windowHours),
      '--min-samples',
      String(settings.minSamples),
      '--psi-threshold',
      String(settings.psiThreshold),
      '--missing-tolerance',
      String(settings.missingTolerance),
      ...(settings.qualityMetric ? ['--quality-metric', settings.qualityMetric] : []),
      ...(settings.qualityMinimum !== undefined ? ['--quality-minimum', String(settings.qualityMinimum)] : []),
      ...(settings.groundTruthDelayHours ? ['--ground-truth-delay-hours', String(settings.groundTruthDelayHours)] : []),
    ];
    definition.addStep(
      new ProcessingStep('DriftCheck', {
        description: 'Compares the last window of captured requests with the approved version baselines',
        arguments: {
          AppSpecification: {
            ImageUri: props.imageUri,
            ContainerEntrypoint: [
              'bash',
              '-c',
              `set -e; python3 -m zipfile -e ${CODE_DIR}/*.zip ${SOURCE_DIR} && cd ${SOURCE_DIR} && exec python3 -m mlops_shared.drift_job "$@"`,
              'drift_job',
            ],
            ContainerArguments: args,
          },
          ProcessingInputs: [
            {
              InputName: 'code',
              S3Input: {
                S3Uri: props.code.s3ObjectUrl,
                LocalPath: CODE_DIR,
                S3DataType: 'S3Prefix',
                S3InputMode: 'File',
              },
            },
          ],
          ProcessingResources: {
            ClusterConfig: {
              InstanceCount: 1,
              InstanceType: settings.instanceType as ProcessingInstanceType,
              VolumeSizeInGB: 30,
              VolumeKmsKeyId: props.jobKey.keyArn,
            },
          },
          // lists the capture by hour and publishes metrics itself: in the VPC, not network-isolated
          NetworkConfig: {
            EnableNetworkIsolation: false,
            EnableInterContainerTrafficEncryption: true,
            VpcConfig: {
              Subnets: props.vpc.selectSubnets(props.subnets).subnetIds,
              SecurityGroupIds: props.securityGroups.map((group) => group.securityGroupId),
            },
          },
          RoleArn: this.role.roleArn,
          StoppingCondition: { MaxRuntimeInSeconds: 3600 },
        },
      }),
    );
    return definition;
  }

  private grant(props: DriftJobProps): void {
    const stack = Stack.of(this);
    const role = this.role;
    const processingJobs = stack.formatArn({
      service: 'sagemaker',
      resource: 'processing-job',
      resourceName: '*',
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
    role.addWildcardStatement(
      new iam.PolicyStatement({
        sid: 'RunTheDriftJobInTheVpc',
        actions: ['sagemaker:CreateProcessingJob'],
        resources: [processingJobs],
        conditions: { Null: { 'sagemaker:VpcSubnets': 'false' } },
      }),
      'SageMaker Pipelines names each job after the execution (pipelines-<id>-<step>), so jobs are matched by type',
    );
    role.addWildcardStatement(
      new iam.PolicyStatement({
        sid: 'FollowTheDriftJob',
        actions: ['sagemaker:DescribeProcessingJob', 'sagemaker:StopProcessingJob', 'sagemaker:AddTags'],
        resources: [processingJobs],
      }),
      'SageMaker Pipelines names each job after the execution (pipelines-<id>-<step>), so jobs are matched by type',
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'PassItselfToTheJob',
        actions: ['iam:PassRole'],
        resources: [role.roleArn],
        conditions: { StringEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } },
      }),
    );
    role.addWildcardStatement(
      new iam.PolicyStatement({
        sid: 'PublishTheDriftContract',
        actions: ['cloudwatch:PutMetricData'],
        resources: ['*'],
        conditions: { StringEquals: { 'cloudwatch:namespace': DRIFT_METRICS.namespace } },
      }),
      'PutMetricData has no resource-level permissions; the namespace condition limits it to the drift contract',
    );
    const reason = (what: string) => `${what}: objects named by hour, run or execution under one prefix`;
    role.justifyGrant(
      props.capture.bucket.grantRead(role, `${props.capture.prefix}*`),
      reason('the captured requests'),
    );
    if (props.groundTruth) {
      role.justifyGrant(props.groundTruth.bucket.grantRead(role, `${props.groundTruth.prefix}*`), reason('the labels'));
    }
    for (const prefix of props.baselinePrefixes) {
      role.justifyGrant(props.baselineBucket.grantRead(role, prefix), reason('the baselines of the approved version'));
    }
    role.justifyGrant(props.reports.bucket.grantPut(role, `${props.reports.prefix}*`), reason('the reports'));
    role.justifyGrant(props.code.bucket.grantRead(role), 'the job downloads the code asset, named by its content hash');
    grantSageMakerJobKey(role, props.jobKey);
    for (const key of props.readKeys) key.grantDecrypt(role);
    role.justifyActions(
      BUCKET_AND_KEY_GRANT_ACTIONS,
      'the bucket and key grants of the job data need every variant of these read, write and data-key actions',
    );
    grantImagePull(role, props.imageRepositoryArns);
    grantSageMakerLogsAndMetrics(role, '/aws/sagemaker/*', '/aws/sagemaker/*');
    grantSageMakerVpcAccess(role, props.vpc);
  }

  private createSchedule(props: DriftJobProps): scheduler.Schedule {
    const role = new PlatformRole(this, 'ScheduleRole', {
      assumedBy: schedulerPrincipal(this),
      description: `EventBridge Scheduler starts the drift job of ${props.modelName}`,
    });
    this.scheduleDeadLetterQueue.queue.grantSendMessages(role);
    role.justifyActions(
      ['kms:GenerateDataKey*', 'kms:ReEncrypt*'],
      'sending to the KMS-encrypted dead-letter queue needs data keys of that one queue key',
    );
    const pipeline = new PipelineReference(this, 'PipelineReference', props.pipelineName, this.pipelineArn);
    const schedule = new scheduler.Schedule(this, 'Schedule', {
      description: `Runs the drift job of ${props.modelName} every ${props.settings.windowHours} hours`,
      schedule: scheduler.ScheduleExpression.rate(Duration.hours(props.settings.windowHours)),
      target: new schedulerTargets.SageMakerStartPipelineExecution(pipeline, {
        role,
        deadLetterQueue: this.scheduleDeadLetterQueue.queue,
        retryAttempts: 3,
        maxEventAge: Duration.hours(1),
      }),
    });
    schedule.node.addDependency(role.policy, this.pipeline);
    return schedule;
  }
}

/** A metric of the drift contract of one model (dimensions Environment and Model), Maximum by default. */
export function driftMetric(
  environmentName: string,
  modelName: string,
  metricName: string,
  options?: cloudwatch.MetricOptions,
): cloudwatch.Metric {
  const { dimensions } = DRIFT_METRICS;
  return new cloudwatch.Metric({
    namespace: DRIFT_METRICS.namespace,
    metricName,
    dimensionsMap: { [dimensions.environment]: environmentName, [dimensions.model]: modelName },
    statistic: cloudwatch.Stats.MAXIMUM,
    ...options,
  });
}

function validate(scope: Construct, props: DriftJobProps): void {
  const problems: string[] = [];
  const { settings } = props;
  if (
    known(settings.windowHours) &&
    (!Number.isInteger(settings.windowHours) || settings.windowHours < 1 || settings.windowHours > 24)
  ) {
    problems.push(
      `settings.windowHours must be a whole number of 1 to 24 (an alarm looks at most one day back), got ${settings.windowHours}`,
    );
  }
  if (known(settings.minSamples) && (!Number.isInteger(settings.minSamples) || settings.minSamples < 1)) {
    problems.push(`settings.minSamples must be a whole number of at least 1, got ${settings.minSamples}`);
  }
  if (known(settings.psiThreshold) && !(settings.psiThreshold > 0)) {
    problems.push(`settings.psiThreshold must be positive, got ${settings.psiThreshold}`);
  }
  for (const [name, location] of [
    ['capture', props.capture],
    ['reports', props.reports],
    ['groundTruth', props.groundTruth],
  ] as const) {
    if (location && known(location.prefix) && (!location.prefix.endsWith('/') || location.prefix.startsWith('/'))) {
      problems.push(`${name}.prefix must be a folder such as 'data-capture/churn/', got '${location.prefix}'`);
    }
  }
  throwIfInvalid(scope, 'drift job', problems);
}
