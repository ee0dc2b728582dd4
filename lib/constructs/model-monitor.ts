import { type CfnCondition, Duration, Fn, type RemovalPolicy } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { MONITORING_SCHEDULE_SUFFIXES } from '../naming';
import { applyConditionToScope } from './conditions';
import { metricRuleMatches, notifyOnEvents } from './event-notification';
import type { IModelEndpoint } from './model-endpoint';
import { PlatformRole } from './platform-role';
import {
  BUCKET_AND_KEY_GRANT_ACTIONS,
  grantImagePull,
  grantSageMakerJobKey,
  grantSageMakerLogsAndMetrics,
  grantSageMakerVpcAccess,
  imageRepositoryArn,
} from './sagemaker-grants';
import { known, quoted, throwIfInvalid } from './validation';

/** Namespace of the per-feature statistics that data-quality monitoring of an endpoint publishes. */
export const DATA_QUALITY_NAMESPACE = '/aws/sagemaker/Endpoints/data-metrics';
/** Namespace of the live model metrics (auc, f1, ...) that model-quality monitoring of an endpoint publishes. */
export const MODEL_QUALITY_NAMESPACE = '/aws/sagemaker/Endpoints/model-metrics';

/** Distance from the baseline distribution above which a feature counts as drifted, by default. */
export const DEFAULT_FEATURE_DRIFT = 0.1;
/** Failed monitoring jobs within an hour that raise the alarm, by default. */
export const DEFAULT_MONITORING_FAILURES = 1;
/** CloudWatch alarms on metric math take at most ten metrics: features are watched in groups of ten. */
const FEATURES_PER_DRIFT_ALARM = 10;

/** Where the statistics and constraints of one baseline are, as S3 URIs (usually deploy-time tokens). */
export interface MonitoringBaseline {
  readonly statisticsUri: string;
  readonly constraintsUri: string;
}

/** Model-quality monitoring: live predictions merged with labels that arrive later. */
export interface ModelQualityMonitoring {
  /** The baseline of the metrics, from the evaluation of the approved version. */
  readonly baseline: MonitoringBaseline;
  /** SageMaker's problem type of the model. */
  readonly problemType: 'BinaryClassification' | 'MulticlassClassification' | 'Regression';
  /**
   * Where the captured response holds the probability (binary classification): a CSV column index or a JSON path.
   * @default '0' - the first (only) column of a CSV response
   */
  readonly probabilityAttribute?: string;
  /**
   * Probability from which a prediction counts as positive.
   * @default 0.5
   */
  readonly probabilityThreshold?: number;
  /** The bucket whose `groundTruthPrefix` receives the labels, as JSON lines under `yyyy/mm/dd/hh/`. */
  readonly groundTruthBucket: s3.IBucket;
  /** Prefix of the labels, ending with `/`. */
  readonly groundTruthPrefix: string;
  /** Hours after a request that its label has arrived; each run looks at the requests of one schedule period before that. */
  readonly groundTruthDelayHours: number;
  /** Hours between two runs of the schedule: the window each run evaluates. */
  readonly windowHours: number;
  /** Model Monitor cron expression (UTC). */
  readonly schedule: string;
  /** The metric Model Monitor publishes that the alarm watches, such as `auc` or `f1`. */
  readonly metric: string;
  /** Alarm when the metric falls below this. */
  readonly minimum: number;
}

/** A Clarify monitor (bias or explainability) and the baseline it compares with. */
export interface ClarifyMonitoring {
  /** The analysis config and the constraints that the pipeline registered with the approved version. */
  readonly baseline: { readonly configUri: string; readonly constraintsUri: string };
  /** Model Monitor cron expression (UTC). */
  readonly schedule: string;
}

/** Names of a {@link ModelMonitor}'s alarms, by which dashboards and runbooks find them. */
export interface ModelMonitorAlarmNames {
  /**
   * The feature-drift alarm. When the features need more than one alarm (ten features each), they are numbered
   * `<featureDrift>-1`, `<featureDrift>-2`, ...
   */
  readonly featureDrift: string;
  /** The alarm on the live model-quality metric; used only with `modelQuality`. */
  readonly modelQuality: string;
  /** The alarm on failed monitoring jobs. */
  readonly monitoringFailures: string;
}

export interface ModelMonitorProps {
  /**
   * The monitored endpoint; it must capture its requests and responses. Where it exists only under a condition,
   * import it by name with `ModelEndpoint.fromEndpointName`.
   */
  readonly endpoint: IModelEndpoint;
  /**
   * Condition that every resource carries (a version is approved), as the endpoint's own resources do.
   * @default - unconditional
   */
  readonly condition?: CfnCondition;
  /** The Model Monitor analyzer image of the region. */
  readonly imageUri: string;
  /**
   * Prefix of the schedule names, `<prefix>-data-quality` and `<prefix>-model-quality` (at most 49 characters),
   * and of the default alarm names.
   */
  readonly namePrefix: string;
  /**
   * Names of the alarms.
   * @default - `<namePrefix>-feature-drift`, `<namePrefix>-model-quality` and `<namePrefix>-monitoring-failures`
   */
  readonly alarmNames?: ModelMonitorAlarmNames;
  /** Data-quality monitoring of the captured requests. */
  readonly dataQuality: {
    /** The baseline of the training data, registered with the approved version. */
    readonly baseline: MonitoringBaseline;
    /** Model Monitor cron expression (UTC), such as `cron(0 * ? * * *)`. */
    readonly schedule: string;
    /** Request columns whose drift the alarm watches (as named in the baseline). */
    readonly features: readonly string[];
    /**
     * Alarm when a feature's distance from its baseline distribution exceeds this (0-1).
     * @default DEFAULT_FEATURE_DRIFT
     */
    readonly driftThreshold?: number;
  };
  /**
   * Model-quality monitoring.
   * @default - none
   */
  readonly modelQuality?: ModelQualityMonitoring;
  /**
   * SageMaker Clarify bias monitoring: the live predictions and their labels (from `modelQuality`'s ground truth)
   * against the version's post-training bias constraints. Needs `modelQuality` and `clarifyImageUri`.
   * @default - none
   */
  readonly bias?: ClarifyMonitoring;
  /**
   * SageMaker Clarify explainability monitoring: feature attributions of live requests against the version's
   * attribution baseline. Needs `clarifyImageUri`.
   * @default - none
   */
  readonly explainability?: ClarifyMonitoring;
  /**
   * The SageMaker Clarify processing image of the region.
   * @default - none; required with `bias` or `explainability`
   */
  readonly clarifyImageUri?: string;
  /** Bucket and prefix of the endpoint's data capture, read by the jobs. */
  readonly capture: { readonly bucket: s3.IBucket; readonly prefix: string; readonly key: kms.IKey };
  /** Bucket holding the baselines (read) and receiving the reports under `reportPrefix` (write). */
  readonly artifactsBucket: s3.IBucket;
  /** Prefix of the reports in `artifactsBucket`, without trailing slash, such as `monitoring/churn`. */
  readonly reportPrefix: string;
  /** Prefixes of `artifactsBucket` the baselines may be under, such as `pipelines/churn/*`. */
  readonly baselinePrefixes: readonly string[];
  /** Encrypts the job volumes and the reports; also decrypts the baselines. */
  readonly jobKey: kms.IKey;
  /** Keys of the other data the jobs read (ground truth). */
  readonly readKeys?: readonly kms.IKey[];
  readonly vpc: ec2.IVpc;
  readonly subnets: ec2.SubnetSelection;
  readonly securityGroups: readonly ec2.ISecurityGroup[];
  /**
   * Instance of the monitoring jobs.
   * @default 'ml.m5.large'
   */
  readonly instanceType?: string;
  /** Topic of the alarms and of the failed-job notifications. */
  readonly alarmTopic: sns.ITopic;
  /** Encrypts the dead-letter queue of the failed-job notifications. */
  readonly deadLetterKey: kms.IKey;
  /**
   * What happens to the dead-letter queue of the notifications when it leaves the stack; prod keeps it (the
   * environment's stateful removal policy), so undelivered events survive a removed resource.
   * @default RemovalPolicy.DESTROY
   */
  readonly deadLetterRemovalPolicy?: RemovalPolicy;
  /**
   * Alarm when this many monitoring jobs fail within an hour.
   * @default DEFAULT_MONITORING_FAILURES
   */
  readonly failureThreshold?: number;
}

/**
 * SageMaker Model Monitor on one endpoint: data-quality (and optionally model-quality, bias and explainability) job
 * definitions that use the approved version's baselines, their schedules, a least-privilege role, and alarms on drift, model quality
 * and failed monitoring jobs. Every job runs in the VPC, network-isolated, with inter-container encryption and KMS
 * on volume and output. The job definitions have no names: they are create-only, so a new approved version
 * (new baselines) replaces them and the schedules follow.
 */
export class ModelMonitor extends Construct {
  readonly role: PlatformRole;
  readonly dataQualitySchedule: sagemaker.CfnMonitoringSchedule;
  readonly modelQualitySchedule?: sagemaker.CfnMonitoringSchedule;
  readonly dataQualityScheduleName: string;
  readonly modelQualityScheduleName?: string;
  readonly biasSchedule?: sagemaker.CfnMonitoringSchedule;
  readonly explainabilitySchedule?: sagemaker.CfnMonitoringSchedule;
  /** Alarms on feature drift, one per group of up to ten features. */
  readonly driftAlarms: readonly cloudwatch.Alarm[];
  readonly modelQualityAlarm?: cloudwatch.Alarm;
  readonly failedJobsAlarm: cloudwatch.Alarm;
  /** Names of every alarm above, for dashboards outside the condition the alarms carry. */
  readonly alarmNames: readonly string[];
  /** Matches failed monitoring jobs of this endpoint. */
  readonly failedJobsRule: events.Rule;
  /** The monitored endpoint. */
  readonly endpoint: IModelEndpoint;

  constructor(scope: Construct, id: string, props: ModelMonitorProps) {
    super(scope, id);
    validate(this, props);
    this.endpoint = props.endpoint;
    const { endpointName } = props.endpoint;
    this.dataQualityScheduleName = `${props.namePrefix}${MONITORING_SCHEDULE_SUFFIXES.dataQuality}`;
    this.role = new PlatformRole(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com'),
      description: `Model Monitor jobs of endpoint ${endpointName}`,
    });
    this.grantJobAccess(props);

    const network: sagemaker.CfnDataQualityJobDefinition.NetworkConfigProperty = {
      enableNetworkIsolation: true,
      enableInterContainerTrafficEncryption: true,
      vpcConfig: {
        securityGroupIds: props.securityGroups.map((group) => group.securityGroupId),
        subnets: props.vpc.selectSubnets(props.subnets).subnetIds,
      },
    };
    const jobResources: sagemaker.CfnDataQualityJobDefinition.MonitoringResourcesProperty = {
      clusterConfig: {
        instanceCount: 1,
        instanceType: props.instanceType ?? 'ml.m5.large',
        volumeSizeInGb: 20,
        volumeKmsKeyId: props.jobKey.keyArn,
      },
    };
    const output = (name: string): sagemaker.CfnDataQualityJobDefinition.MonitoringOutputConfigProperty => ({
      kmsKeyId: props.jobKey.keyArn,
      monitoringOutputs: [
        {
          s3Output: {
            localPath: '/opt/ml/processing/output',
            s3Uri: props.artifactsBucket.s3UrlForObject(`${props.reportPrefix}/${name}`),
            s3UploadMode: 'EndOfJob',
          },
        },
      ],
    });
    const endpointInput = {
      endpointName,
      localPath: '/opt/ml/processing/input/endpoint',
      s3InputMode: 'File',
      s3DataDistributionType: 'FullyReplicated',
    };
    // the built-in analyzer publishes its metrics only when asked to
    const environment = { publish_cloudwatch_metrics: 'Enabled' };
    // an hourly schedule refuses jobs that may run longer than its period
    const stoppingCondition = { maxRuntimeInSeconds: 1800 };

    const dataQualityJob = new sagemaker.CfnDataQualityJobDefinition(this, 'DataQualityJob', {
      endpointName,
      dataQualityAppSpecification: { imageUri: props.imageUri, environment },
      dataQualityBaselineConfig: {
        constraintsResource: { s3Uri: props.dataQuality.baseline.constraintsUri },
        statisticsResource: { s3Uri: props.dataQuality.baseline.statisticsUri },
      },
      dataQualityJobInput: { endpointInput },
      dataQualityJobOutputConfig: output('data-quality'),
      jobResources,
      networkConfig: network,
      roleArn: this.role.roleArn,
      stoppingCondition,
    });
    this.dataQualitySchedule = this.schedule('DataQualitySchedule', {
      name: this.dataQualityScheduleName,
      type: 'DataQuality',
      jobDefinitionArn: dataQualityJob.attrJobDefinitionArn,
      expression: props.dataQuality.schedule,
    });
    // the role must be able to read the capture before the first run starts
    this.dataQualitySchedule.node.addDependency(this.role);

    const quality = props.modelQuality;
    // model quality and bias both join the predictions of one schedule period with their labels
    const labelledInput = quality && {
      endpointInput: {
        ...endpointInput,
        // each run evaluates one schedule period of requests whose labels have arrived
        startTimeOffset: `-PT${quality.groundTruthDelayHours + quality.windowHours}H`,
        endTimeOffset: `-PT${quality.groundTruthDelayHours}H`,
      },
      probability: {
        probabilityAttribute: quality.probabilityAttribute ?? '0',
        probabilityThresholdAttribute: quality.probabilityThreshold ?? 0.5,
      },
      groundTruthS3Input: { s3Uri: quality.groundTruthBucket.s3UrlForObject(quality.groundTruthPrefix) },
    };
    if (quality && labelledInput) {
      this.modelQualityScheduleName = `${props.namePrefix}${MONITORING_SCHEDULE_SUFFIXES.modelQuality}`;
      const modelQualityJob = new sagemaker.CfnModelQualityJobDefinition(this, 'ModelQualityJob', {
        endpointName,
        modelQualityAppSpecification: {
          imageUri: props.imageUri,
          problemType: quality.problemType,
          environment,
        },
        modelQualityBaselineConfig: { constraintsResource: { s3Uri: quality.baseline.constraintsUri } },
        modelQualityJobInput: {
          endpointInput: {
            ...labelledInput.endpointInput,
            ...(quality.problemType === 'Regression'
              ? { inferenceAttribute: quality.probabilityAttribute ?? '0' }
              : labelledInput.probability),
          },
          groundTruthS3Input: labelledInput.groundTruthS3Input,
        },
        modelQualityJobOutputConfig: output('model-quality'),
        jobResources,
        networkConfig: network,
        roleArn: this.role.roleArn,
        stoppingCondition,
      });
      this.modelQualitySchedule = this.schedule('ModelQualitySchedule', {
        name: this.modelQualityScheduleName,
        type: 'ModelQuality',
        jobDefinitionArn: modelQualityJob.attrJobDefinitionArn,
        expression: quality.schedule,
      });
      this.modelQualitySchedule.node.addDependency(this.role);
    }

    if (props.bias && labelledInput) {
      const biasJob = new sagemaker.CfnModelBiasJobDefinition(this, 'ModelBiasJob', {
        endpointName,
        modelBiasAppSpecification: {
          imageUri: props.clarifyImageUri as string,
          configUri: props.bias.baseline.configUri,
          environment,
        },
        modelBiasBaselineConfig: { constraintsResource: { s3Uri: props.bias.baseline.constraintsUri } },
        modelBiasJobInput: {
          endpointInput: { ...labelledInput.endpointInput, ...labelledInput.probability },
          groundTruthS3Input: labelledInput.groundTruthS3Input,
        },
        modelBiasJobOutputConfig: output('model-bias'),
        jobResources,
        networkConfig: network,
        roleArn: this.role.roleArn,
        stoppingCondition,
      });
      this.biasSchedule = this.schedule('ModelBiasSchedule', {
        name: `${props.namePrefix}${MONITORING_SCHEDULE_SUFFIXES.bias}`,
        type: 'ModelBias',
        jobDefinitionArn: biasJob.attrJobDefinitionArn,
        expression: props.bias.schedule,
      });
      this.biasSchedule.node.addDependency(this.role);
    }

    if (props.explainability) {
      const explainabilityJob = new sagemaker.CfnModelExplainabilityJobDefinition(this, 'ModelExplainabilityJob', {
        endpointName,
        modelExplainabilityAppSpecification: {
          imageUri: props.clarifyImageUri as string,
          configUri: props.explainability.baseline.configUri,
          environment,
        },
        modelExplainabilityBaselineConfig: {
          constraintsResource: { s3Uri: props.explainability.baseline.constraintsUri },
        },
        modelExplainabilityJobInput: { endpointInput },
        modelExplainabilityJobOutputConfig: output('explainability'),
        jobResources,
        // SHAP sends perturbed copies of the captured requests to the endpoint, through the VPC's SageMaker
        // runtime endpoint: the job cannot be network-isolated
        networkConfig: { ...network, enableNetworkIsolation: false },
        roleArn: this.role.roleArn,
        stoppingCondition,
      });
      this.explainabilitySchedule = this.schedule('ModelExplainabilitySchedule', {
        name: `${props.namePrefix}${MONITORING_SCHEDULE_SUFFIXES.explainability}`,
        type: 'ModelExplainability',
        jobDefinitionArn: explainabilityJob.attrJobDefinitionArn,
        expression: props.explainability.schedule,
      });
      this.explainabilitySchedule.node.addDependency(this.role);
      // the perturbed copies are real invocations of the endpoint
      props.endpoint.grantInvoke(this.role);
    }

    const alarmNames = props.alarmNames ?? {
      featureDrift: `${props.namePrefix}-feature-drift`,
      modelQuality: `${props.namePrefix}-model-quality`,
      monitoringFailures: `${props.namePrefix}-monitoring-failures`,
    };
    this.driftAlarms = this.createDriftAlarms(props, alarmNames.featureDrift);
    if (quality && this.modelQualityScheduleName) {
      this.modelQualityAlarm = this.metricModelQuality(quality.metric).createAlarm(this, 'ModelQualityAlarm', {
        alarmName: alarmNames.modelQuality,
        alarmDescription: `Live ${quality.metric} of endpoint ${endpointName} fell below ${quality.minimum}: the model no longer predicts as well as when it was approved`,
        threshold: quality.minimum,
        comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      this.modelQualityAlarm.addAlarmAction(new actions.SnsAction(props.alarmTopic));
    }

    const schedules = [
      this.dataQualitySchedule,
      this.modelQualitySchedule,
      this.biasSchedule,
      this.explainabilitySchedule,
    ].flatMap((schedule) => (schedule ? [schedule] : []));
    this.failedJobsRule = notifyOnEvents(this, {
      idPrefix: 'FailedJobEvents',
      ruleId: 'FailedJobs',
      description: `A Model Monitor job of endpoint ${endpointName} failed`,
      eventPattern: {
        source: ['aws.sagemaker'],
        detailType: ['SageMaker Processing Job State Change'],
        // a monitoring execution is a processing job that names the schedule that started it
        detail: {
          ProcessingJobStatus: ['Failed'],
          MonitoringScheduleArn: schedules.map((s) => s.attrMonitoringScheduleArn),
        },
      },
      topic: props.alarmTopic,
      deadLetterKey: props.deadLetterKey,
      deadLetterRemovalPolicy: props.deadLetterRemovalPolicy,
      purpose: `failed Model Monitor jobs of ${endpointName}`,
    });
    const failures = props.failureThreshold ?? DEFAULT_MONITORING_FAILURES;
    this.failedJobsAlarm = metricRuleMatches(this.failedJobsRule).createAlarm(this, 'FailedJobsAlarm', {
      alarmName: alarmNames.monitoringFailures,
      alarmDescription: `${failures} or more Model Monitor jobs of endpoint ${endpointName} failed within an hour: drift goes unwatched until they run again`,
      threshold: failures,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.failedJobsAlarm.addAlarmAction(new actions.SnsAction(props.alarmTopic));

    this.alarmNames = [
      ...this.driftAlarms,
      ...(this.modelQualityAlarm ? [this.modelQualityAlarm] : []),
      this.failedJobsAlarm,
    ].map((alarm) => (alarm.node.defaultChild as cloudwatch.CfnAlarm).alarmName as string);
    if (props.condition) applyConditionToScope(this, props.condition);
  }

  /**
   * Distance of a feature's live distribution from its baseline, as data-quality monitoring publishes it.
   * @default - Maximum over 1 hour
   */
  metricFeatureDrift(feature: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: DATA_QUALITY_NAMESPACE,
      metricName: `feature_baseline_drift_${feature}`,
      dimensionsMap: { Endpoint: this.endpoint.endpointName, MonitoringSchedule: this.dataQualityScheduleName },
      statistic: cloudwatch.Stats.MAXIMUM,
      period: Duration.hours(1),
      label: feature,
      ...props,
    });
  }

  /**
   * A live model metric (such as `auc`) as model-quality monitoring publishes it.
   * @default - Minimum over 1 day
   */
  metricModelQuality(metric: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    if (!this.modelQualityScheduleName) {
      throw new Error(`model monitor '${this.node.path}' has no model-quality monitoring: set modelQuality`);
    }
    return new cloudwatch.Metric({
      namespace: MODEL_QUALITY_NAMESPACE,
      metricName: metric,
      dimensionsMap: { Endpoint: this.endpoint.endpointName, MonitoringSchedule: this.modelQualityScheduleName },
      statistic: cloudwatch.Stats.MINIMUM,
      period: Duration.days(1),
      ...props,
    });
  }

  /**
   * Failed monitoring jobs.
   * @default - Sum over 1 hour
   */
  metricFailedJobs(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return metricRuleMatches(this.failedJobsRule, props);
  }

  private schedule(
    id: string,
    options: { name: string; type: string; jobDefinitionArn: string; expression: string },
  ): sagemaker.CfnMonitoringSchedule {
    return new sagemaker.CfnMonitoringSchedule(this, id, {
      monitoringScheduleName: options.name,
      endpointName: this.endpoint.endpointName,
      monitoringScheduleConfig: {
        // the generated name of the job definition is the last part of its ARN
        monitoringJobDefinitionName: Fn.select(1, Fn.split('/', options.jobDefinitionArn)),
        monitoringType: options.type,
        scheduleConfig: { scheduleExpression: options.expression },
      },
    });
  }

  private createDriftAlarms(props: ModelMonitorProps, alarmName: string): cloudwatch.Alarm[] {
    const threshold = props.dataQuality.driftThreshold ?? DEFAULT_FEATURE_DRIFT;
    const features = [...props.dataQuality.features];
    const groups: string[][] = [];
    for (let i = 0; i < features.length; i += FEATURES_PER_DRIFT_ALARM) {
      groups.push(features.slice(i, i + FEATURES_PER_DRIFT_ALARM));
    }
    return groups.map((group, index) => {
      const usingMetrics = Object.fromEntries(group.map((feature, i) => [`f${i}`, this.metricFeatureDrift(feature)]));
      const alarm = new cloudwatch.MathExpression({
        expression: `MAX([${Object.keys(usingMetrics).join(', ')}])`,
        usingMetrics,
        label: 'Largest feature drift',
        period: Duration.hours(1),
      }).createAlarm(this, groups.length === 1 ? 'FeatureDriftAlarm' : `FeatureDriftAlarm${index + 1}`, {
        alarmName: groups.length === 1 ? alarmName : `${alarmName}-${index + 1}`,
        alarmDescription: `A feature of endpoint ${props.endpoint.endpointName} (${group.join(', ')}) drifted further than ${threshold} from the training data: check the data-quality report, then retrain or fix the data source`,
        threshold,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      alarm.addAlarmAction(new actions.SnsAction(props.alarmTopic));
      return alarm;
    });
  }

  private grantJobAccess(props: ModelMonitorProps): void {
    const role = this.role;
    role.justifyGrant(
      props.capture.bucket.grantRead(role, `${props.capture.prefix}/*`),
      "read-only, under this endpoint's capture prefix alone: comparing its live traffic with the baseline is what the monitor is for",
    );
    props.capture.key.grantDecrypt(role);
    for (const prefix of props.baselinePrefixes) {
      role.justifyGrant(
        props.artifactsBucket.grantRead(role, prefix),
        "the baselines sit in the training pipeline's execution folders, which have generated names",
      );
    }
    role.justifyGrant(
      props.artifactsBucket.grantReadWrite(role, `${props.reportPrefix}/*`),
      'each run writes its statistics and violation reports under a folder named by its time',
    );
    grantSageMakerJobKey(role, props.jobKey);
    if (props.modelQuality) {
      const { groundTruthBucket, groundTruthPrefix } = props.modelQuality;
      role.justifyGrant(
        groundTruthBucket.grantRead(role, `${groundTruthPrefix}*`),
        'labels arrive in hourly folders with names chosen by the labelling process',
      );
    }
    for (const key of props.readKeys ?? []) key.grantDecrypt(role);
    role.justifyActions(
      BUCKET_AND_KEY_GRANT_ACTIONS,
      'the bucket and key grants of the monitoring data need every variant of these read, write and data-key actions',
    );
    // the analyzer and Clarify images' own repositories, nothing else
    const images = [props.imageUri, props.clarifyImageUri].filter((uri): uri is string => uri !== undefined);
    grantImagePull(
      role,
      images.map((uri) => imageRepositoryArn(this, uri)).filter((arn): arn is string => arn !== undefined),
    );
    grantSageMakerLogsAndMetrics(role, '/aws/sagemaker/ProcessingJobs', '/aws/sagemaker/Endpoints/*');
    grantSageMakerVpcAccess(role, props.vpc);
  }
}

/** Checks the props, collecting every problem, and throws once. */
function validate(scope: Construct, props: ModelMonitorProps): void {
  const problems: string[] = [];
  if (props.dataQuality.features.length === 0) {
    problems.push('dataQuality.features must name at least one feature, got none');
  }
  for (const [field, uri] of [
    ['imageUri', props.imageUri],
    ['clarifyImageUri', props.clarifyImageUri],
  ] as const) {
    if (known(uri) && imageRepositoryArn(scope, uri) === undefined) {
      problems.push(
        `${field} must be an ECR image URI such as '<account>.dkr.ecr.<region>.amazonaws.com/<name>', got ${quoted(uri)}`,
      );
    }
  }
  if ((props.bias || props.explainability) && !props.clarifyImageUri) {
    problems.push('clarifyImageUri must be set for bias and explainability monitoring, got none');
  }
  if (props.bias && !props.modelQuality) {
    problems.push(
      'modelQuality must be set for bias monitoring, which joins predictions with labels (its ground truth), got none',
    );
  }
  throwIfInvalid(scope, 'model monitor', problems);
}
