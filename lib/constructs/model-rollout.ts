import * as path from 'node:path';
import { ArnFormat, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { PLATFORM_EVENT_SOURCE, PLATFORM_EVENT_TYPES } from '../vocabulary';
import { DeadLetterQueue } from './dead-letter-queue';
import { PlatformFunction } from './platform-function';
import { PlatformRole } from './platform-role';
import { grantStateMachineLogsAndTraces } from './state-machine-grants';

const ENTRY = path.join(__dirname, '..', '..', 'lambda', 'rollout', 'handler.ts');

/** Time between two looks at the model stack's status during a rollout. */
export const ROLLOUT_POLL_INTERVAL = Duration.seconds(30);
/** How long Step Functions reuses a data key of the state machine's key: fewer KMS calls, still rotated often. */
const STATE_MACHINE_KEY_REUSE = Duration.minutes(5);
/** Longest a rollout may run: the stack update, with the guardrails' baking periods, and the checks. */
export const ROLLOUT_TIMEOUT = Duration.hours(3);

export interface ModelRolloutProps {
  /** The project and environment, as every platform event names them. */
  readonly project: string;
  readonly environment: string;
  readonly modelName: string;
  readonly stateMachineName: string;
  /** Name of the function that runs the steps, and of its role (the rollout role). */
  readonly functionName: string;
  readonly roleName: string;
  /** The approved-version SSM parameter: the rollout role is one of the two that may write it. */
  readonly approvedModelParameterName: string;
  readonly modelPackageGroupName: string;
  /** The model's stack, updated with its previous template so that it resolves the parameter again. */
  readonly stackName: string;
  /** The endpoint whose live configuration must serve the approved package; only with `realtime`. */
  readonly endpointName: string;
  /** Served in real time: update the stack and verify the endpoint; otherwise the next batch run reads it. */
  readonly realtime: boolean;
  /** Only versions with a passing verdict of the champion/challenger gate roll out (break glass aside). */
  readonly requireVerdict: boolean;
  /** Versions must carry drift baselines (Model Monitor moves to them). */
  readonly requireBaselines: boolean;
  /**
   * Refuse a version whose model card is not Approved with an owner (prod from stage 5), unless forced.
   * @default false
   */
  readonly requireApprovedCard?: boolean;
  /** Failures, and the alarm on failed rollouts, go here. */
  readonly alertsTopic: sns.ITopic;
  /** Encrypts the execution logs, the state machine's data and the dead-letter queue. */
  readonly logsKey: kms.IKey;
  readonly logRetention: logs.RetentionDays;
  /** Name of the alarm on failed rollouts (a silent rollback among them). */
  readonly failedAlarmName: string;
  /** @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * Stage 5 continuous deployment of one model (ADR 0023): an EventBridge rule on the model's versions becoming
 * Approved (with a retry policy and a dead-letter queue) starts a Step Functions state machine, which runs the one
 * binding implementation of lambda/rollout step by step: checks, a compare-and-swap write of the approved-version
 * parameter, an update of the model's stack with its previous template, polls, a check that the endpoint serves
 * exactly the approved package, and on failure a restore of the previous value while the parameter still holds
 * the rollout's own. Every outcome is a `Rollout Outcome` platform event; failures also go to the alerts topic and
 * raise the alarm. `npm run approve` starts the same state machine (break glass).
 */
export class ModelRollout extends Construct {
  readonly stateMachine: sfn.StateMachine;
  readonly handler: PlatformFunction;
  /** The role of the rollout function: with the break-glass role, the only writer of the parameter. */
  readonly role: PlatformRole;
  readonly rule: events.Rule;
  readonly deadLetterQueue: DeadLetterQueue;
  readonly failedAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: ModelRolloutProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;

    this.handler = new PlatformFunction(this, 'Steps', {
      entry: ENTRY,
      description: `Rollout steps of ${props.modelName} in ${props.project}-${props.environment}`,
      timeout: Duration.minutes(1),
      memorySize: 256,
      // one rollout at a time per model is the norm; the state machine retries a throttled step
      reservedConcurrentExecutions: 2,
      environment: {
        PROJECT: props.project,
        ENVIRONMENT: props.environment,
        MODEL: props.modelName,
        PARAMETER_NAME: props.approvedModelParameterName,
        MODEL_PACKAGE_GROUP: props.modelPackageGroupName,
        STACK_NAME: props.stackName,
        ENDPOINT_NAME: props.endpointName,
        REALTIME: String(props.realtime),
        REQUIRE_VERDICT: String(props.requireVerdict),
        REQUIRE_BASELINES: String(props.requireBaselines),
        REQUIRE_APPROVED_CARD: String(props.requireApprovedCard ?? false),
      },
      logsKey: props.logsKey,
      logRetention: props.logRetention,
      alarmTopic: props.alertsTopic,
      removalPolicy,
      outsideVpcReason:
        'it only calls the SSM, CloudFormation and SageMaker control-plane APIs on resources of this model, which IAM scopes; it reads no data',
    });
    (this.handler.function.node.defaultChild as lambda.CfnFunction).functionName = props.functionName;
    this.role = this.handler.role;
    (this.role.node.defaultChild as iam.CfnRole).roleName = props.roleName;
    this.grantSteps(props);

    const stateMachineRole = new PlatformRole(this, 'StateMachineRole', {
      assumedBy: new iam.ServicePrincipal('states.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }),
      description: `Step Functions runs the rollout of ${props.modelName}`,
    });
    const logGroup = new logs.LogGroup(this, 'ExecutionLogs', {
      logGroupName: `/aws/vendedlogs/states/${props.stateMachineName}`,
      encryptionKey: props.logsKey,
      retention: props.logRetention,
      removalPolicy,
    });
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineName: props.stateMachineName,
      stateMachineType: sfn.StateMachineType.STANDARD,
      definitionBody: sfn.DefinitionBody.fromChainable(this.definition(props)),
      role: stateMachineRole,
      timeout: ROLLOUT_TIMEOUT,
      tracingEnabled: true,
      logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: true },
      // The execution history holds each rollout's input and output: the logs key encrypts it. Given the key itself,
      // the CDK would add a statement to its policy admitting CloudWatch log delivery of every account; the key's
      // owner (the Foundation stack) admits its own account's delivery instead, so the state machine gets a reference.
      encryptionConfiguration: new sfn.CustomerManagedEncryptionConfiguration(
        kms.Key.fromKeyArn(this, 'StateMachineKey', props.logsKey.keyArn),
        STATE_MACHINE_KEY_REUSE,
      ),
      comment: `Rolls an approved version of ${props.modelName} out and verifies the endpoint serves it`,
    });
    this.grantStateMachineRole(stateMachineRole, props);

    this.deadLetterQueue = new DeadLetterQueue(this, 'RuleDeadLetters', {
      encryptionKey: props.logsKey,
      alarmTopic: props.alertsTopic,
      purpose: `approvals of ${props.modelName} that could not start a rollout`,
      removalPolicy,
    });
    this.rule = this.createRule(props);

    this.failedAlarm = this.stateMachine
      .metricFailed({ period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM })
      .createAlarm(this, 'FailedAlarm', {
        alarmName: props.failedAlarmName,
        alarmDescription: `A rollout of ${props.modelName} failed: refused, concurrent, rolled back, or a silent rollback (the endpoint does not serve the approved version). See docs/runbooks/promotion-and-rollout.md`,
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    this.failedAlarm.addAlarmAction(new actions.SnsAction(props.alertsTopic));
  }

  /** Allows `grantee` to start a rollout: starting encrypts the input with the state machine's key. */
  grantStart(grantee: iam.IGrantable, logsKey: kms.IKey): void {
    this.stateMachine.grantStartExecution(grantee);
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'EncryptRolloutInput',
        actions: ['kms:GenerateDataKey'],
        resources: [logsKey.keyArn],
        conditions: {
          StringEquals: { 'kms:EncryptionContext:aws:states:stateMachineArn': this.stateMachine.stateMachineArn },
        },
      }),
    );
  }

  private definition(props: ModelRolloutProps): sfn.IChainable {
    const step = (id: string, action: string, comment: string) =>
      new tasks.LambdaInvoke(this, id, {
        comment,
        lambdaFunction: this.handler.function,
        payload: sfn.TaskInput.fromObject({ action, state: sfn.JsonPath.objectAt('$.state') }),
        payloadResponseOnly: true,
        resultPath: '$.state',
      }).addRetry({
        errors: ['ThrottlingException', 'Throttling', 'TooManyRequestsException', 'Lambda.TooManyRequestsException'],
        interval: Duration.seconds(5),
        maxAttempts: 4,
        backoffRate: 2,
      });

    const outcome = (id: string, result: string) =>
      new tasks.EventBridgePutEvents(this, id, {
        comment: `Publishes the ${PLATFORM_EVENT_TYPES.rolloutOutcome} event (${result})`,
        entries: [
          {
            source: PLATFORM_EVENT_SOURCE,
            detailType: PLATFORM_EVENT_TYPES.rolloutOutcome,
            detail: sfn.TaskInput.fromObject({
              project: props.project,
              environment: props.environment,
              model: props.modelName,
              eventTime: sfn.JsonPath.stringAt('$$.State.EnteredTime'),
              outcome: result,
              modelPackageArn: sfn.JsonPath.stringAt('$.state.modelPackageArn'),
              execution: sfn.JsonPath.stringAt('$$.Execution.Id'),
              ...(result === 'failed' ? { error: sfn.JsonPath.objectAt('$.error') } : {}),
            }),
          },
        ],
        resultPath: sfn.JsonPath.DISCARD,
      });

    const alert = new tasks.SnsPublish(this, 'AlertOnFailure', {
      comment: 'Every failed rollout reaches the alerts topic',
      topic: props.alertsTopic,
      subject: `Rollout of ${props.modelName} in ${props.environment} failed`,
      message: sfn.TaskInput.fromObject({
        model: props.modelName,
        environment: props.environment,
        modelPackageArn: sfn.JsonPath.stringAt('$.state.modelPackageArn'),
        error: sfn.JsonPath.objectAt('$.error'),
        runbook: 'docs/runbooks/promotion-and-rollout.md',
      }),
      resultPath: sfn.JsonPath.DISCARD,
    });
    const failed = outcome('PublishFailure', 'failed')
      .next(alert)
      .next(new sfn.Fail(this, 'RolloutFailed', { errorPath: '$.error.Error', causePath: '$.error.Cause' }));
    const succeeded = outcome('PublishSuccess', 'succeeded').next(new sfn.Succeed(this, 'RolledOut'));

    const restore = step('Restore', 'restore', 'Puts the previous value back while the parameter holds our own');
    restore.addCatch(failed, { resultPath: '$.restoreError' });
    restore.next(failed);

    const verify = step('Verify', 'verify', 'The endpoint must serve exactly the approved package');
    verify.addCatch(restore, { resultPath: '$.error' });
    verify.next(succeeded);

    const poll = step('Poll', 'poll', "Reads the model stack's status");
    poll.addCatch(restore, { resultPath: '$.error' });
    const wait = new sfn.Wait(this, 'WaitForTheStack', { time: sfn.WaitTime.duration(ROLLOUT_POLL_INTERVAL) });
    wait.next(poll);
    poll.next(
      new sfn.Choice(this, 'StackUpdated?')
        .when(sfn.Condition.stringEquals('$.state.progress', 'in-progress'), wait)
        .otherwise(verify),
    );

    const update = step('UpdateStack', 'update', "Updates the model's stack with its previous template");
    update.addCatch(restore, { resultPath: '$.error' });
    update.next(
      new sfn.Choice(this, 'UpdateStarted?')
        .when(sfn.Condition.stringEquals('$.state.progress', 'in-progress'), wait)
        .otherwise(verify),
    );

    const claim = step('Claim', 'claim', 'Writes the parameter unless another approval changed it');
    claim.addCatch(failed, { resultPath: '$.error' });
    claim.next(
      new sfn.Choice(this, 'ServedInRealTime?')
        .when(sfn.Condition.booleanEquals('$.state.realtime', true), update)
        .otherwise(succeeded),
    );

    const prepare = step(
      'Prepare',
      'prepare',
      'Checks the version, its verdict and baselines, the parameter and the stack',
    );
    prepare.addCatch(failed, { resultPath: '$.error' });
    // the function leaves alreadyApproved out unless it is true; a Choice on a missing path would fail the run
    const alreadyApproved = sfn.Condition.and(
      sfn.Condition.isPresent('$.state.alreadyApproved'),
      sfn.Condition.booleanEquals('$.state.alreadyApproved', true),
    );
    return prepare.next(
      new sfn.Choice(this, 'AlreadyApproved?')
        .when(sfn.Condition.and(alreadyApproved, sfn.Condition.booleanEquals('$.state.realtime', true)), verify)
        .when(alreadyApproved, succeeded)
        .otherwise(claim),
    );
  }

  private createRule(props: ModelRolloutProps): events.Rule {
    const role = new PlatformRole(this, 'RuleRole', {
      assumedBy: new iam.ServicePrincipal('events.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
      description: `EventBridge starts the rollout of ${props.modelName} when a version is approved`,
    });
    this.grantStart(role, props.logsKey);
    return new events.Rule(this, 'ApprovedVersions', {
      description: `A version of ${props.modelName} became Approved: roll it out (the first state checks its verdict)`,
      eventPattern: {
        source: ['aws.sagemaker'],
        detailType: ['SageMaker Model Package State Change'],
        detail: { ModelPackageGroupName: [props.modelPackageGroupName], ModelApprovalStatus: ['Approved'] },
      },
      targets: [
        new targets.SfnStateMachine(this.stateMachine, {
          role,
          input: events.RuleTargetInput.fromObject({
            state: {
              modelPackageArn: events.EventField.fromPath('$.detail.ModelPackageArn'),
              requestedBy: 'approval-event',
            },
          }),
          deadLetterQueue: this.deadLetterQueue.queue,
          retryAttempts: 8,
          maxEventAge: Duration.hours(6),
        }),
      ],
    });
  }

  private grantSteps(props: ModelRolloutProps): void {
    const stack = Stack.of(this);
    const role = this.role;
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'WriteTheApprovedVersion',
        actions: ['ssm:GetParameter', 'ssm:GetParameterHistory', 'ssm:PutParameter'],
        resources: [
          stack.formatArn({
            service: 'ssm',
            resource: 'parameter',
            resourceName: props.approvedModelParameterName.replace(/^\//, ''),
          }),
        ],
      }),
    );
    const modelStackArn = stack.formatArn({
      service: 'cloudformation',
      resource: 'stack',
      resourceName: `${props.stackName}/*`,
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
    role.addWildcardStatement(
      new iam.PolicyStatement({
        sid: 'UpdateTheModelStack',
        actions: ['cloudformation:DescribeStacks', 'cloudformation:UpdateStack'],
        resources: [modelStackArn],
      }),
      'a stack ARN ends in an id CloudFormation generates; the name fixes the one model stack',
    );
    // UpdateStack keeps the stack's service role (the CDK bootstrap's execution role) and passes it again
    role.addWildcardStatement(
      new iam.PolicyStatement({
        sid: 'KeepTheStacksServiceRole',
        actions: ['iam:PassRole'],
        resources: [
          stack.formatArn({
            service: 'iam',
            region: '',
            resource: 'role',
            resourceName: `cdk-*-cfn-exec-role-${stack.account}-${stack.region}`,
          }),
        ],
        conditions: { StringEquals: { 'iam:PassedToService': 'cloudformation.amazonaws.com' } },
      }),
      "the CDK bootstrap's execution role carries the bootstrap qualifier in its name, which the platform does not fix",
    );
    const packages = stack.formatArn({
      service: 'sagemaker',
      resource: 'model-package',
      resourceName: `${props.modelPackageGroupName.toLowerCase()}/*`,
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
    role.addWildcardStatement(
      new iam.PolicyStatement({
        sid: 'ReadAndMarkVersions',
        actions: ['sagemaker:DescribeModelPackage', 'sagemaker:AddTags'],
        resources: [packages],
      }),
      "versions get numbered names inside the model's one group; a silent rollback is tagged on the version",
    );
    role.addWildcardStatement(
      new iam.PolicyStatement({
        sid: 'ReadTheLiveEndpoint',
        actions: ['sagemaker:DescribeEndpoint', 'sagemaker:DescribeEndpointConfig', 'sagemaker:DescribeModel'],
        resources: [
          stack.formatArn({ service: 'sagemaker', resource: 'endpoint', resourceName: props.endpointName }),
          stack.formatArn({ service: 'sagemaker', resource: 'endpoint-config', resourceName: '*' }),
          stack.formatArn({ service: 'sagemaker', resource: 'model', resourceName: '*' }),
        ],
      }),
      'the endpoint config and model have names CloudFormation generates (they must be replaceable); describe only',
    );
  }

  private grantStateMachineRole(role: PlatformRole, props: ModelRolloutProps): void {
    role.justifyGrant(
      this.handler.function.grantInvoke(role),
      'invoking the one rollout function and its versions (the grant names the function and its qualifiers)',
    );
    props.alertsTopic.grantPublish(role);
    props.logsKey.grantEncryptDecrypt(role);
    role.justifyActions(
      ['kms:GenerateDataKey*', 'kms:ReEncrypt*'],
      'the encrypted state machine data, execution logs and alerts topic need data keys of the one logs key',
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'PublishRolloutOutcomes',
        actions: ['events:PutEvents'],
        resources: [Stack.of(this).formatArn({ service: 'events', resource: 'event-bus', resourceName: 'default' })],
        conditions: { StringEquals: { 'events:source': PLATFORM_EVENT_SOURCE } },
      }),
    );
    grantStateMachineLogsAndTraces(role);
  }
}
