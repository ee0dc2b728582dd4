import * as path from 'node:path';
import { Annotations, Duration, RemovalPolicy, Resource, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as schedulerTargets from 'aws-cdk-lib/aws-scheduler-targets';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import {
  DECISION_METRIC,
  DEFAULT_METRICS_NAMESPACE,
  DEFAULT_SERVICE_NAME,
  ENV,
  KEY_ATTRIBUTE,
  TTL_ATTRIBUTE,
} from '../../lambda/retraining-trigger/config';
import { type EvidenceSource, type LoopPolicy, loopPolicyProblems } from '../../lambda/retraining-trigger/loop';
import { PLATFORM_EVENT_SOURCE } from '../../lambda/retraining-trigger/loop-runner';
import { PROMOTION_VERDICT_EVENT } from '../../lambda/retraining-trigger/outcome';
import { parseWindow, policyProblems } from '../../lambda/retraining-trigger/policy';
import { REEVALUATION_DETAIL_TYPE } from '../../lambda/retraining-trigger/trigger';
import { acknowledge } from '../compliance/acknowledge';
import { DeadLetterQueue } from './dead-letter-queue';
import { PlatformFunction } from './platform-function';
import { PlatformRole } from './platform-role';
import { schedulerPrincipal } from './principals';
import { known, throwIfInvalid } from './validation';

/** When new data may start a retraining run; every limit is checked before a run starts. */
export interface RetrainingPolicyProps {
  /** New objects under the prefix since the last run that a run needs (at least 1). */
  readonly minNewObjects: number;
  /** New bytes under the prefix since the last run that a run needs (0: any size). */
  readonly minNewBytes: number;
  /** Minutes after a data-triggered run before the next may start (0: none). */
  readonly cooldownMinutes: number;
  /** Data-triggered runs per UTC day (at least 1). */
  readonly maxRunsPerDay: number;
  /**
   * UTC time of day in which a data-triggered run may start, `HH:MM-HH:MM` (end exclusive; `22:00-02:00`
   * crosses midnight).
   * @default - any time
   */
  readonly allowedWindow?: string;
}

/** Namespace and fixed dimensions of a model's retraining decisions, for dashboards in other stacks. */
export function retrainingDecisionsSource(modelName: string) {
  return {
    namespace: DEFAULT_METRICS_NAMESPACE,
    metricName: DECISION_METRIC,
    dimensions: { service: DEFAULT_SERVICE_NAME, Model: modelName },
  } as const;
}

/**
 * The closed retraining loop (stage 5): drift and quality alarms whose state changes go to the trigger, the
 * evidence it counts (N of M windows of the drift contract), its cooldown and monthly budget.
 */
export interface RetrainingLoopProps {
  readonly policy: LoopPolicy;
  readonly evidence: EvidenceSource;
  /** Alarms the loop follows; a name ending in `*` is a prefix (numbered alarms). */
  readonly alarmNames: readonly string[];
  /** For the platform's events. */
  readonly projectName: string;
  readonly environmentName: string;
  /**
   * How often pending new data and the loop's evidence are re-evaluated without a new event.
   * @default rate(1 hour)
   */
  readonly reevaluationSchedule?: string;
}

export interface RetrainingTriggersProps {
  /** Name of the model in the config, for example `churn`: lower-case letters, digits and hyphens. */
  readonly modelName: string;
  /** Name of the SageMaker pipeline the triggers start. */
  readonly pipelineName: string;
  /** ARN of that pipeline; the triggers may start it and nothing else. */
  readonly pipelineArn: string;
  /**
   * Bucket the new training data arrives in. It must send its events to EventBridge (`eventBridgeEnabled`),
   * which the stack that owns it sets.
   */
  readonly rawDataBucket: s3.IBucket;
  /** Key prefix of the model's training data, ending in `/` (for example `training-data/churn/`). */
  readonly prefix: string;
  /** When new data may start a run. */
  readonly policy: RetrainingPolicyProps;
  /**
   * EventBridge Scheduler expression of a regular retraining, for example `cron(0 3 ? * SUN *)` (UTC). The
   * schedule starts the pipeline directly, whatever the policy says.
   * @default - no scheduled retraining
   */
  readonly schedule?: string;
  /** Key of the state table. */
  readonly stateKey: kms.IKey;
  /** Key of the log group and the dead-letter queues. */
  readonly logsKey: kms.IKey;
  /** Topic the alarms notify. */
  readonly alarmTopic: sns.ITopic;
  /** How long the trigger's log group keeps events. */
  readonly logRetention: logs.RetentionDays;
  /**
   * What happens to the state table, log group and queues when they leave the stack. Anything but DESTROY also
   * turns on the table's deletion protection.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * The closed loop (stage 5): alarm state changes and a scheduled re-evaluation also go to the trigger.
   * @default - new data and the schedule only
   */
  readonly loop?: RetrainingLoopProps;
}

/** Where the trigger function's code is. */
const TRIGGER_ENTRY = path.join(__dirname, '..', '..', 'lambda', 'retraining-trigger', 'handler.ts');
const MODEL_NAME = /^[a-z0-9](-?[a-z0-9])*$/;
const SCHEDULE = /^(cron|rate|at)\(.+\)$/;

/**
 * The retraining triggers of one model in one environment (stage 4).
 *
 * - New data: an EventBridge rule on the bucket's "Object Created" events under the prefix invokes the
 *   retraining-trigger function (retries and a dead-letter queue on the rule target, retries and a dead-letter
 *   queue on the function). The function counts the new objects and bytes in a DynamoDB table and starts the
 *   pipeline when the policy allows it: minimums met, inside the window, cooldown over, daily cap not reached.
 * - Schedule (optional): an EventBridge Scheduler schedule starts the pipeline directly, with
 *   `TriggerReason=schedule`; no Lambda is involved.
 *
 * The table holds one state item per model and the idempotency records of the processed events, which expire
 * through its time-to-live attribute.
 */
export class RetrainingTriggers extends Construct {
  /** The function that decides on new data. */
  readonly function: lambda.IFunction;
  /** The function with its role, log group, dead-letter queue and alarms. */
  readonly trigger: PlatformFunction;
  /** Trigger state and idempotency records. */
  readonly table: dynamodb.Table;
  /** The rule that sends new-data events to the function. */
  readonly rule: events.Rule;
  /** Catches new-data events EventBridge could not deliver to the function. */
  readonly ruleDeadLetterQueue: DeadLetterQueue;
  /** The scheduled retraining, if `schedule` is set. */
  readonly schedule?: scheduler.Schedule;
  /** Catches schedule deliveries that failed after all retries, if `schedule` is set. */
  readonly scheduleDeadLetterQueue?: DeadLetterQueue;
  /** The rule that sends the loop's alarm state changes to the function, if `loop` is set. */
  readonly alarmRule?: events.Rule;
  /** Catches alarm events EventBridge could not deliver, if `loop` is set. */
  readonly alarmDeadLetterQueue?: DeadLetterQueue;
  /** The rule that sends the model's Promotion Verdicts to the function (outcomes of its runs), if `loop` is set. */
  readonly verdictRule?: events.Rule;
  /** Catches verdict events EventBridge could not deliver, if `loop` is set. */
  readonly verdictDeadLetterQueue?: DeadLetterQueue;
  /** The re-evaluation of pending data and evidence, if `loop` is set. */
  readonly reevaluation?: scheduler.Schedule;
  /** Catches re-evaluations that could not be delivered, if `loop` is set. */
  readonly reevaluationDeadLetterQueue?: DeadLetterQueue;

  private readonly modelName: string;

  constructor(scope: Construct, id: string, props: RetrainingTriggersProps) {
    super(scope, id);
    validate(this, props);
    this.modelName = props.modelName;
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;

    this.table = new dynamodb.Table(this, 'State', {
      partitionKey: { name: KEY_ATTRIBUTE, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: props.stateKey,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: TTL_ATTRIBUTE,
      deletionProtection: removalPolicy !== RemovalPolicy.DESTROY,
      removalPolicy,
    });
    acknowledge(
      this.table,
      'NIST.800.53.R5-DynamoDBInBackupPlan',
      'the table holds only counters of pending new data and idempotency records that expire within 48 hours, all derived from objects that stay in the versioned raw bucket; point-in-time recovery covers 35 days, and a lost state only delays or repeats one retraining',
    );

    this.trigger = new PlatformFunction(this, 'Trigger', {
      entry: TRIGGER_ENTRY,
      description: `Retraining trigger of ${props.modelName}`,
      timeout: Duration.seconds(30),
      memorySize: 256,
      // one decision at a time per model; the conditional state write guards the rest
      reservedConcurrentExecutions: 1,
      retryAttempts: 2,
      maxEventAge: Duration.hours(6),
      environment: this.environment(props),
      logsKey: props.logsKey,
      logRetention: props.logRetention,
      alarmTopic: props.alarmTopic,
      removalPolicy,
      outsideVpcReason:
        'the function reads no data: it only calls the SageMaker API (StartPipelineExecution and ListPipelineExecutions on one pipeline), DynamoDB (one table), CloudWatch Logs and X-Ray, each scoped by IAM to those resources; the isolated platform VPC has no DynamoDB or X-Ray endpoint, so placing it there would add endpoints without narrowing what it can reach',
    });
    this.function = this.trigger.function;
    this.grantTrigger(props);

    this.ruleDeadLetterQueue = new DeadLetterQueue(this, 'NewDataDeadLetters', {
      encryptionKey: props.logsKey,
      alarmTopic: props.alarmTopic,
      purpose: `new-data events of ${props.modelName} to its retraining trigger`,
      removalPolicy,
    });
    this.rule = new events.Rule(this, 'NewData', {
      description: `New training data of ${props.modelName} under ${props.prefix}`,
      eventPattern: {
        source: ['aws.s3'],
        detailType: ['Object Created'],
        detail: {
          bucket: { name: [props.rawDataBucket.bucketName] },
          object: { key: events.Match.prefix(props.prefix) },
        },
      },
      targets: [
        new targets.LambdaFunction(this.function, {
          deadLetterQueue: this.ruleDeadLetterQueue.queue,
          retryAttempts: 8,
          maxEventAge: Duration.hours(6),
        }),
      ],
    });

    // checked once the whole app is built, since the stack that owns the bucket may turn the events on later
    this.node.addValidation({
      validate: () => {
        if (sendsEventsToEventBridge(props.rawDataBucket) === false) {
          Annotations.of(this).addWarningV2(
            '@mlops/retraining-triggers:bucketEvents',
            `the bucket ${props.rawDataBucket.node.path} does not send its events to EventBridge, so new data will never trigger a retraining: turn on its EventBridge notifications`,
          );
        }
        return [];
      },
    });

    if (props.schedule !== undefined) {
      this.scheduleDeadLetterQueue = new DeadLetterQueue(this, 'ScheduleDeadLetters', {
        encryptionKey: props.logsKey,
        alarmTopic: props.alarmTopic,
        purpose: `the retraining schedule of ${props.modelName}`,
        removalPolicy,
      });
      this.schedule = this.createSchedule(props, props.schedule, this.scheduleDeadLetterQueue);
    }

    if (props.loop) {
      const loop = props.loop;
      this.grantLoop(props);
      this.alarmDeadLetterQueue = new DeadLetterQueue(this, 'AlarmDeadLetters', {
        encryptionKey: props.logsKey,
        alarmTopic: props.alarmTopic,
        purpose: `drift and quality alarm events of ${props.modelName} to its retraining loop`,
        removalPolicy,
      });
      this.alarmRule = new events.Rule(this, 'DriftAlarms', {
        description: `Drift and quality alarms of ${props.modelName} that may retrain it`,
        eventPattern: {
          source: ['aws.cloudwatch'],
          detailType: ['CloudWatch Alarm State Change'],
          detail: {
            alarmName: loop.alarmNames.flatMap((name) =>
              name.endsWith('*') ? events.Match.prefix(name.slice(0, -1)) : [name],
            ),
            state: { value: ['ALARM'] },
          },
        },
        targets: [
          new targets.LambdaFunction(this.function, {
            deadLetterQueue: this.alarmDeadLetterQueue.queue,
            retryAttempts: 8,
            maxEventAge: Duration.hours(6),
          }),
        ],
      });
      // the outcome of a run (promoted, or lost to the champion) is joined back onto the decision that started it
      this.verdictDeadLetterQueue = new DeadLetterQueue(this, 'VerdictDeadLetters', {
        encryptionKey: props.logsKey,
        alarmTopic: props.alarmTopic,
        purpose: `promotion verdicts of ${props.modelName} to its retraining loop`,
        removalPolicy,
      });
      this.verdictRule = new events.Rule(this, 'PromotionVerdicts', {
        description: `Promotion verdicts of ${props.modelName}, joined onto the retraining decisions`,
        eventPattern: {
          source: [PLATFORM_EVENT_SOURCE],
          detailType: [PROMOTION_VERDICT_EVENT],
          detail: { environment: [loop.environmentName], model: [props.modelName] },
        },
        targets: [
          new targets.LambdaFunction(this.function, {
            deadLetterQueue: this.verdictDeadLetterQueue.queue,
            retryAttempts: 8,
            maxEventAge: Duration.hours(6),
          }),
        ],
      });
      this.reevaluationDeadLetterQueue = new DeadLetterQueue(this, 'ReevaluationDeadLetters', {
        encryptionKey: props.logsKey,
        alarmTopic: props.alarmTopic,
        purpose: `the retraining re-evaluation of ${props.modelName}`,
        removalPolicy,
      });
      this.reevaluation = this.createReevaluation(props, loop, this.reevaluationDeadLetterQueue);
    }
  }

  /**
   * Count of the trigger's decisions of one kind, as the function publishes them (embedded metric format).
   * @param decision `start` or `skip`
   * @param reason for example `start`, `below-minimum`, `cooldown`, `daily-cap`, `outside-window`,
   *   `already-running`, `duplicate`, `malformed-event`, `outside-prefix`
   * @default - Sum over 1 hour
   */
  metricDecisions(decision: 'start' | 'skip', reason: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    const source = retrainingDecisionsSource(this.modelName);
    return new cloudwatch.Metric({
      namespace: source.namespace,
      metricName: source.metricName,
      dimensionsMap: { ...source.dimensions, Decision: decision, Reason: reason },
      statistic: cloudwatch.Stats.SUM,
      period: Duration.hours(1),
      ...props,
    });
  }

  /**
   * Retraining runs the trigger started on new data.
   * @default - Sum over 1 hour
   */
  metricRunsStarted(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metricDecisions('start', 'start', props);
  }

  private environment(props: RetrainingTriggersProps): Record<string, string> {
    const { policy } = props;
    return {
      [ENV.pipelineName]: props.pipelineName,
      [ENV.modelName]: props.modelName,
      [ENV.stateTableName]: this.table.tableName,
      [ENV.inputBucket]: props.rawDataBucket.bucketName,
      [ENV.inputPrefix]: props.prefix,
      [ENV.minNewObjects]: String(policy.minNewObjects),
      [ENV.minNewBytes]: String(policy.minNewBytes),
      [ENV.cooldownMinutes]: String(policy.cooldownMinutes),
      [ENV.maxRunsPerDay]: String(policy.maxRunsPerDay),
      ...(policy.allowedWindow ? { [ENV.allowedWindow]: policy.allowedWindow } : {}),
      [ENV.serviceName]: DEFAULT_SERVICE_NAME,
      [ENV.metricsNamespace]: DEFAULT_METRICS_NAMESPACE,
      ...(props.loop
        ? {
            [ENV.projectName]: props.loop.projectName,
            [ENV.environmentName]: props.loop.environmentName,
            [ENV.alertsTopicArn]: props.alarmTopic.topicArn,
            [ENV.loopPolicy]: JSON.stringify(props.loop.policy),
            [ENV.loopEvidence]: JSON.stringify(props.loop.evidence),
            [ENV.loopAlarms]: props.loop.alarmNames.join(','),
          }
        : {}),
    };
  }

  /** The loop reads the contract's metrics and the month's executions, and sends decisions and failures. */
  private grantLoop(props: RetrainingTriggersProps): void {
    const role = this.trigger.role;
    const stack = Stack.of(this);
    role.addWildcardStatement(
      new iam.PolicyStatement({ sid: 'ReadTheDriftEvidence', actions: ['cloudwatch:GetMetricData'], resources: ['*'] }),
      'GetMetricData has no resource-level permissions; the function reads only the metric queries of its LOOP_EVIDENCE',
    );
    role.addWildcardStatement(
      new iam.PolicyStatement({
        sid: 'MeasureTheMonthlyBudget',
        actions: ['sagemaker:ListPipelineExecutionSteps', 'sagemaker:DescribeTrainingJob'],
        resources: [
          `${props.pipelineArn}/execution/*`,
          stack.formatArn({ service: 'sagemaker', resource: 'training-job', resourceName: '*' }),
        ],
      }),
      "the budget is measured from this pipeline's executions, whose ids and training jobs SageMaker names at run time",
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'AnnounceRetrainingDecisions',
        actions: ['events:PutEvents'],
        resources: [stack.formatArn({ service: 'events', resource: 'event-bus', resourceName: 'default' })],
        conditions: { StringEquals: { 'events:source': PLATFORM_EVENT_SOURCE } },
      }),
    );
    props.alarmTopic.grantPublish(role);
  }

  private createReevaluation(
    props: RetrainingTriggersProps,
    loop: RetrainingLoopProps,
    deadLetters: DeadLetterQueue,
  ): scheduler.Schedule {
    const role = new PlatformRole(this, 'ReevaluationRole', {
      assumedBy: schedulerPrincipal(this),
      description: `EventBridge Scheduler re-evaluates the retraining of ${props.modelName}`,
    });
    deadLetters.queue.grantSendMessages(role);
    role.justifyActions(
      ['kms:GenerateDataKey*', 'kms:ReEncrypt*'],
      'sending to the KMS-encrypted dead-letter queue needs data keys of that one queue key',
    );
    role.justifyGrant(
      this.function.grantInvoke(role),
      "Lambda's invoke grant covers the function and its versions (arn:*); the schedule invokes the unqualified function",
    );
    const schedule = new scheduler.Schedule(this, 'Reevaluation', {
      description: `Re-evaluates pending data and drift evidence of ${props.modelName}`,
      schedule: scheduler.ScheduleExpression.expression(loop.reevaluationSchedule ?? 'rate(1 hour)'),
      target: new schedulerTargets.LambdaInvoke(this.function, {
        role,
        deadLetterQueue: deadLetters.queue,
        retryAttempts: 3,
        maxEventAge: Duration.hours(1),
        input: scheduler.ScheduleTargetInput.fromObject({
          'detail-type': REEVALUATION_DETAIL_TYPE,
          source: PLATFORM_EVENT_SOURCE,
          id: scheduler.ContextAttribute.executionId,
          time: scheduler.ContextAttribute.scheduledTime,
        }),
      }),
    });
    schedule.node.addDependency(role.policy);
    return schedule;
  }

  private grantTrigger(props: RetrainingTriggersProps): void {
    const role = this.trigger.role;
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'StartThePipelineOfThisModel',
        actions: ['sagemaker:StartPipelineExecution', 'sagemaker:ListPipelineExecutions'],
        resources: [props.pipelineArn],
      }),
    );
    // the state item and the idempotency records: single-item reads and writes, no scans or queries
    this.table.grant(role, 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem');
    props.stateKey.grant(role, 'kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:DescribeKey');
  }

  private createSchedule(
    props: RetrainingTriggersProps,
    expression: string,
    deadLetters: DeadLetterQueue,
  ): scheduler.Schedule {
    const role = new PlatformRole(this, 'ScheduleRole', {
      assumedBy: schedulerPrincipal(this),
      description: `EventBridge Scheduler starts the retraining of ${props.modelName}`,
    });
    // Scheduler sends failed deliveries with the schedule's role, which must also use the queue's key.
    deadLetters.queue.grantSendMessages(role);
    role.justifyActions(
      ['kms:GenerateDataKey*', 'kms:ReEncrypt*'],
      'sending to the KMS-encrypted dead-letter queue needs data keys of that one queue key',
    );
    const pipeline = new PipelineReference(this, 'Pipeline', props.pipelineName, props.pipelineArn);
    const schedule = new scheduler.Schedule(this, 'Schedule', {
      description: `Retrains ${props.modelName} on schedule`,
      // the schedule's target input is encrypted with the logs key (finding 8); Scheduler decrypts it with the role
      key: props.logsKey,
      schedule: scheduler.ScheduleExpression.expression(expression),
      target: new schedulerTargets.SageMakerStartPipelineExecution(pipeline, {
        role,
        deadLetterQueue: deadLetters.queue,
        retryAttempts: 3,
        maxEventAge: Duration.hours(1),
        pipelineParameterList: [
          { name: 'InputDataUrl', value: props.rawDataBucket.s3UrlForObject(props.prefix) },
          { name: 'TriggerReason', value: 'schedule' },
        ],
      }),
    });
    schedule.node.addDependency(role.policy);
    return schedule;
  }
}

/** A SageMaker pipeline known by name and ARN, as the Scheduler target takes it. Creates nothing. */
export class PipelineReference extends Resource implements sagemaker.IPipeline {
  readonly pipelineName: string;
  readonly pipelineArn: string;

  constructor(scope: Construct, id: string, pipelineName: string, pipelineArn: string) {
    super(scope, id);
    this.pipelineName = pipelineName;
    this.pipelineArn = pipelineArn;
  }

  get pipelineRef(): sagemaker.PipelineReference {
    return { pipelineName: this.pipelineName };
  }

  grantStartPipelineExecution(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['sagemaker:StartPipelineExecution'],
      resourceArns: [this.pipelineArn],
    });
  }
}

/**
 * Whether a bucket of this app sends its events to EventBridge: through its `NotificationConfiguration`, or
 * (for `eventBridgeEnabled`) through CDK's notifications custom resource. Undefined for an imported bucket.
 */
function sendsEventsToEventBridge(bucket: s3.IBucket): boolean | undefined {
  const cfnBucket = bucket.node.defaultChild;
  if (!(cfnBucket instanceof s3.CfnBucket)) return undefined;
  const configuration = Stack.of(cfnBucket).resolve(cfnBucket.notificationConfiguration);
  if (configuration?.eventBridgeConfiguration?.eventBridgeEnabled === true) return true;
  return bucket.node.tryFindChild('Notifications')?.node.tryFindChild('Resource') !== undefined;
}

/** Checks the props, collecting every problem, and throws once. Values that are tokens are not checked. */
function validate(scope: Construct, props: RetrainingTriggersProps): void {
  const problems: string[] = [];
  if (known(props.modelName) && !MODEL_NAME.test(props.modelName)) {
    problems.push(`modelName must be lower-case letters, digits and single hyphens, got '${props.modelName}'`);
  }
  if (known(props.prefix) && (props.prefix.startsWith('/') || !props.prefix.endsWith('/') || props.prefix === '/')) {
    problems.push(`prefix must be a folder such as 'training-data/churn/' (no leading '/'), got '${props.prefix}'`);
  }
  const { policy } = props;
  const limits = [policy.minNewObjects, policy.minNewBytes, policy.cooldownMinutes, policy.maxRunsPerDay];
  if (limits.every((limit) => known(limit))) problems.push(...policyProblems({ ...policy, allowedWindow: undefined }));
  if (known(policy.allowedWindow)) {
    try {
      parseWindow(policy.allowedWindow);
    } catch (error) {
      problems.push((error as Error).message);
    }
  }
  if (props.loop) {
    problems.push(...loopPolicyProblems(props.loop.policy).map((p) => `loop.policy.${p}`));
    if (props.loop.alarmNames.length === 0) problems.push('loop.alarmNames must name at least one alarm');
    if (props.loop.evidence.violations.length === 0)
      problems.push('loop.evidence must list at least one violation query');
  }
  if (known(props.schedule) && !SCHEDULE.test(props.schedule.trim())) {
    problems.push(
      `schedule must be an EventBridge Scheduler expression such as 'cron(0 3 ? * SUN *)', got '${props.schedule}'`,
    );
  }
  throwIfInvalid(scope, 'retraining triggers', problems);
}
