import { ArnFormat, type RemovalPolicy, Stack } from 'aws-cdk-lib';
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
import type { IFeatureStoreQueryEngine, IPlatformFeatureGroup } from '../feature-store/types';
import type { PipelineDefinition } from '../pipeline-definition';
import { metricRuleMatches, notifyOnEvents } from './event-notification';
import { PlatformRole } from './platform-role';
import {
  BUCKET_AND_KEY_GRANT_ACTIONS,
  grantImagePull,
  grantSageMakerJobKey,
  grantSageMakerLogsAndMetrics,
  grantSageMakerVpcAccess,
} from './sagemaker-grants';

/** Failed or stopped runs within an hour that raise the failure alarm, by default. */
export const DEFAULT_PIPELINE_FAILURES = 1;

export interface TrainingPipelineProps {
  /** Name of the SageMaker pipeline (stable: executions and schedules refer to it). */
  readonly pipelineName: string;
  readonly description?: string;
  /** Builds the definition once the execution role exists; every job in it must use `role.roleArn`. */
  readonly definition: (role: iam.IRole) => PipelineDefinition;
  /** The VPC the jobs run in. */
  readonly vpc: ec2.IVpc;
  /** Buckets the jobs read input from. */
  readonly inputBuckets: readonly s3.IBucket[];
  /** The bucket the jobs write to (and read their own intermediate outputs from). */
  readonly artifactsBucket: s3.IBucket;
  /**
   * The prefix of `artifactsBucket` the jobs write under, such as `pipelines/churn/`; they may write nowhere else.
   * @default 'pipelines/'
   */
  readonly artifactsPrefix?: string;
  /**
   * A fixed name of the execution role, for a bucket policy that names the roles allowed to write.
   * @default - a name CloudFormation generates
   */
  readonly roleName?: string;
  /** Keys of the job volumes and outputs. */
  readonly jobKeys: readonly kms.IKey[];
  /** Code archives (CDK assets) the processing jobs download. */
  readonly codeBuckets?: readonly s3.IBucket[];
  /** ECR repositories of the images the definition runs; the jobs may pull from these only. */
  readonly imageRepositoryArns: readonly string[];
  /** Model package group the pipeline registers versions into, pending approval. */
  readonly modelPackageGroupName: string;
  /** Failed and stopped executions are reported here. */
  readonly alarmTopic: sns.ITopic;
  /** Encrypts the dead-letter queue of the failure notifications. */
  readonly deadLetterKey: kms.IKey;
  /**
   * What happens to the dead-letter queue of the notifications when it leaves the stack; prod keeps it (the
   * environment's stateful removal policy), so undelivered events survive a removed resource.
   * @default RemovalPolicy.DESTROY
   */
  readonly deadLetterRemovalPolicy?: RemovalPolicy;
  /**
   * Alarm (with an action on `alarmTopic`) when `threshold` executions fail or stop within an hour.
   * @default - no alarm; every failure is still notified
   */
  readonly failureAlarm?: { readonly alarmName: string; readonly threshold: number };
  /**
   * The feature group the jobs write the raw data to and read the training snapshot from, and the Athena
   * workgroup that queries its offline store.
   * @default - the jobs use no feature store
   */
  readonly featureStore?: TrainingFeatureStore;
}

/** The feature store that a training pipeline writes its raw data to and reads its training data from. */
export interface TrainingFeatureStore {
  readonly featureGroup: IPlatformFeatureGroup;
  readonly queryEngine: IFeatureStoreQueryEngine;
}

/**
 * A SageMaker pipeline with a least-privilege execution role shared by the pipeline and its jobs, and an
 * EventBridge rule that reports failed or stopped executions through SNS.
 */
export class TrainingPipeline extends Construct {
  readonly pipeline: sagemaker.CfnPipeline;
  readonly role: PlatformRole;
  readonly pipelineName: string;
  /** @attribute */
  readonly pipelineArn: string;
  /** Alarm on failed or stopped executions, when `failureAlarmThreshold` is set. */
  readonly failureAlarm?: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: TrainingPipelineProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.pipelineName = props.pipelineName;
    this.pipelineArn = stack.formatArn({
      service: 'sagemaker',
      resource: 'pipeline',
      resourceName: props.pipelineName,
    });

    this.role = new PlatformRole(this, 'ExecutionRole', {
      roleName: props.roleName,
      assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com'),
      description: `Runs the ${props.pipelineName} pipeline and its jobs`,
    });
    this.grantJobs(props);

    this.pipeline = new sagemaker.CfnPipeline(this, 'Resource', {
      pipelineName: props.pipelineName,
      pipelineDescription: props.description,
      roleArn: this.role.roleArn,
      pipelineDefinition: { PipelineDefinitionBody: props.definition(this.role).render(this) },
    });
    this.pipeline.node.addDependency(this.role.policy);
    const failures = this.notifyFailures(props);
    if (props.failureAlarm) {
      const { alarmName, threshold } = props.failureAlarm;
      this.failureAlarm = metricRuleMatches(failures).createAlarm(this, 'FailedExecutionsAlarm', {
        alarmName,
        alarmDescription: `${threshold} or more executions of ${props.pipelineName} failed or stopped within an hour`,
        threshold,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      this.failureAlarm.addAlarmAction(new actions.SnsAction(props.alarmTopic));
    }
  }

  /** Lets a principal start executions of the pipeline (with parameters). */
  grantStartExecution(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['sagemaker:StartPipelineExecution'],
      resourceArns: [this.pipelineArn],
    });
  }

  private grantJobs(props: TrainingPipelineProps): void {
    const stack = Stack.of(this);
    const role = this.role;
    const jobArn = (resource: string) =>
      stack.formatArn({ service: 'sagemaker', resource, resourceName: '*', arnFormat: ArnFormat.SLASH_RESOURCE_NAME });
    const jobs = ['processing-job', 'training-job', 'transform-job', 'model'].map(jobArn);
    role.addWildcardStatement(
      new iam.PolicyStatement({
        sid: 'CreateJobsInTheVpc',
        actions: ['sagemaker:CreateProcessingJob', 'sagemaker:CreateTrainingJob', 'sagemaker:CreateModel'],
        resources: jobs,
        // every job and model runs in the VPC, whoever edits the definition
        conditions: { Null: { 'sagemaker:VpcSubnets': 'false' } },
      }),
      'SageMaker Pipelines names each job after the execution (pipelines-<id>-<step>), so jobs are matched by type',
    );
    role.addWildcardStatement(
      new iam.PolicyStatement({
        sid: 'FollowPipelineJobs',
        actions: [
          'sagemaker:DescribeProcessingJob',
          'sagemaker:StopProcessingJob',
          'sagemaker:DescribeTrainingJob',
          'sagemaker:StopTrainingJob',
          // transform jobs run in the VPC of their model, which the statement above forces
          'sagemaker:CreateTransformJob',
          'sagemaker:DescribeTransformJob',
          'sagemaker:StopTransformJob',
          'sagemaker:DescribeModel',
          'sagemaker:DeleteModel',
          'sagemaker:AddTags',
        ],
        resources: jobs,
      }),
      'SageMaker Pipelines names each job after the execution (pipelines-<id>-<step>), so jobs are matched by type',
    );
    // the model group and its numbered versions
    const modelGroupArns = [
      stack.formatArn({
        service: 'sagemaker',
        resource: 'model-package-group',
        resourceName: props.modelPackageGroupName,
      }),
      stack.formatArn({
        service: 'sagemaker',
        resource: 'model-package',
        resourceName: `${props.modelPackageGroupName}/*`,
        arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
      }),
    ];
    role.addWildcardStatement(
      new iam.PolicyStatement({
        sid: 'RegisterVersionsPendingApproval',
        actions: ['sagemaker:CreateModelPackage'],
        resources: modelGroupArns,
        conditions: { StringEquals: { 'sagemaker:ModelApprovalStatus': 'PendingManualApproval' } },
      }),
      'versions get numbers inside the one model group of this pipeline, and are always registered pending approval',
    );
    role.addWildcardStatement(
      new iam.PolicyStatement({
        sid: 'ReadTheModelGroupForBaselines',
        actions: [
          'sagemaker:DescribeModelPackageGroup',
          'sagemaker:DescribeModelPackage',
          'sagemaker:ListModelPackages',
        ],
        resources: modelGroupArns,
      }),
      'quality-check steps read the latest approved version of this model group to compare baselines',
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'PassItselfToTheJobs',
        actions: ['iam:PassRole'],
        resources: [role.roleArn],
        conditions: { StringEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } },
      }),
    );
    // The data's grants get a policy of their own: with the job grants above, one policy passed IAM's 6,144
    // characters at the longest project and model names the config allows.
    const data = role.withPolicy('DataPolicy', `${props.pipelineName} reads its data and code, writes its artifacts`);
    for (const bucket of props.inputBuckets) {
      role.justifyGrant(
        bucket.grantRead(data),
        "read-only, and the bucket holds only this environment's data, the data its models are trained on",
      );
    }
    for (const bucket of props.codeBuckets ?? []) {
      role.justifyGrant(bucket.grantRead(data), 'processing jobs download the code asset, named by its content hash');
    }
    const prefix = props.artifactsPrefix ?? 'pipelines/';
    role.justifyGrant(
      props.artifactsBucket.grantReadWrite(data, `${prefix}*`),
      `each execution writes its artifacts under ${prefix}, one folder per execution id, with generated names`,
    );
    for (const key of props.jobKeys) grantSageMakerJobKey(data, key);
    role.justifyActions(
      BUCKET_AND_KEY_GRANT_ACTIONS,
      'the bucket and key grants of the job data need every variant of these read, write and data-key actions',
    );
    grantImagePull(role, props.imageRepositoryArns);
    grantSageMakerLogsAndMetrics(role, '/aws/sagemaker/*', '/aws/sagemaker/*');
    grantSageMakerVpcAccess(role, props.vpc);
    if (props.featureStore) {
      const { featureGroup, queryEngine } = props.featureStore;
      // a policy of its own: with the job grants above, one policy would pass IAM's 6,144 characters
      const featureStoreGrantee = role.withPolicy(
        'FeatureStorePolicy',
        `${props.pipelineName} writes to and queries feature group ${featureGroup.featureGroupName}`,
      );
      // IngestFeatures puts the records; ReadOfflineStore queries the offline store through the workgroup
      featureGroup.grantWrite(featureStoreGrantee);
      role.justifyGrant(
        featureGroup.grantRead(featureStoreGrantee),
        "Athena reads the offline store's Parquet data and Iceberg metadata files, which SageMaker names, only under this feature group's prefix",
      );
      role.justifyGrant(
        queryEngine.grantQuery(featureStoreGrantee),
        "Athena writes each query's results under the workgroup's result prefix, named after the query id; the job downloads them from there",
      );
    }
  }

  private notifyFailures(props: TrainingPipelineProps): events.Rule {
    return notifyOnEvents(this, {
      idPrefix: 'FailureEvents',
      ruleId: 'FailedExecutions',
      description: `An execution of ${props.pipelineName} failed or was stopped`,
      eventPattern: {
        source: ['aws.sagemaker'],
        detailType: ['SageMaker Model Building Pipeline Execution Status Change'],
        detail: { pipelineArn: [this.pipelineArn], currentPipelineExecutionStatus: ['Failed', 'Stopped'] },
      },
      topic: props.alarmTopic,
      deadLetterKey: props.deadLetterKey,
      deadLetterRemovalPolicy: props.deadLetterRemovalPolicy,
      purpose: `failure notifications of ${props.pipelineName}`,
      roleDescription: `EventBridge reports failed executions of ${props.pipelineName}`,
    });
  }
}
