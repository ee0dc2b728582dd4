import { ArnFormat, CfnOutput, Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type { CfnBucket } from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { AdoptedLogGroups } from '../constructs/adopted-log-group';
import { AlarmRouting } from '../constructs/alarm-routing';
import { allowAlarmsAndEvents, allowCloudWatchLogs } from '../constructs/key-policies';
import { AccessLogsBucket, SecureBucket } from '../constructs/secure-bucket';
import {
  alertsNotifierName,
  endpointLogGroupName,
  keyAliasName,
  logGroupsFunctionName,
  modelPublisherRoleName,
  PIPELINE_ARTIFACTS_ROOT,
  SAGEMAKER_ACCOUNT_LOG_GROUPS,
  trainingPipelineRolePattern,
} from '../naming';
import { PlatformStack, type PlatformStackProps } from './platform-stack';
import { PUBLISHED_ARTIFACTS_PREFIX } from './registry-stack';

/** What changes or removes an object: denied on registered artifacts to every role but the one that writes them. */
const OBJECT_WRITE_ACTIONS = ['s3:PutObject', 's3:DeleteObject', 's3:DeleteObjectVersion'];

export interface FoundationStackProps extends PlatformStackProps {
  /**
   * Whether the environment declares the SageMaker job and Studio log groups of its account and region: one
   * environment per account and region may, or they would be declared twice (ADR 0022).
   * @default true
   */
  readonly ownsAccountLogGroups?: boolean;
}

/**
 * Stage 1, the encrypted data lake: one KMS key per blast radius (data, artifacts, logs) and the raw, curated,
 * artifact and access-log buckets.
 */
export class FoundationStack extends PlatformStack {
  /** Encrypts raw and curated data and data-capture records. */
  readonly dataKey: kms.Key;
  /** Encrypts model artifacts, pipeline outputs and Studio storage. */
  readonly artifactsKey: kms.Key;
  /** Encrypts CloudWatch log groups. */
  readonly logsKey: kms.Key;
  /** Operational alerts of the environment: alarms and failure events. Subscribe your on-call channel to it. */
  readonly alertsTopic: sns.Topic;
  /** The log groups SageMaker writes to, with this key and retention, and the function that declares them. */
  readonly sageMakerLogGroups: AdoptedLogGroups;
  readonly accessLogsBucket: s3.Bucket;
  readonly rawDataBucket: s3.Bucket;
  readonly curatedDataBucket: s3.Bucket;
  readonly artifactsBucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: FoundationStackProps) {
    super(scope, id, props);
    const removalPolicy = this.statefulRemovalPolicy;
    const keyProps = { enableKeyRotation: true, removalPolicy, pendingWindow: Duration.days(30) };

    this.dataKey = new kms.Key(this, 'DataKey', {
      ...keyProps,
      alias: keyAliasName(this.project, this.envConfig.name, 'data'),
      description: `Raw and curated data of ${this.project} ${this.envConfig.name}`,
    });
    this.artifactsKey = new kms.Key(this, 'ArtifactsKey', {
      ...keyProps,
      alias: keyAliasName(this.project, this.envConfig.name, 'artifacts'),
      description: `Model artifacts and ML workspaces of ${this.project} ${this.envConfig.name}`,
    });
    this.logsKey = new kms.Key(this, 'LogsKey', {
      ...keyProps,
      alias: keyAliasName(this.project, this.envConfig.name, 'logs'),
      description: `CloudWatch Logs of ${this.project} ${this.envConfig.name}`,
    });
    // CloudWatch Logs encrypts with the key only for log groups of this account and region.
    allowCloudWatchLogs(this.logsKey);

    // Step Functions delivers the execution logs of a state machine encrypted with this key through CloudWatch's
    // vended log delivery, which decrypts the execution data first; only for this account's deliveries.
    this.logsKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowLogDeliveryOfThisAccount',
        principals: [new iam.ServicePrincipal('delivery.logs.amazonaws.com')],
        actions: ['kms:Decrypt'],
        resources: ['*'],
        conditions: {
          StringEquals: { 'aws:SourceAccount': this.account },
          ArnLike: {
            'aws:SourceArn': this.formatArn({
              service: 'logs',
              resource: '*',
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          },
        },
      }),
    );

    // Alarms and EventBridge rules publish to the encrypted alerts topic, only for this account.
    allowAlarmsAndEvents(this.logsKey, 'AllowAlarmsAndEventsToPublishAlerts');
    this.alertsTopic = new sns.Topic(this, 'AlertsTopic', {
      displayName: `${this.project} ${this.envConfig.name} alerts`,
      masterKey: this.logsKey,
      enforceSSL: true,
    });

    // SageMaker creates these at run time without a key or retention; the model stacks declare their endpoints'
    this.sageMakerLogGroups = new AdoptedLogGroups(this, 'SageMakerLogGroups', {
      functionName: logGroupsFunctionName(this.project, this.envConfig.name),
      logGroups: props.ownsAccountLogGroups === false ? {} : SAGEMAKER_ACCOUNT_LOG_GROUPS,
      otherLogGroupNames: [endpointLogGroupName(this.project, this.envConfig.name, '*')],
      logsKey: this.logsKey,
      logRetention: this.envConfig.settings.logRetentionDays as logs.RetentionDays,
      alarmTopic: this.alertsTopic,
      removalPolicy,
    });

    this.accessLogsBucket = new AccessLogsBucket(this, 'AccessLogsBucket', {
      removalPolicy,
      expirationDays: this.envConfig.settings.accessLogRetentionDays,
    });

    const dataBucketProps = {
      removalPolicy,
      serverAccessLogsBucket: this.accessLogsBucket,
      noncurrentVersionExpirationDays: this.envConfig.settings.noncurrentVersionExpirationDays,
    };
    this.rawDataBucket = new SecureBucket(this, 'RawDataBucket', { ...dataBucketProps, encryptionKey: this.dataKey });
    // New raw data is announced on EventBridge (retraining triggers listen from stage 4). Set on the L1
    // resource: the L2 option would add a notifications custom resource with its own Lambda.
    (this.rawDataBucket.node.defaultChild as CfnBucket).notificationConfiguration = {
      eventBridgeConfiguration: { eventBridgeEnabled: true },
    };
    this.curatedDataBucket = new SecureBucket(this, 'CuratedDataBucket', {
      ...dataBucketProps,
      encryptionKey: this.dataKey,
    });
    this.artifactsBucket = new SecureBucket(this, 'ArtifactsBucket', {
      ...dataBucketProps,
      encryptionKey: this.artifactsKey,
    });
    this.protectRegisteredArtifacts();

    // the names people need to work with the data lake: uploads, publishing, Athena queries
    new CfnOutput(this, 'RawDataBucketName', { value: this.rawDataBucket.bucketName });
    new CfnOutput(this, 'CuratedDataBucketName', { value: this.curatedDataBucket.bucketName });
    new CfnOutput(this, 'ArtifactsBucketName', { value: this.artifactsBucket.bucketName });
    new CfnOutput(this, 'AlertsTopicArn', { value: this.alertsTopic.topicArn });

    // every alarm and failure event of an environment is critical, so the alerts topic reaches the critical targets
    const notifications = this.envConfig.notifications;
    if (notifications) {
      new AlarmRouting(this, 'AlarmRouting', {
        routes: [{ topic: this.alertsTopic, targets: notifications.critical }],
        notifierName: alertsNotifierName(this.project, this.envConfig.name),
        deadLetterKey: this.logsKey,
      });
    }
  }

  /**
   * Registered artifacts are write-once (ADR 0020): SageMaker re-reads a version's tarballs and baselines at every
   * scale-out, so only the role that writes a prefix may change or delete objects under it. The roles are matched
   * by their fixed names: a reference to them would make this stack depend on the stacks that depend on it.
   */
  private protectRegisteredArtifacts(): void {
    const roleArn = (roleName: string) =>
      this.formatArn({ service: 'iam', region: '', resource: 'role', resourceName: roleName });
    const writers: ReadonlyArray<[sid: string, prefix: string, writerRoleName: string]> = [
      [
        'OnlyTrainingPipelinesWritePipelineArtifacts',
        PIPELINE_ARTIFACTS_ROOT,
        trainingPipelineRolePattern(this.project, this.envConfig.name),
      ],
      [
        'OnlyThePublisherWritesPublishedArtifacts',
        `${PUBLISHED_ARTIFACTS_PREFIX}/`,
        modelPublisherRoleName(this.project, this.envConfig.name),
      ],
    ];
    for (const [sid, prefix, writerRoleName] of writers) {
      this.artifactsBucket.addToResourcePolicy(
        new iam.PolicyStatement({
          sid,
          effect: iam.Effect.DENY,
          principals: [new iam.AnyPrincipal()],
          actions: OBJECT_WRITE_ACTIONS,
          resources: [this.artifactsBucket.arnForObjects(`${prefix}*`)],
          conditions: { ArnNotLike: { 'aws:PrincipalArn': roleArn(writerRoleName) } },
        }),
      );
    }
  }
}
