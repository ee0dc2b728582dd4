import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { acknowledge } from '../compliance/acknowledge';
import { DeadLetterQueue } from './dead-letter-queue';
import { PlatformRole } from './platform-role';
import { known, throwIfInvalid } from './validation';

/** The one Node.js runtime of the platform's functions; the bundles target the same major version. */
export const PLATFORM_RUNTIME = lambda.Runtime.NODEJS_22_X;
const BUNDLE_TARGET = 'node22';

/**
 * Modules the bundle leaves to the runtime: the Node.js 22 runtime ships the AWS SDK for JavaScript v3 (and
 * the Smithy packages it is made of), which keeps the bundle at about 100 KB instead of about 1 MB.
 */
export const RUNTIME_PROVIDED_MODULES = ['@aws-sdk/*', '@smithy/*'];

export interface PlatformFunctionProps {
  /** Path of the TypeScript file that exports the handler. */
  readonly entry: string;
  /**
   * Name of the exported handler function.
   * @default 'handler'
   */
  readonly handler?: string;
  /** What the function is, for the console and the alarms, for example `Retraining trigger of churn`. */
  readonly description: string;
  /** Longest an invocation may run; leave room for the bounded retries of its SDK calls. */
  readonly timeout: Duration;
  /** Memory in MB (128-10240); CPU grows with it. */
  readonly memorySize: number;
  /**
   * Concurrent executions reserved for, and limiting, the function. Asynchronous events above it wait in
   * Lambda's queue (up to `maxEventAge`) instead of failing.
   */
  readonly reservedConcurrentExecutions: number;
  /**
   * Environment variables of the function.
   * @default - only NODE_OPTIONS=--enable-source-maps
   */
  readonly environment?: Record<string, string>;
  /** Key of the log group and of the dead-letter queue. */
  readonly logsKey: kms.IKey;
  /**
   * Key that encrypts the environment variables at rest; the role may decrypt with it only through Lambda.
   * @default - logsKey
   */
  readonly environmentKey?: kms.IKey;
  /** How long the log group keeps events. */
  readonly logRetention: logs.RetentionDays;
  /** Topic the alarms (errors, throttles, dead letters) notify. */
  readonly alarmTopic: sns.ITopic;
  /**
   * Retries of a failed asynchronous invocation (0-2) before the event goes to the dead-letter queue.
   * @default 2
   */
  readonly retryAttempts?: number;
  /**
   * Longest an asynchronous event waits (throttled or between retries) before it goes to the dead-letter queue
   * (1 minute to 6 hours).
   * @default Duration.hours(6)
   */
  readonly maxEventAge?: Duration;
  /**
   * Why the function runs outside the VPC, which NIST 800-53 (LambdaInsideVPC) asks to justify: for example
   * that it only calls AWS APIs that IAM scopes, and the VPC has no endpoint for them.
   */
  readonly outsideVpcReason: string;
  /**
   * Level of the application logs that Lambda keeps (Powertools Logger follows it).
   * @default lambda.ApplicationLogLevel.INFO
   */
  readonly logLevel?: lambda.ApplicationLogLevel;
  /**
   * What happens to the log group and the dead-letter queue when they leave the stack.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The platform's opinionated Node.js Lambda function: Node.js 22 on ARM64, bundled locally with esbuild
 * (minified, with a source map), an explicit timeout, memory and reserved concurrency, X-Ray tracing, a
 * KMS-encrypted JSON log group with retention, and a {@link PlatformRole} whose permissions live in one managed
 * policy. A failed asynchronous invocation is retried, then its event goes to the dead-letter queue (the
 * `DeadLetterConfig`) and its invocation record, with the error, to the same queue (the on-failure destination);
 * the queue, errors and sustained throttling alarm to SNS.
 */
export class PlatformFunction extends Construct {
  /** The function. */
  readonly function: lambda.IFunction;
  /** The execution role; grant the function's permissions to it. */
  readonly role: PlatformRole;
  readonly logGroup: logs.LogGroup;
  /** Catches the events and invocation records of asynchronous invocations that failed every attempt. */
  readonly deadLetterQueue: DeadLetterQueue;
  readonly alarms: { readonly errors: cloudwatch.Alarm; readonly throttles: cloudwatch.Alarm };

  constructor(scope: Construct, id: string, props: PlatformFunctionProps) {
    super(scope, id);
    validate(this, props);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;

    this.role = new PlatformRole(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: props.description,
    });
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      encryptionKey: props.logsKey,
      retention: props.logRetention,
      removalPolicy,
    });
    // the basic execution permissions, on this log group only
    this.logGroup.grantWrite(this.role);
    // Tracing adds these actions on `*` itself; they are stated here to give the wildcard its reason.
    this.role.addWildcardStatement(
      new iam.PolicyStatement({ actions: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], resources: ['*'] }),
      'X-Ray PutTraceSegments and PutTelemetryRecords have no resource-level permissions',
    );

    this.deadLetterQueue = new DeadLetterQueue(this, 'DeadLetters', {
      encryptionKey: props.logsKey,
      alarmTopic: props.alarmTopic,
      purpose: `asynchronous invocations of the function '${props.description}'`,
      removalPolicy,
      ofFunction: true,
    });
    this.role.justifyActions(
      ['kms:GenerateDataKey*', 'kms:ReEncrypt*'],
      'sending failed events to the KMS-encrypted dead-letter queue needs data keys of its one key',
    );

    const environmentKey = props.environmentKey ?? props.logsKey;
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'DecryptEnvironment',
        actions: ['kms:Decrypt'],
        resources: [environmentKey.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': `lambda.${Stack.of(this).region}.amazonaws.com` } },
      }),
    );
    const fn = new nodejs.NodejsFunction(this, 'Resource', {
      entry: props.entry,
      handler: props.handler ?? 'handler',
      description: props.description,
      runtime: PLATFORM_RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      timeout: props.timeout,
      memorySize: props.memorySize,
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      role: this.role,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      applicationLogLevelV2: props.logLevel ?? lambda.ApplicationLogLevel.INFO,
      systemLogLevelV2: lambda.SystemLogLevel.INFO,
      tracing: lambda.Tracing.ACTIVE,
      environment: { NODE_OPTIONS: '--enable-source-maps', ...props.environment },
      // a customer-managed key, not Lambda's AWS-managed one (issue 12, finding 8)
      environmentEncryption: environmentKey,
      deadLetterQueue: this.deadLetterQueue.queue,
      retryAttempts: props.retryAttempts ?? 2,
      maxEventAge: props.maxEventAge ?? Duration.hours(6),
      onFailure: new destinations.SqsDestination(this.deadLetterQueue.queue),
      bundling: {
        forceDockerBundling: false,
        minify: true,
        sourceMap: true,
        target: BUNDLE_TARGET,
        format: nodejs.OutputFormat.CJS,
        externalModules: RUNTIME_PROVIDED_MODULES,
      },
    });
    // Lambda checks at creation that the role may send to the dead-letter queue and write the logs.
    fn.node.addDependency(this.role.policy);
    this.function = fn;

    acknowledge(fn, 'NIST.800.53.R5-LambdaInsideVPC', props.outsideVpcReason);
    const runtimeReason =
      'the platform pins nodejs22.x, a supported Lambda runtime (deprecation 2027-04-30) that Lambda patches automatically; the bundles target node22 and the tests run on it, so moving to nodejs24.x is one deliberate change for every function';
    acknowledge(fn, 'AwsSolutions-L1', runtimeReason);
    acknowledge(fn, 'Serverless-LambdaLatestVersion', runtimeReason);

    this.alarms = this.createAlarms(props);
  }

  /** Lets `grantee` invoke the function. */
  grantInvoke(grantee: iam.IGrantable): iam.Grant {
    return this.function.grantInvoke(grantee);
  }

  /**
   * Invocations that failed with an error, retries included.
   * @default - Sum over 5 minutes
   */
  metricErrors(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.function.metricErrors({ period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM, ...props });
  }

  /**
   * Invocations refused because the reserved concurrency was in use; asynchronous ones are retried by Lambda.
   * @default - Sum over 5 minutes
   */
  metricThrottles(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.function.metricThrottles({ period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM, ...props });
  }

  private createAlarms(props: PlatformFunctionProps): PlatformFunction['alarms'] {
    const errors = this.metricErrors().createAlarm(this, 'ErrorsAlarm', {
      alarmDescription: `An invocation of the function '${props.description}' failed; after its retries the event goes to the dead-letter queue`,
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    // A burst is absorbed by Lambda's asynchronous queue; throttling for 15 minutes means the reserved
    // concurrency no longer keeps up, and events will age out into the dead-letter queue.
    const throttles = this.metricThrottles().createAlarm(this, 'ThrottlesAlarm', {
      alarmDescription: `The function '${props.description}' has been throttled for 15 minutes: its reserved concurrency does not keep up`,
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 3,
      datapointsToAlarm: 3,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    for (const alarm of [errors, throttles]) alarm.addAlarmAction(new actions.SnsAction(props.alarmTopic));
    return { errors, throttles };
  }
}

/** Checks the props, collecting every problem, and throws once. Values that are tokens are not checked. */
function validate(scope: Construct, props: PlatformFunctionProps): void {
  const problems: string[] = [];
  if (!props.timeout.isUnresolved()) {
    const seconds = props.timeout.toSeconds();
    if (seconds < 1 || seconds > 900) {
      problems.push(`timeout must be between 1 second and 15 minutes, got ${props.timeout.toHumanString()}`);
    }
  }
  const memory = props.memorySize;
  if (known(memory) && (!Number.isInteger(memory) || memory < 128 || memory > 10240)) {
    problems.push(`memorySize must be a whole number of MB from 128 to 10240, got ${props.memorySize}`);
  }
  const concurrency = props.reservedConcurrentExecutions;
  if (known(concurrency) && (!Number.isInteger(concurrency) || concurrency < 1)) {
    problems.push(`reservedConcurrentExecutions must be a whole number of at least 1, got ${concurrency}`);
  }
  const retries = props.retryAttempts;
  if (known(retries) && (!Number.isInteger(retries) || retries < 0 || retries > 2)) {
    problems.push(`retryAttempts must be 0, 1 or 2, got ${retries}`);
  }
  if (props.maxEventAge && !props.maxEventAge.isUnresolved()) {
    const seconds = props.maxEventAge.toSeconds();
    if (seconds < 60 || seconds > 6 * 3600) {
      problems.push(`maxEventAge must be between 1 minute and 6 hours, got ${props.maxEventAge.toHumanString()}`);
    }
  }
  throwIfInvalid(scope, 'platform function', problems);
}
