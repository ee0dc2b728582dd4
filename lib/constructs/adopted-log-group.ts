import * as path from 'node:path';
import {
  ArnFormat,
  type CfnCondition,
  type CfnResource,
  CustomResource,
  Duration,
  RemovalPolicy,
  Stack,
} from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import {
  KMS_KEY_ARN_PROPERTY,
  LOG_GROUP_NAME_PROPERTY,
  RESOURCE_TYPE,
  RETENTION_DAYS,
  RETENTION_PROPERTY,
} from '../../lambda/adopted-log-group/log-group';
import { PlatformFunction } from './platform-function';
import { known, quoted, throwIfInvalid } from './validation';

/**
 * How long CloudFormation waits for an answer before it fails the resource, instead of its default hour: the
 * function's own attempts (2 minutes each) and Lambda's two retries of a failed invocation.
 */
export const ADOPTED_LOG_GROUP_SERVICE_TIMEOUT = Duration.minutes(10);

const ENTRY = path.join(__dirname, '..', '..', 'lambda', 'adopted-log-group', 'handler.ts');
const FUNCTION_NAME = /^[a-zA-Z0-9_-]{1,64}$/;
// a log group name, or such a name ending in `*` for every group with that prefix
const LOG_GROUP_PATTERN = /^[.\-_/#A-Za-z0-9]{1,511}\*?$/;

export interface AdoptedLogGroupFunctionProps {
  /**
   * Fixed name of the function, at most 64 letters, digits, hyphens or underscores. The {@link AdoptedLogGroup}
   * resources address it by this name, without a cross-stack reference.
   */
  readonly functionName: string;
  /**
   * The log groups the function may create, encrypt and put a retention on: names, or prefixes ending in `*`
   * (such as `/aws/sagemaker/Endpoints/mlops-dev-*`). It may touch no other group.
   */
  readonly logGroupNames: readonly string[];
  /** Key of the function's own log group and dead-letter queue. */
  readonly logsKey: kms.IKey;
  /** Topic the function's alarms notify. */
  readonly alarmTopic: sns.ITopic;
  /** How long the function's own log group keeps events. */
  readonly logRetention: logs.RetentionDays;
  /**
   * What happens to the function's log group and dead-letter queue when they leave the stack.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The handler of the `Custom::AdoptedLogGroup` resources of one environment: a {@link PlatformFunction} with a
 * fixed name that may manage only the log groups it is given. It speaks the CloudFormation custom resource
 * protocol itself, so there is no Provider framework function to acknowledge.
 */
export class AdoptedLogGroupFunction extends Construct {
  /** The function with its role, log group, dead-letter queue and alarms. */
  readonly handler: PlatformFunction;
  readonly function: lambda.IFunction;
  /** The fixed name, known at synth. */
  readonly functionName: string;

  constructor(scope: Construct, id: string, props: AdoptedLogGroupFunctionProps) {
    super(scope, id);
    this.functionName = props.functionName;
    validateFunction(this, props);

    this.handler = new PlatformFunction(this, 'Handler', {
      entry: ENTRY,
      description: 'Declares log groups that services create at run time, with their key and retention',
      // covers 3 CloudWatch Logs calls of 4 attempts (8 s each at most) and the response (3 attempts of 5 s)
      timeout: Duration.minutes(2),
      memorySize: 256,
      // a deploy of many model stacks queues in Lambda's asynchronous queue
      reservedConcurrentExecutions: 2,
      retryAttempts: 2,
      // an answer after CloudFormation's timeout is of no use
      maxEventAge: ADOPTED_LOG_GROUP_SERVICE_TIMEOUT,
      logsKey: props.logsKey,
      logRetention: props.logRetention,
      alarmTopic: props.alarmTopic,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
      outsideVpcReason:
        'CloudFormation takes the answer only as a PUT to a pre-signed URL of its public S3 response bucket, which an isolated VPC reaches only through an S3 gateway endpoint that an imported VPC may lack; the function reads no log events: it creates, encrypts and sets the retention of the named log groups only, which IAM scopes',
    });
    this.function = this.handler.function;
    // PlatformFunction names no function; the stacks address this one by its fixed name
    (this.function.node.defaultChild as lambda.CfnFunction).functionName = this.functionName;

    const stack = Stack.of(this);
    const logGroupArn = (name: string) =>
      stack.formatArn({
        service: 'logs',
        resource: 'log-group',
        resourceName: name,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      });
    // IAM evaluates some of these actions on the group's ARN and some on `<group ARN>:*`
    const groups = props.logGroupNames.flatMap((name) => [logGroupArn(name), logGroupArn(`${name}:*`)]);
    this.handler.role.addWildcardStatement(
      new iam.PolicyStatement({
        sid: 'DeclareTheNamedLogGroups',
        actions: ['logs:CreateLogGroup', 'logs:AssociateKmsKey', 'logs:DisassociateKmsKey', 'logs:PutRetentionPolicy'],
        resources: groups,
      }),
      'the actions reach only the named log groups (an endpoint prefix covers the endpoints of this environment alone); none of them reads or deletes log events, and `:*` is the form IAM evaluates some of them on',
    );
    this.handler.role.addWildcardStatement(
      new iam.PolicyStatement({
        sid: 'FindTheKeyOfAGroup',
        actions: ['logs:DescribeLogGroups'],
        resources: ['*'],
      }),
      "DescribeLogGroups has no resource-level permissions; it lists log groups' names, retention and key ids, never their events, and a Delete needs it to take off only its own key",
    );
  }
}

export interface AdoptedLogGroupProps {
  /** Name of the log group, as the service that writes it names it. */
  readonly logGroupName: string;
  /** Key the group's new events are encrypted with; its policy must let CloudWatch Logs use it for the group. */
  readonly encryptionKey: kms.IKey;
  /** How long the group keeps events; it replaces the retention the group had. */
  readonly retention: logs.RetentionDays;
  /** Name of the environment's {@link AdoptedLogGroupFunction}, which answers the resource. */
  readonly functionName: string;
  /**
   * Condition the resource is created under, such as the model stack's `VersionApproved`.
   * @default - always created
   */
  readonly condition?: CfnCondition;
}

/**
 * A log group that a service creates at run time (SageMaker's endpoint, job and Studio groups), declared with a
 * key and a retention by a `Custom::AdoptedLogGroup` resource: it creates the group if it is missing and adopts it
 * if it exists, where a plain `AWS::Logs::LogGroup` would fail the deploy with "already exists". Removing the
 * resource leaves the group and its events, and takes its key off only while the key is still this resource's
 * (ADR 0022). The service token is the environment's {@link AdoptedLogGroupFunction}, addressed by name: deploy
 * the stack that holds it first.
 */
export class AdoptedLogGroup extends Construct {
  readonly resource: CustomResource;
  readonly logGroupName: string;
  readonly logGroupArn: string;
  /** ARN of the environment's function. */
  readonly serviceToken: string;

  constructor(scope: Construct, id: string, props: AdoptedLogGroupProps) {
    super(scope, id);
    validateLogGroup(this, props);
    const stack = Stack.of(this);
    this.logGroupName = props.logGroupName;
    this.logGroupArn = stack.formatArn({
      service: 'logs',
      resource: 'log-group',
      resourceName: props.logGroupName,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    this.serviceToken = stack.formatArn({
      service: 'lambda',
      resource: 'function',
      resourceName: props.functionName,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    this.resource = new CustomResource(this, 'Resource', {
      resourceType: RESOURCE_TYPE,
      serviceToken: this.serviceToken,
      serviceTimeout: ADOPTED_LOG_GROUP_SERVICE_TIMEOUT,
      properties: {
        [LOG_GROUP_NAME_PROPERTY]: props.logGroupName,
        [KMS_KEY_ARN_PROPERTY]: props.encryptionKey.keyArn,
        [RETENTION_PROPERTY]: props.retention,
      },
      // the handler's Delete keeps the group; DESTROY only lets CloudFormation tell it to release its key
      removalPolicy: RemovalPolicy.DESTROY,
    });
    if (props.condition) (this.resource.node.defaultChild as CfnResource).cfnOptions.condition = props.condition;
  }
}

export interface AdoptedLogGroupsProps extends Omit<AdoptedLogGroupFunctionProps, 'logGroupNames'> {
  /** The groups to declare here, by construct id, such as `{ TrainingJobs: '/aws/sagemaker/TrainingJobs' }`. */
  readonly logGroups: Readonly<Record<string, string>>;
  /**
   * Further groups that other stacks declare with the function, by name or `*` prefix, such as the endpoint
   * groups of the model stacks.
   * @default - none
   */
  readonly otherLogGroupNames?: readonly string[];
  /** Key of the declared groups (and of the function's own log group). */
  readonly logsKey: kms.IKey;
  /** Retention of the declared groups (and of the function's own log group). */
  readonly logRetention: logs.RetentionDays;
}

/** An environment's {@link AdoptedLogGroupFunction} and the {@link AdoptedLogGroup}s of the stack that holds it. */
export class AdoptedLogGroups extends Construct {
  readonly function: AdoptedLogGroupFunction;
  /** The declared groups, by construct id. */
  readonly logGroups: ReadonlyMap<string, AdoptedLogGroup>;

  constructor(scope: Construct, id: string, props: AdoptedLogGroupsProps) {
    super(scope, id);
    const { logGroups, otherLogGroupNames, ...functionProps } = props;
    this.function = new AdoptedLogGroupFunction(this, 'Function', {
      ...functionProps,
      logGroupNames: [...Object.values(logGroups), ...(otherLogGroupNames ?? [])],
    });
    const declared = new Map<string, AdoptedLogGroup>();
    for (const [groupId, logGroupName] of Object.entries(logGroups)) {
      const group = new AdoptedLogGroup(this, groupId, {
        logGroupName,
        encryptionKey: props.logsKey,
        retention: props.logRetention,
        functionName: this.function.functionName,
      });
      // the token names the function, so CloudFormation would not otherwise wait for it
      group.node.addDependency(this.function);
      declared.set(groupId, group);
    }
    this.logGroups = declared;
  }
}

function validateFunction(scope: Construct, props: AdoptedLogGroupFunctionProps): void {
  const problems: string[] = [];
  if (known(props.functionName) && !FUNCTION_NAME.test(props.functionName)) {
    problems.push(
      `functionName must be at most 64 letters, digits, hyphens or underscores, got ${quoted(props.functionName)}`,
    );
  }
  if (props.logGroupNames.length === 0) problems.push('logGroupNames must name at least one log group');
  for (const name of props.logGroupNames) {
    if (known(name) && (!LOG_GROUP_PATTERN.test(name) || name === '*')) {
      problems.push(`logGroupNames must hold log group names or prefixes ending in '*', got ${quoted(name)}`);
    }
  }
  throwIfInvalid(scope, 'adopted log group function', problems);
}

function validateLogGroup(scope: Construct, props: AdoptedLogGroupProps): void {
  const problems: string[] = [];
  if (known(props.logGroupName) && !/^[.\-_/#A-Za-z0-9]{1,512}$/.test(props.logGroupName)) {
    problems.push(`logGroupName must be a log group name, got ${quoted(props.logGroupName)}`);
  }
  if (known(props.functionName) && !FUNCTION_NAME.test(props.functionName)) {
    problems.push(
      `functionName must be at most 64 letters, digits, hyphens or underscores, got ${quoted(props.functionName)}`,
    );
  }
  if (known(props.retention) && !RETENTION_DAYS.includes(props.retention)) {
    problems.push(`retention must be one CloudWatch Logs accepts, got ${quoted(props.retention)}`);
  }
  throwIfInvalid(scope, 'adopted log group', problems);
}
