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
  type BaselineAttributeName,
  MODEL_PACKAGE_ARN_PROPERTY,
  type OptionalBaseline,
  parseModelPackageArn,
  REQUIRED_BASELINES_PROPERTY,
  RESOURCE_TYPE,
} from '../../lambda/model-package-baselines/baselines';
import { modelPackageGroupName } from '../naming';
import { PlatformFunction } from './platform-function';
import { known, throwIfInvalid } from './validation';

/**
 * How long CloudFormation waits for an answer before it fails the resource, instead of its default hour. It
 * covers the function's own attempts (1 minute each) and Lambda's two retries of a failed invocation.
 */
export const BASELINES_SERVICE_TIMEOUT = Duration.minutes(10);

/** Where the handler's code is. */
const ENTRY = path.join(__dirname, '..', '..', 'lambda', 'model-package-baselines', 'handler.ts');
const FUNCTION_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

export interface ModelPackageBaselinesFunctionProps {
  /**
   * Fixed name of the function, at most 64 letters, digits, hyphens or underscores. The
   * {@link ModelPackageBaselines} resources address it by this name, without a cross-stack reference.
   */
  readonly functionName: string;
  /** Project name, the prefix of the environment's model package groups. */
  readonly project: string;
  /** Environment name; the function may describe only the model packages of this environment's groups. */
  readonly environment: string;
  /** Key of the log group and of the dead-letter queue. */
  readonly logsKey: kms.IKey;
  /** Topic the function's alarms notify. */
  readonly alarmTopic: sns.ITopic;
  /** How long the log group keeps events. */
  readonly logRetention: logs.RetentionDays;
  /**
   * What happens to the log group and the dead-letter queue when they leave the stack.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The handler of the `Custom::ModelPackageBaselines` resources of one environment (put it in the registry stack):
 * a {@link PlatformFunction} with the fixed name it is given that may only describe this
 * environment's model packages. It speaks the CloudFormation custom resource protocol itself, so there is no
 * Provider framework function to acknowledge.
 */
export class ModelPackageBaselinesFunction extends Construct {
  /** The function with its role, log group, dead-letter queue and alarms. */
  readonly handler: PlatformFunction;
  readonly function: lambda.IFunction;
  /** The fixed name, known at synth. */
  readonly functionName: string;

  constructor(scope: Construct, id: string, props: ModelPackageBaselinesFunctionProps) {
    super(scope, id);
    this.functionName = props.functionName;
    validateNames(this, this.functionName);

    this.handler = new PlatformFunction(this, 'Handler', {
      entry: ENTRY,
      description: `Reads the drift baselines of approved model packages of ${props.project}-${props.environment} for CloudFormation`,
      // covers 4 attempts of DescribeModelPackage (8 s each at most) and the response (3 attempts of 5 s)
      timeout: Duration.minutes(1),
      memorySize: 256,
      // deploys of several model stacks at once queue in Lambda's asynchronous queue
      reservedConcurrentExecutions: 2,
      retryAttempts: 2,
      // an answer after CloudFormation's timeout is of no use
      maxEventAge: BASELINES_SERVICE_TIMEOUT,
      logsKey: props.logsKey,
      logRetention: props.logRetention,
      alarmTopic: props.alarmTopic,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
      outsideVpcReason:
        "CloudFormation takes the answer only as a PUT to a pre-signed URL of its public S3 response bucket, which an isolated VPC reaches only through an S3 gateway endpoint that an imported VPC may lack; the function reads no data: it calls DescribeModelPackage on this environment's model packages, which IAM scopes, and writes one response to the URL CloudFormation gives it",
    });
    this.function = this.handler.function;
    // PlatformFunction names no function; the stacks address this one by its fixed name
    (this.function.node.defaultChild as lambda.CfnFunction).functionName = this.functionName;

    const stack = Stack.of(this);
    const groups = modelPackageGroupName(props.project, props.environment, '*');
    this.handler.role.addWildcardStatement(
      new iam.PolicyStatement({
        sid: 'DescribeVersionsOfThisEnvironment',
        actions: ['sagemaker:DescribeModelPackage'],
        resources: [
          stack.formatArn({
            service: 'sagemaker',
            resource: 'model-package',
            resourceName: `${groups}/*`,
            arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
          }),
        ],
      }),
      "the groups of this environment's models share the project-environment prefix and their versions are numbered, so both are matched by prefix; DescribeModelPackage only reads",
    );
  }
}

export interface ModelPackageBaselinesProps {
  /**
   * ARN of the model package version whose baselines are read, usually the model stack's approved-model
   * parameter. A new ARN replaces the resource, and with it every resource that takes its attributes.
   */
  readonly modelPackageArn: string;
  /**
   * Condition the resource is created under, such as the model stack's `VersionApproved`. Resources that read
   * its attributes need the same condition.
   * @default - always created
   */
  readonly condition?: CfnCondition;
  /** Name of the environment's {@link ModelPackageBaselinesFunction}, which answers the resource. */
  readonly functionName: string;
  /**
   * Optional baselines the version must carry, because monitoring uses them: the deployment fails, naming what is
   * missing, instead of creating a job definition without a baseline.
   * @default - only the data-quality and model-quality baselines are required
   */
  readonly require?: readonly OptionalBaseline[];
}

/** Statistics and constraints of a data-quality or model-quality baseline. */
export interface QualityBaselines {
  readonly statisticsUri: string;
  readonly constraintsUri: string;
}

/** The bias baseline; empty strings when the version has none. */
export interface BiasBaselines {
  /** The analysis config (`DriftCheckBaselines.Bias.ConfigFile`). */
  readonly configUri: string;
  readonly postTrainingConstraintsUri: string;
}

/** The explainability baseline; empty strings when the version has none. */
export interface ExplainabilityBaselines {
  readonly configUri: string;
  readonly constraintsUri: string;
}

/**
 * The drift baselines that the training pipeline registered on a model package version, read at deploy time by
 * a `Custom::ModelPackageBaselines` resource (stage 4 monitoring). The deployment fails with a clear reason
 * when the version is not Approved or lacks the data-quality or model-quality baselines. The service token is
 * the environment's {@link ModelPackageBaselinesFunction}, addressed by name: deploy the stack that holds it
 * first.
 */
export class ModelPackageBaselines extends Construct {
  readonly resource: CustomResource;
  /** ARN of the environment's baselines function. */
  readonly serviceToken: string;

  constructor(scope: Construct, id: string, props: ModelPackageBaselinesProps) {
    super(scope, id);
    const { functionName } = props;
    validateNames(this, functionName, props.modelPackageArn);

    this.serviceToken = Stack.of(this).formatArn({
      service: 'lambda',
      resource: 'function',
      resourceName: functionName,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    this.resource = new CustomResource(this, 'Resource', {
      resourceType: RESOURCE_TYPE,
      serviceToken: this.serviceToken,
      serviceTimeout: BASELINES_SERVICE_TIMEOUT,
      properties: {
        [MODEL_PACKAGE_ARN_PROPERTY]: props.modelPackageArn,
        ...(props.require?.length ? { [REQUIRED_BASELINES_PROPERTY]: [...props.require] } : {}),
      },
      // the resource only reads the registry: its Delete does nothing
      removalPolicy: RemovalPolicy.DESTROY,
    });
    if (props.condition) (this.resource.node.defaultChild as CfnResource).cfnOptions.condition = props.condition;
  }

  /** `DriftCheckBaselines.ModelDataQuality` of the version, for a data-quality job definition. */
  get dataQuality(): QualityBaselines {
    return {
      statisticsUri: this.attribute('DataQualityStatisticsUri'),
      constraintsUri: this.attribute('DataQualityConstraintsUri'),
    };
  }

  /** `DriftCheckBaselines.ModelQuality` of the version, for a model-quality job definition. */
  get modelQuality(): QualityBaselines {
    return {
      statisticsUri: this.attribute('ModelQualityStatisticsUri'),
      constraintsUri: this.attribute('ModelQualityConstraintsUri'),
    };
  }

  /** `DriftCheckBaselines.Bias` of the version, for a model-bias job definition. */
  get bias(): BiasBaselines {
    return {
      configUri: this.attribute('BiasConfigUri'),
      postTrainingConstraintsUri: this.attribute('BiasPostTrainingConstraintsUri'),
    };
  }

  /** `DriftCheckBaselines.Explainability` of the version, for a model-explainability job definition. */
  get explainability(): ExplainabilityBaselines {
    return {
      configUri: this.attribute('ExplainabilityConfigUri'),
      constraintsUri: this.attribute('ExplainabilityConstraintsUri'),
    };
  }

  /** The model package group of the version. */
  get modelPackageGroupName(): string {
    return this.attribute('ModelPackageGroupName');
  }

  /** The version number, as text. */
  get modelPackageVersion(): string {
    return this.attribute('ModelPackageVersion');
  }

  private attribute(name: BaselineAttributeName): string {
    return this.resource.getAttString(name);
  }
}

/** Checks the function name and the ARN, unless they are tokens, collecting every problem, and throws once. */
function validateNames(scope: Construct, functionName: string, modelPackageArn?: string): void {
  const problems: string[] = [];
  if (known(functionName) && !FUNCTION_NAME.test(functionName)) {
    problems.push(`functionName must be at most 64 letters, digits, hyphens or underscores, got '${functionName}'`);
  }
  if (known(modelPackageArn)) {
    const parsed = parseModelPackageArn(modelPackageArn);
    if (!parsed.ok) problems.push(parsed.reason);
  }
  throwIfInvalid(scope, 'model package baselines', problems);
}
