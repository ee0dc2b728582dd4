import { ArnFormat, Aws, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as schedulerTargets from 'aws-cdk-lib/aws-scheduler-targets';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as ssm from 'aws-cdk-lib/aws-ssm';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { NO_APPROVED_MODEL } from '../naming';
import { DeadLetterQueue } from './dead-letter-queue';
import { PlatformRole } from './platform-role';
import { schedulerPrincipal } from './principals';
import { grantImagePull, grantSageMakerLogsAndMetrics, grantSageMakerVpcAccess } from './sagemaker-grants';
import { grantStateMachineLogsAndTraces } from './state-machine-grants';
import { known, throwIfInvalid } from './validation';

/** Name of the partition column of the scores table; each run writes one partition. */
export const RUN_DATE_COLUMN = 'run_date';

/** A column of the scores table, in the order the transform job writes it. */
export interface BatchScoringColumn {
  /** Column name: lower-case letters, digits and underscores, starting with a letter or underscore. */
  readonly name: string;
  /** Hive type of the column, for example `double`, `string` or `bigint`. */
  readonly type: string;
}

export interface BatchScoringProps {
  /** Name of the model in the config, for example `churn`: lower-case letters, digits and hyphens. */
  readonly modelName: string;
  /**
   * Prefix of the model and transform job each run creates, `<prefix>-<run>`, unique in the account and region
   * (for example `mlops-dev-churn`): lower-case letters, digits and single hyphens. The roles may act only on
   * names with this prefix, and SageMaker's 63 characters must leave at least 12 for the run.
   */
  readonly runNamePrefix: string;
  /**
   * Name of the state machine, unique in the account and region; its execution log group is
   * `/aws/vendedlogs/states/<stateMachineName>`.
   * @default - `<runNamePrefix>-batch-scoring`
   */
  readonly stateMachineName?: string;
  /**
   * Name of the scores table in `glueDatabaseName`: lower-case letters, digits and underscores.
   * @default - `<modelName>_scores`, with underscores for the hyphens of the model name
   */
  readonly tableName?: string;
  /** Parameter holding the ARN of the approved model package, or `none` while no version is approved. */
  readonly approvedModelParameter: ssm.IStringParameter;
  /** EventBridge Scheduler expression that starts a run, for example `cron(0 3 * * ? *)` (UTC). */
  readonly schedule: string;
  /** Bucket holding the records to score. */
  readonly inputBucket: s3.IBucket;
  /** Key prefix of the records to score; every object under it is scored (for example `features/churn/`). */
  readonly inputPrefix: string;
  /** Bucket that receives the scores, usually the curated bucket. */
  readonly outputBucket: s3.IBucket;
  /** Key prefix of the scores table, ending in `/` (for example `scores/churn/`). */
  readonly outputPrefix: string;
  /** Key that encrypts the input and output data. */
  readonly dataKey: kms.IKey;
  /** Bucket holding the model artifacts the approved model package points to. */
  readonly artifactsBucket: s3.IBucket;
  /**
   * ECR repositories the images of the approved model package may come from; the model role pulls from these
   * only, so a package naming an image of any other repository fails to score.
   */
  readonly imageRepositoryArns: readonly string[];
  /**
   * Key of the artifact bucket, which the model role may decrypt with.
   * @default - the key `artifactsBucket` carries, if any
   */
  readonly artifactsKey?: kms.IKey;
  /** Key that encrypts the storage volume of the transform instances. */
  readonly volumeKey: kms.IKey;
  /**
   * Key that encrypts the execution log group, the execution history (its policy must let
   * `delivery.logs.amazonaws.com` decrypt, as the Foundation's logs key does) and the schedule's input.
   */
  readonly logsKey: kms.IKey;
  /** Topic the alarms notify. */
  readonly alarmTopic: sns.ITopic;
  /** VPC the model containers run in. */
  readonly vpc: ec2.IVpc;
  /** Subnets of `vpc` for the model containers. */
  readonly subnets: ec2.SubnetSelection;
  /** Security groups of the model containers (1-5). */
  readonly securityGroups: ec2.ISecurityGroup[];
  /** Name of the Glue database (created by the caller, one per environment) that receives the scores table. */
  readonly glueDatabaseName: string;
  /**
   * Name of the model package group the approved versions belong to; the roles may describe only its packages.
   * @default - any model package of this account and region
   */
  readonly modelPackageGroupName?: string;
  /**
   * ML instance type of the transform job.
   * @default ml.m5.large
   */
  readonly instanceType?: string;
  /**
   * Number of transform instances.
   * @default 1
   */
  readonly instanceCount?: number;
  /**
   * MIME type of the input records.
   * @default text/csv
   */
  readonly contentType?: string;
  /**
   * How the input files are split into records.
   * @default SplitType.LINE
   */
  readonly splitType?: tasks.SplitType;
  /**
   * Columns of the scores table, in the order the model writes them.
   * @default - one `score` column of type `double`
   */
  readonly columns?: BatchScoringColumn[];
  /**
   * Longest a run may take. The transform job gets this minus 15 minutes, so the model is still deleted.
   * @default Duration.hours(6)
   */
  readonly timeout?: Duration;
  /** How long the execution log group keeps events. */
  readonly logRetention: logs.RetentionDays;
  /**
   * What happens to the execution log group and the dead-letter queue when they leave the stack.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

const DEFAULT_INSTANCE_TYPE = 'ml.m5.large';
const DEFAULT_CONTENT_TYPE = 'text/csv';
const DEFAULT_TIMEOUT = Duration.hours(6);
/** How long Step Functions reuses a data key of the state machine's key: fewer KMS calls, still rotated often. */
const STATE_MACHINE_KEY_REUSE = Duration.minutes(5);
const DEFAULT_COLUMNS: readonly BatchScoringColumn[] = [{ name: 'score', type: 'double' }];
/** Time kept after the transform job's own timeout to delete the model. */
const CLEANUP_TIME = Duration.minutes(15);
const MIN_TIMEOUT = Duration.minutes(30);
const MAX_TIMEOUT = Duration.days(365);
/** SageMaker names (models, transform jobs) are at most 63 characters. */
const MAX_SAGEMAKER_NAME = 63;
/** Characters of the execution name kept at least in a run's names, so they stay unique per run. */
const MIN_RUN_SUFFIX = 12;
const NAME = /^[a-z0-9](-?[a-z0-9])*$/;
/** Step Functions takes 80 characters; CloudWatch logging, only these. */
const STATE_MACHINE_NAME = /^[a-zA-Z0-9_-]{1,80}$/;
const TABLE_NAME = /^[a-z0-9_]{1,255}$/;
const COLUMN = /^[a-z_][a-z0-9_]*$/;
const INSTANCE_TYPE = /^ml\.[a-z0-9-]+\.[a-z0-9]+$/;
/**
 * Errors of a throttled API call. The optimized SageMaker integration reports every API error, throttling
 * included, as `SageMaker.AmazonSageMakerException`; AWS SDK integrations report `<Service>.<Exception>`, and
 * an unmodelled throttling error as the service's generic exception. Retrying those is bounded, so a
 * non-transient error they also cover only delays the failure by about two minutes.
 */
const TRANSFORM_JOB_THROTTLING_ERRORS = ['SageMaker.AmazonSageMakerException'];
const SAGEMAKER_THROTTLING_ERRORS = ['SageMaker.ThrottlingException', 'SageMaker.SageMakerException'];
const SSM_THROTTLING_ERRORS = ['Ssm.ThrottlingException', 'Ssm.SsmException'];

/**
 * Scheduled batch scoring of one model with its approved version, into a table partitioned by run date that
 * Athena queries through partition projection.
 *
 * An EventBridge Scheduler schedule (retries, dead-letter queue) starts a Step Functions state machine that
 * reads the approved-version parameter at run time and stops early while it is `none`. Otherwise it creates a
 * network-isolated model in the VPC from the approved package, runs a KMS-encrypted batch transform over the
 * input prefix into `<outputPrefix>run_date=<YYYY-MM-DD>/`, and deletes the model again, also when the job fails.
 * Model and job are named after the execution, so every run has its own.
 */
export class BatchScoring extends Construct {
  readonly stateMachine: sfn.StateMachine;
  readonly schedule: scheduler.Schedule;
  /** The scores table, partitioned by `run_date` with partition projection. */
  readonly table: glue.CfnTable;
  /** Name of the scores table. */
  readonly tableName: string;
  /** Role SageMaker runs the model and the transform job with. */
  readonly modelRole: PlatformRole;
  /** Role the state machine runs with. */
  readonly stateMachineRole: PlatformRole;
  /** Catches schedule deliveries that failed after all retries. */
  readonly deadLetterQueue: DeadLetterQueue;
  /** Runs that failed or timed out. */
  readonly alarms: { readonly failed: cloudwatch.Alarm; readonly timedOut: cloudwatch.Alarm };

  private readonly runNamePrefix: string;
  /** Encrypts the execution logs, the execution history and the schedule's input. */
  private readonly logsKey: kms.IKey;

  constructor(scope: Construct, id: string, props: BatchScoringProps) {
    super(scope, id);
    validate(this, props);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    this.runNamePrefix = props.runNamePrefix;
    this.logsKey = props.logsKey;
    this.tableName = props.tableName ?? `${props.modelName.replace(/-/g, '_')}_scores`;
    const stateMachineName = props.stateMachineName ?? `${props.runNamePrefix}-batch-scoring`;

    this.modelRole = new PlatformRole(this, 'ModelRole', {
      assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com'),
      description: `SageMaker scores ${props.modelName} in batch with the approved model version`,
    });
    this.grantModelRole(props);

    this.stateMachineRole = new PlatformRole(this, 'StateMachineRole', {
      assumedBy: new iam.ServicePrincipal('states.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
      }),
      description: `Step Functions runs the batch scoring of ${props.modelName}`,
    });
    this.grantStateMachineRole(props);

    const logGroup = new logs.LogGroup(this, 'ExecutionLogs', {
      // Step Functions delivers to /aws/vendedlogs/ without growing the account's log resource policy.
      logGroupName: `/aws/vendedlogs/states/${stateMachineName}`,
      encryptionKey: props.logsKey,
      retention: props.logRetention,
      removalPolicy,
    });
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineName,
      stateMachineType: sfn.StateMachineType.STANDARD,
      queryLanguage: sfn.QueryLanguage.JSONATA,
      definitionBody: sfn.DefinitionBody.fromChainable(this.definition(props)),
      role: this.stateMachineRole,
      timeout: props.timeout ?? DEFAULT_TIMEOUT,
      tracingEnabled: true,
      logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: true },
      // execution history holds run inputs and outputs: the logs key encrypts it, not an AWS-owned key (finding 8)
      // Given the key itself, the CDK would add a statement to its policy admitting CloudWatch log delivery of every
      // account; the key's owner admits its own account's delivery instead (FoundationStack), so it gets a reference.
      encryptionConfiguration: new sfn.CustomerManagedEncryptionConfiguration(
        kms.Key.fromKeyArn(this, 'StateMachineKey', props.logsKey.keyArn),
        STATE_MACHINE_KEY_REUSE,
      ),
      comment: `Scores ${props.modelName} in batch with the approved model version`,
    });
    // SageMaker checks the role's permissions when a run creates the model.
    this.stateMachine.node.addDependency(this.modelRole.policy);

    this.deadLetterQueue = new DeadLetterQueue(this, 'ScheduleDeadLetters', {
      encryptionKey: props.logsKey,
      alarmTopic: props.alarmTopic,
      purpose: `the ${props.modelName} batch scoring schedule`,
      removalPolicy,
    });
    this.schedule = this.createSchedule(props);
    this.table = this.createTable(props);
    this.alarms = this.createAlarms(props);
  }

  /** Allows `grantee` to start a scoring run outside the schedule, for example to rerun a failed run. */
  grantStartExecution(grantee: iam.IGrantable): iam.Grant {
    this.grantExecutionInputKey(grantee);
    return this.stateMachine.grantStartExecution(grantee);
  }

  /** Starting a run encrypts its input with the state machine's key, under the state machine's encryption context. */
  private grantExecutionInputKey(grantee: iam.IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'EncryptRunInput',
        actions: ['kms:GenerateDataKey'],
        resources: [this.logsKey.keyArn],
        conditions: {
          StringEquals: { 'kms:EncryptionContext:aws:states:stateMachineArn': this.stateMachine.stateMachineArn },
        },
      }),
    );
  }

  /**
   * Number of scoring runs that failed.
   * @default - Sum over 5 minutes
   */
  metricFailedRuns(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.stateMachine.metricFailed({ period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM, ...props });
  }

  /**
   * Number of scoring runs that timed out.
   * @default - Sum over 5 minutes
   */
  metricTimedOutRuns(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.stateMachine.metricTimedOut({ period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM, ...props });
  }

  /** ARN pattern of the models or transform jobs the runs of this construct create. */
  private runArns(resource: 'model' | 'transform-job'): string {
    // SageMaker spells names in lower case in its ARNs; the run names are lower case already.
    return Stack.of(this).formatArn({
      service: 'sagemaker',
      resource,
      resourceName: `${this.runNamePrefix}-*`,
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
  }

  private modelPackageArns(props: BatchScoringProps): string {
    return Stack.of(this).formatArn({
      service: 'sagemaker',
      resource: 'model-package',
      // SageMaker spells the group name in lower case in model package ARNs.
      resourceName: props.modelPackageGroupName ? `${props.modelPackageGroupName.toLowerCase()}/*` : '*',
    });
  }

  private definition(props: BatchScoringProps): sfn.IChainable {
    const modelRole = this.modelRole;
    const splitType = props.splitType ?? tasks.SplitType.LINE;
    const timeout = props.timeout ?? DEFAULT_TIMEOUT;
    const outputUri = props.outputBucket.s3UrlForObject(props.outputPrefix);

    const readApprovedModel = tasks.CallAwsService.jsonata(this, 'ReadApprovedModel', {
      comment: 'Reads the approved model package ARN at run time, so approvals need no deployment',
      service: 'ssm',
      action: 'getParameter',
      parameters: { Name: props.approvedModelParameter.parameterName },
      iamResources: [props.approvedModelParameter.parameterArn],
      iamAction: 'ssm:GetParameter',
      assign: {
        modelPackageArn: '{% $states.result.Parameter.Value %}',
        runName: runNameExpression(this.runNamePrefix),
        runDate: '{% $substring($states.context.Execution.StartTime, 0, 10) %}',
      },
    });
    retryThrottling(readApprovedModel, SSM_THROTTLING_ERRORS);

    const createModel = tasks.CallAwsService.jsonata(this, 'CreateModel', {
      comment: 'Creates a network-isolated model in the VPC from the approved package, named after the run',
      service: 'sagemaker',
      action: 'createModel',
      parameters: {
        ModelName: '{% $runName %}',
        ExecutionRoleArn: modelRole.roleArn,
        PrimaryContainer: { ModelPackageName: '{% $modelPackageArn %}' },
        EnableNetworkIsolation: true,
        VpcConfig: {
          SecurityGroupIds: props.securityGroups.map((sg) => sg.securityGroupId),
          Subnets: props.vpc.selectSubnets(props.subnets).subnetIds,
        },
      },
      iamResources: [this.runArns('model')],
      iamAction: 'sagemaker:CreateModel',
    });
    retryThrottling(createModel, SAGEMAKER_THROTTLING_ERRORS);

    const transform = new ScopedTransformJob(this, 'ScoreBatch', {
      comment: 'Scores every record under the input prefix into the partition of the run date and waits for it',
      integrationPattern: sfn.IntegrationPattern.RUN_JOB,
      transformJobName: '{% $runName %}',
      modelName: '{% $runName %}',
      role: modelRole,
      transformJobArns: this.runArns('transform-job'),
      transformInput: {
        transformDataSource: {
          s3DataSource: {
            s3Uri: props.inputBucket.s3UrlForObject(props.inputPrefix),
            s3DataType: tasks.S3DataType.S3_PREFIX,
          },
        },
        contentType: props.contentType ?? DEFAULT_CONTENT_TYPE,
        splitType,
      },
      transformOutput: {
        s3OutputPath: `{% '${outputUri}${RUN_DATE_COLUMN}=' & $runDate & '/' %}`,
        encryptionKey: props.dataKey,
        // The scores table reads CSV.
        accept: 'text/csv',
        assembleWith: splitType === tasks.SplitType.LINE ? tasks.AssembleWith.LINE : tasks.AssembleWith.NONE,
      },
      transformResources: {
        instanceType: new ec2.InstanceType((props.instanceType ?? DEFAULT_INSTANCE_TYPE).replace(/^ml\./, '')),
        instanceCount: props.instanceCount ?? 1,
        volumeEncryptionKey: props.volumeKey,
      },
      // Leaves the run time to delete the model; Step Functions stops the job when the task times out.
      taskTimeout: sfn.Timeout.duration(timeout.minus(CLEANUP_TIME)),
    });
    retryThrottling(transform, TRANSFORM_JOB_THROTTLING_ERRORS);

    const deleteModel = (stateId: string, comment: string) => {
      const task = tasks.CallAwsService.jsonata(this, stateId, {
        comment,
        service: 'sagemaker',
        action: 'deleteModel',
        parameters: { ModelName: '{% $runName %}' },
        iamResources: [this.runArns('model')],
        iamAction: 'sagemaker:DeleteModel',
      });
      retryThrottling(task, SAGEMAKER_THROTTLING_ERRORS);
      return task;
    };

    const failed = sfn.Fail.jsonata(this, 'ScoringFailed', {
      comment: 'The run failed; the error of the failed step is kept',
      error: '{% $failure.Error %}',
      cause: "{% $failure.Cause ? $failure.Cause : 'no cause reported' %}",
    });
    const cleanUp = deleteModel('DeleteModelAfterFailure', 'Deletes the model of a failed run, if it was created');
    // The model may not exist (CreateModel failed); the run fails with the original error either way.
    cleanUp.addCatch(failed, { errors: [sfn.Errors.ALL] });
    cleanUp.next(failed);
    const onFailure = { errors: [sfn.Errors.ALL], assign: { failure: '{% $states.errorOutput %}' } };
    createModel.addCatch(cleanUp, onFailure);
    transform.addCatch(cleanUp, onFailure);

    const scored = createModel
      .next(transform)
      .next(deleteModel('DeleteModel', 'Deletes the model of the run; the next run creates its own'))
      .next(new sfn.Succeed(this, 'Scored', { comment: 'The scores of the run date are in the table' }));

    return readApprovedModel.next(
      sfn.Choice.jsonata(this, 'IsAModelApproved', { comment: 'Stops early while no model version is approved' })
        .when(
          sfn.Condition.jsonata(`{% $modelPackageArn = '${NO_APPROVED_MODEL}' %}`),
          new sfn.Succeed(this, 'NoApprovedModel', { comment: 'No model version is approved yet: nothing to score' }),
        )
        .otherwise(scored),
    );
  }

  private grantStateMachineRole(props: BatchScoringProps): void {
    const role = this.stateMachineRole;
    // The tasks add these statements themselves (scoped as here); they are stated again, without a Sid so the
    // policy keeps one copy of each, to give each wildcard its reason.
    const runReason =
      'each run creates its own model and transform job named after the execution; the name prefix confines them to the runs of this model';
    role.addWildcardStatement(
      new iam.PolicyStatement({
        actions: ['sagemaker:CreateModel', 'sagemaker:DeleteModel'],
        resources: [this.runArns('model')],
      }),
      runReason,
    );
    role.addWildcardStatement(
      new iam.PolicyStatement({
        actions: [
          'sagemaker:AddTags',
          'sagemaker:CreateTransformJob',
          'sagemaker:DescribeTransformJob',
          'sagemaker:ListTags',
          'sagemaker:StopTransformJob',
        ],
        resources: [this.runArns('transform-job')],
      }),
      runReason,
    );
    role.addWildcardStatement(
      new iam.PolicyStatement({
        sid: 'DescribeTheApprovedModelPackage',
        actions: ['sagemaker:DescribeModelPackage'],
        resources: [this.modelPackageArns(props)],
      }),
      'the approved model package is only known at run time, from the parameter; read-only describe of packages',
    );
    // Both CreateModel and the transform job task pass the model role; the transform job task adds this too.
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['iam:PassRole'],
        resources: [this.modelRole.roleArn],
        conditions: { StringEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } },
      }),
    );
    // SageMaker creates a grant on the volume key, for the transform instances, on behalf of the caller.
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'EncryptTheTransformVolumes',
        actions: ['kms:CreateGrant', 'kms:DescribeKey'],
        resources: [props.volumeKey.keyArn],
        conditions: { Bool: { 'kms:GrantIsForAWSResource': 'true' } },
      }),
    );
    grantStateMachineLogsAndTraces(role);
  }

  private grantModelRole(props: BatchScoringProps): void {
    const role = this.modelRole;
    role.justifyGrant(
      props.inputBucket.grantRead(role, `${props.inputPrefix}*`),
      'read-only grant (the s3:Get and s3:List variants): the transform job lists and reads the record objects under the input prefix only',
    );
    role.justifyGrant(
      props.outputBucket.grantPut(role, `${props.outputPrefix}*`),
      'the transform job writes one output object per input object below the scores prefix only',
    );
    role.justifyGrant(
      props.artifactsBucket.grantRead(role),
      'read-only, and what it reads under pipelines/ and published/ is write-once (ADR 0020), so the job scores with exactly the artifacts that were approved',
    );
    props.dataKey.grant(role, 'kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:DescribeKey');
    props.artifactsKey?.grantDecrypt(role);
    role.justifyActions(
      ['kms:GenerateDataKey*', 'kms:ReEncrypt*'],
      'the bucket grants need every data-key and re-encrypt variant of the data and artifact bucket keys only',
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'EncryptTheTransformVolumes',
        actions: ['kms:CreateGrant', 'kms:DescribeKey'],
        resources: [props.volumeKey.keyArn],
        conditions: { Bool: { 'kms:GrantIsForAWSResource': 'true' } },
      }),
    );
    role.addWildcardStatement(
      new iam.PolicyStatement({
        sid: 'DescribeTheApprovedModelPackage',
        actions: ['sagemaker:DescribeModelPackage'],
        resources: [this.modelPackageArns(props)],
      }),
      'the approved model package is only known at run time, from the parameter; read-only describe of packages',
    );
    grantImagePull(role, props.imageRepositoryArns);
    grantSageMakerLogsAndMetrics(role, '/aws/sagemaker/TransformJobs', '/aws/sagemaker/TransformJobs');
    grantSageMakerVpcAccess(role, props.vpc);
  }

  private createSchedule(props: BatchScoringProps): scheduler.Schedule {
    const role = new PlatformRole(this, 'ScheduleRole', {
      assumedBy: schedulerPrincipal(this),
      description: `EventBridge Scheduler starts the batch scoring of ${props.modelName}`,
    });
    // Scheduler sends failed deliveries with the schedule's role, which must also use the queue's key.
    this.deadLetterQueue.queue.grantSendMessages(role);
    role.justifyActions(
      ['kms:GenerateDataKey*', 'kms:ReEncrypt*'],
      'sending to the KMS-encrypted dead-letter queue needs data keys of that one queue key',
    );
    this.grantExecutionInputKey(role);
    const schedule = new scheduler.Schedule(this, 'Schedule', {
      description: `Starts the batch scoring of ${props.modelName}`,
      // the schedule's target input is encrypted with the logs key (finding 8); Scheduler decrypts it with the role
      key: props.logsKey,
      schedule: scheduler.ScheduleExpression.expression(props.schedule),
      target: new schedulerTargets.StepFunctionsStartExecution(this.stateMachine, {
        role,
        deadLetterQueue: this.deadLetterQueue.queue,
        retryAttempts: 3,
        maxEventAge: Duration.hours(1),
      }),
    });
    schedule.node.addDependency(role.policy);
    return schedule;
  }

  private createTable(props: BatchScoringProps): glue.CfnTable {
    const location = props.outputBucket.s3UrlForObject(props.outputPrefix);
    return new glue.CfnTable(this, 'ScoresTable', {
      catalogId: Aws.ACCOUNT_ID,
      databaseName: props.glueDatabaseName,
      tableInput: {
        name: this.tableName,
        description: `Batch scores of ${props.modelName}, one partition per run date`,
        tableType: 'EXTERNAL_TABLE',
        partitionKeys: [{ name: RUN_DATE_COLUMN, type: 'string', comment: 'UTC date the run started (yyyy-MM-dd)' }],
        parameters: {
          classification: 'csv',
          'projection.enabled': 'true',
          [`projection.${RUN_DATE_COLUMN}.type`]: 'date',
          [`projection.${RUN_DATE_COLUMN}.format`]: 'yyyy-MM-dd',
          [`projection.${RUN_DATE_COLUMN}.range`]: '2024-01-01,NOW',
          [`projection.${RUN_DATE_COLUMN}.interval`]: '1',
          [`projection.${RUN_DATE_COLUMN}.interval.unit`]: 'DAYS',
          'storage.location.template': `${location}${RUN_DATE_COLUMN}=\${${RUN_DATE_COLUMN}}/`,
        },
        storageDescriptor: {
          location,
          columns: (props.columns ?? DEFAULT_COLUMNS).map(({ name, type }) => ({ name, type })),
          inputFormat: 'org.apache.hadoop.mapred.TextInputFormat',
          outputFormat: 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
          serdeInfo: {
            serializationLibrary: 'org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe',
            parameters: { 'field.delim': ',', 'serialization.format': ',' },
          },
        },
      },
    });
  }

  private createAlarms(props: BatchScoringProps): BatchScoring['alarms'] {
    const alarm = (alarmId: string, metric: cloudwatch.Metric, description: string) => {
      const created = metric.createAlarm(this, alarmId, {
        alarmDescription: description,
        threshold: 0,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      created.addAlarmAction(new actions.SnsAction(props.alarmTopic));
      return created;
    };
    return {
      failed: alarm('FailedRunsAlarm', this.metricFailedRuns(), `A batch scoring run of ${props.modelName} failed`),
      timedOut: alarm(
        'TimedOutRunsAlarm',
        this.metricTimedOutRuns(),
        `A batch scoring run of ${props.modelName} timed out`,
      ),
    };
  }
}

/** Props of {@link ScopedTransformJob}. */
interface ScopedTransformJobProps extends tasks.SageMakerCreateTransformJobProps {
  /** ARN pattern of the transform jobs the task may create, describe, stop and tag. */
  readonly transformJobArns: string;
}

/**
 * The transform job task, with its SageMaker permissions scoped to the jobs of one construct. The L2 task
 * allows its actions on every transform job of the account, and `sagemaker:ListTags` on `*`.
 */
class ScopedTransformJob extends tasks.SageMakerCreateTransformJob {
  constructor(scope: Construct, id: string, props: ScopedTransformJobProps) {
    super(scope, id, props);
    const scoped = (this.taskPolicies ?? []).map((statement) =>
      statement.actions.some((action) => action.startsWith('sagemaker:'))
        ? statement.copy({ resources: [props.transformJobArns] })
        : statement,
    );
    // taskPolicies is the extension point TaskStateBase reads when the task joins a state machine.
    Object.defineProperty(this, 'taskPolicies', { value: scoped });
  }
}

/** Retries an API call that was throttled: bounded, with exponential backoff and jitter. */
function retryThrottling(task: sfn.TaskStateBase, errors: string[]): void {
  task.addRetry({
    errors,
    interval: Duration.seconds(5),
    backoffRate: 2,
    maxAttempts: 4,
    maxDelay: Duration.minutes(1),
    jitterStrategy: sfn.JitterType.FULL,
  });
}

/**
 * JSONata expression of the name of a run's model and transform job: the prefix, then as much of the execution
 * name, in lower case and with other characters turned into hyphens, as fits into 63 characters.
 */
function runNameExpression(prefix: string): string {
  return (
    `{% ( $prefix := '${prefix}'; ` +
    `$run := $replace($lowercase($states.context.Execution.Name), /[^a-z0-9]+/, '-'); ` +
    `$tail := $replace($substring($run, -(${MAX_SAGEMAKER_NAME - 1} - $length($prefix))), /^-+|-+$/, ''); ` +
    `$prefix & '-' & $tail ) %}`
  );
}

/** Checks the props, collecting every problem, and throws once. Values that are tokens are not checked. */
function validate(scope: Construct, props: BatchScoringProps): void {
  const problems: string[] = [];
  for (const [field, value] of [
    ['modelName', props.modelName],
    ['runNamePrefix', props.runNamePrefix],
  ] as const) {
    if (known(value) && !NAME.test(value)) {
      problems.push(`${field} must be lower-case letters, digits and single hyphens, got '${value}'`);
    }
  }
  if (known(props.runNamePrefix) && `${props.runNamePrefix}-`.length > MAX_SAGEMAKER_NAME - MIN_RUN_SUFFIX) {
    problems.push(
      `runNamePrefix must leave at least ${MIN_RUN_SUFFIX} of the ${MAX_SAGEMAKER_NAME} characters of a run name, got '${props.runNamePrefix}'`,
    );
  }
  if (known(props.stateMachineName) && !STATE_MACHINE_NAME.test(props.stateMachineName)) {
    problems.push(
      `stateMachineName must be 1 to 80 letters, digits, hyphens or underscores, got '${props.stateMachineName}'`,
    );
  }
  if (known(props.tableName) && !TABLE_NAME.test(props.tableName)) {
    problems.push(`tableName must be lower-case letters, digits and underscores, got '${props.tableName}'`);
  }
  for (const [field, value] of [
    ['inputPrefix', props.inputPrefix],
    ['outputPrefix', props.outputPrefix],
  ] as const) {
    if (known(value) && (value.startsWith('/') || /['\s]/.test(value))) {
      problems.push(`${field} must not start with '/' nor contain quotes or spaces, got '${value}'`);
    }
  }
  if (known(props.outputPrefix) && (props.outputPrefix === '' || !props.outputPrefix.endsWith('/'))) {
    problems.push(`outputPrefix must be a folder ending in '/', got '${props.outputPrefix}'`);
  }
  if (known(props.instanceType) && !INSTANCE_TYPE.test(props.instanceType)) {
    problems.push(`instanceType must be an ML instance type such as 'ml.m5.large', got '${props.instanceType}'`);
  }
  if (known(props.instanceCount) && (!Number.isInteger(props.instanceCount) || props.instanceCount < 1)) {
    problems.push(`instanceCount must be a whole number of at least 1, got ${props.instanceCount}`);
  }
  const count = props.securityGroups.length;
  if (count < 1 || count > 5) {
    problems.push(`securityGroups must hold 1 to 5 security groups, got ${count}`);
  }
  if (props.timeout && !props.timeout.isUnresolved()) {
    const minutes = props.timeout.toMinutes({ integral: false });
    if (minutes < MIN_TIMEOUT.toMinutes() || minutes > MAX_TIMEOUT.toMinutes()) {
      problems.push(`timeout must be between 30 minutes and 365 days, got ${props.timeout.toHumanString()}`);
    }
  }
  const columns = props.columns ?? DEFAULT_COLUMNS;
  if (columns.length === 0) problems.push('columns must name at least one column');
  const seen = new Set<string>();
  for (const { name } of columns) {
    if (!COLUMN.test(name)) {
      problems.push(`column names must be lower-case letters, digits and underscores, got '${name}'`);
    } else if (name === RUN_DATE_COLUMN || seen.has(name)) {
      problems.push(`column '${name}' appears twice (${RUN_DATE_COLUMN} is the partition column)`);
    }
    seen.add(name);
  }
  if (known(props.glueDatabaseName) && props.glueDatabaseName.trim() === '') {
    problems.push('glueDatabaseName must not be empty');
  }
  throwIfInvalid(scope, 'batch scoring', problems);
}
