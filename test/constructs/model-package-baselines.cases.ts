import { existsSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { type App, CfnCondition, CfnParameter, Fn, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import { AwsSolutionsChecks, NIST80053R5Checks, ServerlessChecks } from 'cdk-nag';
import {
  BASELINES_SERVICE_TIMEOUT,
  ModelPackageBaselines,
  ModelPackageBaselinesFunction,
} from '../../lib/constructs/model-package-baselines';
import { testApp } from '../support/platform';

const PARTITION = 'aws';
/** The fixed name the platform gives the function of `mlops-test` (lib/naming.ts). */
const FUNCTION_NAME = 'mlops-test-model-package-baselines';

/**
 * A registry-like stack with the function of `mlops-test`, and a monitoring-like stack with the approved-model
 * parameter, its `VersionApproved` condition and the custom resource; the logs key and the alerts topic come
 * from a shared stack. Lambda bundling is skipped unless asked for.
 */
function givenTheStacks(options: { bundle?: boolean } = {}) {
  const app = testApp(options.bundle ? {} : { 'aws:cdk:bundling-stacks': [] });
  const shared = new Stack(app, 'Shared');
  const logsKey = new kms.Key(shared, 'LogsKey', { enableKeyRotation: true });
  const alarmTopic = new sns.Topic(shared, 'Alerts', { masterKey: logsKey, enforceSSL: true });
  const functionProps = {
    functionName: FUNCTION_NAME,
    project: 'mlops',
    environment: 'test',
    logsKey,
    alarmTopic,
    logRetention: logs.RetentionDays.ONE_YEAR,
  };
  return { app, functionProps };
}

/** The approved-model parameter and condition of a serving or monitoring stack. */
function approvedVersion(stack: Stack) {
  const parameter = new CfnParameter(stack, 'ApprovedModelPackageArn', {
    type: 'AWS::SSM::Parameter::Value<String>',
    default: '/mlops/test/models/churn/approved-model-package-arn',
  });
  const condition = new CfnCondition(stack, 'VersionApproved', {
    expression: Fn.conditionNot(Fn.conditionEquals(parameter.valueAsString, 'none')),
  });
  return { arn: parameter.valueAsString, condition };
}

function violationsOf(app: App, stack: Stack): string[] {
  app.synth();
  return [new AwsSolutionsChecks(), new NIST80053R5Checks(), new ServerlessChecks()].flatMap((pack) =>
    pack
      .validateScope(stack)
      .violations.flatMap((v) =>
        v.violatingResources.map((r) => `${v.ruleName} at ${r.constructPath ?? r.resourceLogicalId}`),
      ),
  );
}

interface Statement {
  readonly Sid?: string;
  readonly Action: string | string[];
  readonly Resource: unknown;
}

const pseudoArn = (service: string, resource: string) => ({
  'Fn::Join': [
    '',
    [
      'arn:',
      { Ref: 'AWS::Partition' },
      `:${service}:`,
      { Ref: 'AWS::Region' },
      ':',
      { Ref: 'AWS::AccountId' },
      `:${resource}`,
    ],
  ],
});

describe('GIVEN one stack holding the function and a custom resource under the VersionApproved condition', () => {
  const { app, functionProps } = givenTheStacks();
  const stack = new Stack(app, 'Monitoring');
  const fn = new ModelPackageBaselinesFunction(stack, 'BaselinesFunction', functionProps);
  const approved = approvedVersion(stack);
  const baselines = new ModelPackageBaselines(stack, 'Baselines', {
    functionName: FUNCTION_NAME,
    modelPackageArn: approved.arn,
    condition: approved.condition,
  });
  const template = Template.fromStack(stack);

  test('THEN the function runs Node.js 22 on ARM64 under its fixed name, within a minute', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'mlops-test-model-package-baselines',
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      Timeout: 60,
      MemorySize: 256,
      ReservedConcurrentExecutions: 2,
      TracingConfig: { Mode: 'Active' },
    });
    expect(fn.functionName).toBe('mlops-test-model-package-baselines');
  });

  test('THEN a failed invocation is retried only while CloudFormation still waits for the answer', () => {
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      MaximumRetryAttempts: 2,
      MaximumEventAgeInSeconds: BASELINES_SERVICE_TIMEOUT.toSeconds(),
    });
  });

  test("THEN its only SageMaker permission is DescribeModelPackage on the versions of this environment's groups", () => {
    const policies = template.findResources('AWS::IAM::ManagedPolicy');
    const statements: Statement[] = Object.values(policies).flatMap((p) => p.Properties.PolicyDocument.Statement);
    const actions = statements.flatMap((s) => [s.Action].flat());

    expect(actions.filter((a) => !/^(logs|xray|sqs|kms):/.test(a))).toEqual(['sagemaker:DescribeModelPackage']);
    expect(statements).toContainEqual({
      Sid: 'DescribeVersionsOfThisEnvironment',
      Effect: 'Allow',
      Action: 'sagemaker:DescribeModelPackage',
      Resource: pseudoArn('sagemaker', 'model-package/mlops-test-*/*'),
    });
  });

  test('THEN the custom resource names the approved version, carries the condition and answers within 10 minutes', () => {
    template.hasResource('Custom::ModelPackageBaselines', {
      Condition: 'VersionApproved',
      DeletionPolicy: 'Delete',
      Properties: {
        ServiceToken: pseudoArn('lambda', 'function:mlops-test-model-package-baselines'),
        ServiceTimeout: '600',
        ModelPackageArn: { Ref: 'ApprovedModelPackageArn' },
      },
    });
    template.resourceCountIs('Custom::ModelPackageBaselines', 1);
  });

  test('THEN the service token is the fixed name, not a reference to the function', () => {
    expect(stack.resolve(baselines.serviceToken)).toEqual(
      pseudoArn('lambda', 'function:mlops-test-model-package-baselines'),
    );
    const [resource] = Object.values(template.findResources('Custom::ModelPackageBaselines'));
    expect(resource.DependsOn).toBeUndefined();
  });

  test('THEN the typed getters read the attributes with Fn::GetAtt', () => {
    const [logicalId] = Object.keys(template.findResources('Custom::ModelPackageBaselines'));
    const getAtt = (name: string) => ({ 'Fn::GetAtt': [logicalId, name] });

    expect(stack.resolve(baselines.dataQuality)).toEqual({
      statisticsUri: getAtt('DataQualityStatisticsUri'),
      constraintsUri: getAtt('DataQualityConstraintsUri'),
    });
    expect(stack.resolve(baselines.modelQuality)).toEqual({
      statisticsUri: getAtt('ModelQualityStatisticsUri'),
      constraintsUri: getAtt('ModelQualityConstraintsUri'),
    });
    expect(stack.resolve(baselines.bias)).toEqual({
      configUri: getAtt('BiasConfigUri'),
      postTrainingConstraintsUri: getAtt('BiasPostTrainingConstraintsUri'),
    });
    expect(stack.resolve(baselines.explainability)).toEqual({
      configUri: getAtt('ExplainabilityConfigUri'),
      constraintsUri: getAtt('ExplainabilityConstraintsUri'),
    });
    expect(stack.resolve(baselines.modelPackageGroupName)).toEqual(getAtt('ModelPackageGroupName'));
    expect(stack.resolve(baselines.modelPackageVersion)).toEqual(getAtt('ModelPackageVersion'));
  });

  test('THEN cdk-nag AwsSolutions, NIST 800-53 rev 5 and Serverless find nothing', () => {
    expect(violationsOf(app, stack)).toEqual([]);
  });
});

describe('GIVEN the function in a registry stack and the custom resource in a serving stack', () => {
  const { app, functionProps } = givenTheStacks();
  const registry = new Stack(app, 'Registry');
  new ModelPackageBaselinesFunction(registry, 'BaselinesFunction', functionProps);
  const serving = new Stack(app, 'Serving');
  new ModelPackageBaselines(serving, 'Baselines', {
    functionName: FUNCTION_NAME,
    modelPackageArn: new CfnParameter(serving, 'ApprovedModelPackageArn', { type: 'String' }).valueAsString,
  });

  test('THEN the serving stack reads nothing from the registry stack: no output, export or stack dependency', () => {
    const json = JSON.stringify(Template.fromStack(serving).toJSON());
    expect(json).not.toContain('Fn::GetStackOutput');
    expect(json).not.toContain('Fn::ImportValue');
    expect(Template.fromStack(registry).toJSON().Outputs).toBeUndefined();
    expect(serving.dependencies).toEqual([]);
  });

  test('THEN without a condition the resource is always created', () => {
    Template.fromStack(serving).hasResource('Custom::ModelPackageBaselines', { Condition: Match.absent() });
  });
});

describe('GIVEN invalid props', () => {
  test('WHEN the ARN is a literal that is not a version ARN THEN it is refused with the reason', () => {
    const stack = new Stack(testApp(), 'Serving');
    const groupArn = `arn:${PARTITION}:sagemaker:eu-west-1:111122223333:model-package-group/mlops-test-churn`;

    expect(
      () =>
        new ModelPackageBaselines(stack, 'Baselines', {
          functionName: FUNCTION_NAME,
          modelPackageArn: groupArn,
        }),
    ).toThrow(
      `invalid model package baselines 'Serving/Baselines':\n- ModelPackageArn "${groupArn}" is the ARN of a model package group, not of one version`,
    );
  });

  test('WHEN the function name is above 64 characters THEN both constructs refuse it, quoting it', () => {
    // GIVEN
    const { app, functionProps } = givenTheStacks();
    const stack = new Stack(app, 'Registry');
    const functionName = `${'p'.repeat(40)}-test-model-package-baselines`;

    // WHEN / THEN
    expect(() => new ModelPackageBaselinesFunction(stack, 'Fn', { ...functionProps, functionName })).toThrow(
      `invalid model package baselines 'Registry/Fn':\n- functionName must be at most 64 letters, digits, hyphens or underscores, got '${functionName}'`,
    );
    expect(
      () =>
        new ModelPackageBaselines(stack, 'Baselines', {
          functionName,
          modelPackageArn: `arn:${PARTITION}:sagemaker:eu-west-1:111122223333:model-package/mlops-test-churn/1`,
        }),
    ).toThrow(/must be at most 64 letters/);
  });
});

describe('GIVEN the handler bundled for real with the local esbuild', () => {
  // the only synthesis here that bundles
  const { app, functionProps } = givenTheStacks({ bundle: true });
  const stack = new Stack(app, 'Registry');
  new ModelPackageBaselinesFunction(stack, 'BaselinesFunction', functionProps);
  const assembly = app.synth();
  const [fn] = Object.values(Template.fromStack(stack).findResources('AWS::Lambda::Function'));
  const assetDir = path.join(assembly.directory, `asset.${(fn.Properties.Code.S3Key as string).replace(/\.zip$/, '')}`);
  const bundle = path.join(assetDir, 'index.js');

  test('THEN the SageMaker client is left to the runtime, Powertools Logger is bundled, in under 60 KB', () => {
    expect(existsSync(bundle)).toBe(true);
    expect(existsSync(`${bundle}.map`)).toBe(true);
    const text = readFileSync(bundle, 'utf8');
    expect(text).toContain('require("@aws-sdk/client-sagemaker")');
    expect(text).not.toContain('require("@aws-lambda-powertools/');
    expect(statSync(bundle).size).toBeLessThan(60_000);
  });

  test('THEN the source map leads back to the TypeScript sources', () => {
    const map = JSON.parse(readFileSync(`${bundle}.map`, 'utf8')) as { sources: string[] };
    const sources = map.sources.map((source) => source.replace(/\\/g, '/'));
    for (const file of ['handler.ts', 'provider.ts', 'baselines.ts', 'clients.ts']) {
      expect(sources).toContainEqual(expect.stringContaining(`lambda/model-package-baselines/${file}`));
    }
    expect(sources).toContainEqual(expect.stringContaining('lambda/shared/custom-resource-response.ts'));
  });
});
