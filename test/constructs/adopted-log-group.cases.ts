import { existsSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { type App, CfnCondition, Fn, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import { AwsSolutionsChecks, NIST80053R5Checks, ServerlessChecks } from 'cdk-nag';
import {
  ADOPTED_LOG_GROUP_SERVICE_TIMEOUT,
  AdoptedLogGroup,
  AdoptedLogGroupFunction,
  AdoptedLogGroups,
} from '../../lib/constructs/adopted-log-group';
import { testApp } from '../support/platform';

/** The fixed name the platform gives the function of `mlops-test` (lib/naming.ts). */
const FUNCTION_NAME = 'mlops-test-sagemaker-log-groups';
const PARTITION = 'aws';
const ENV = { account: '111122223333', region: 'eu-west-1' };
const JOB_GROUPS = { TrainingJobs: '/aws/sagemaker/TrainingJobs', Studio: '/aws/sagemaker/studio' };

/** A foundation-like stack with the logs key and the alerts topic; Lambda bundling is skipped unless asked for. */
function givenAFoundation(options: { bundle?: boolean } = {}) {
  const app = testApp(options.bundle ? {} : { 'aws:cdk:bundling-stacks': [] });
  const foundation = new Stack(app, 'Foundation', { env: ENV });
  const logsKey = new kms.Key(foundation, 'LogsKey', { enableKeyRotation: true });
  const alarmTopic = new sns.Topic(foundation, 'Alerts', { masterKey: logsKey, enforceSSL: true });
  const props = {
    functionName: FUNCTION_NAME,
    logsKey,
    alarmTopic,
    logRetention: logs.RetentionDays.THREE_MONTHS,
  };
  return { app, foundation, props };
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

describe('GIVEN the account-wide groups and the function in a foundation stack', () => {
  const { app, foundation, props } = givenAFoundation();
  const declared = new AdoptedLogGroups(foundation, 'SageMakerLogGroups', {
    ...props,
    logGroups: JOB_GROUPS,
    otherLogGroupNames: ['/aws/sagemaker/Endpoints/mlops-test-*'],
  });
  const template = Template.fromStack(foundation);

  test('THEN each group is a custom resource with the logs key and the retention, answered by the fixed function', () => {
    const resources = template.findResources('Custom::AdoptedLogGroup');
    expect(Object.values(resources).map((r) => r.Properties.LogGroupName)).toEqual([
      '/aws/sagemaker/TrainingJobs',
      '/aws/sagemaker/studio',
    ]);
    for (const resource of Object.values(resources)) {
      expect(resource).toEqual(
        expect.objectContaining({
          // removing it asks the function, which keeps the group
          DeletionPolicy: 'Delete',
          Properties: expect.objectContaining({
            ServiceToken: `arn:${PARTITION}:lambda:eu-west-1:111122223333:function:${FUNCTION_NAME}`,
            ServiceTimeout: String(ADOPTED_LOG_GROUP_SERVICE_TIMEOUT.toSeconds()),
            KmsKeyArn: { 'Fn::GetAtt': [expect.stringMatching(/^LogsKey/), 'Arn'] },
            RetentionInDays: 90,
          }),
          // the token names the function, so the dependency is explicit
          DependsOn: expect.arrayContaining([expect.stringMatching(/^SageMakerLogGroupsFunctionHandler[0-9A-F]{8}$/)]),
        }),
      );
    }
    expect([...declared.logGroups.keys()]).toEqual(['TrainingJobs', 'Studio']);
  });

  test('THEN the function runs Node.js 22 on ARM64 under its fixed name', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: FUNCTION_NAME,
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      Timeout: 120,
      ReservedConcurrentExecutions: 2,
    });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      MaximumRetryAttempts: 2,
      MaximumEventAgeInSeconds: ADOPTED_LOG_GROUP_SERVICE_TIMEOUT.toSeconds(),
    });
  });

  test('THEN it may declare only the named groups and the endpoint prefix, and read no log events', () => {
    const policies = template.findResources('AWS::IAM::ManagedPolicy');
    const statements: Statement[] = Object.values(policies).flatMap((p) => p.Properties.PolicyDocument.Statement);
    const declare = statements.find((s) => s.Sid === 'DeclareTheNamedLogGroups');
    const group = (name: string) => `arn:${PARTITION}:logs:eu-west-1:111122223333:log-group:${name}`;

    expect(declare?.Action).toEqual([
      'logs:AssociateKmsKey',
      'logs:CreateLogGroup',
      'logs:DisassociateKmsKey',
      'logs:PutRetentionPolicy',
    ]);
    // CDK sorts the resources of a statement
    expect([declare?.Resource].flat().sort()).toEqual(
      ['/aws/sagemaker/TrainingJobs', '/aws/sagemaker/studio', '/aws/sagemaker/Endpoints/mlops-test-*']
        .flatMap((name) => [group(name), group(`${name}:*`)])
        .sort(),
    );
    expect(statements.find((s) => s.Sid === 'FindTheKeyOfAGroup')).toEqual(
      expect.objectContaining({ Action: 'logs:DescribeLogGroups', Resource: '*' }),
    );
    const logActions = statements.flatMap((s) => [s.Action].flat()).filter((a) => a.startsWith('logs:'));
    for (const forbidden of ['logs:DeleteLogGroup', 'logs:GetLogEvents', 'logs:FilterLogEvents']) {
      expect(logActions).not.toContain(forbidden);
    }
  });

  test('THEN cdk-nag AwsSolutions, NIST 800-53 rev 5 and Serverless find nothing', () => {
    expect(violationsOf(app, foundation)).toEqual([]);
  });
});

describe('GIVEN an endpoint group in a model stack under the VersionApproved condition', () => {
  const { app, foundation } = givenAFoundation();
  const model = new Stack(app, 'Model', { env: ENV });
  const condition = new CfnCondition(model, 'VersionApproved', {
    expression: Fn.conditionNot(Fn.conditionEquals('none', 'none')),
  });
  const group = new AdoptedLogGroup(model, 'EndpointLogs', {
    logGroupName: '/aws/sagemaker/Endpoints/mlops-test-churn',
    encryptionKey: foundation.node.findChild('LogsKey') as kms.Key,
    retention: logs.RetentionDays.THREE_MONTHS,
    functionName: FUNCTION_NAME,
    condition,
  });
  const template = Template.fromStack(model);

  test('THEN it carries the condition and addresses the function by name, without depending on it', () => {
    template.hasResource('Custom::AdoptedLogGroup', {
      Condition: 'VersionApproved',
      DependsOn: Match.absent(),
      Properties: Match.objectLike({
        ServiceToken: `arn:${PARTITION}:lambda:eu-west-1:111122223333:function:${FUNCTION_NAME}`,
        LogGroupName: '/aws/sagemaker/Endpoints/mlops-test-churn',
        RetentionInDays: 90,
      }),
    });
    expect(model.resolve(group.logGroupArn)).toBe(
      `arn:${PARTITION}:logs:eu-west-1:111122223333:log-group:/aws/sagemaker/Endpoints/mlops-test-churn`,
    );
  });
});

describe('GIVEN invalid props', () => {
  test('WHEN names, a prefix and the retention are wrong THEN every problem is named at once, quoting the value', () => {
    // GIVEN
    const { foundation, props } = givenAFoundation();

    // WHEN / THEN
    expect(
      () =>
        new AdoptedLogGroupFunction(foundation, 'Fn', {
          ...props,
          functionName: `${'p'.repeat(50)}-sagemaker-log-groups`,
          logGroupNames: ['*', '/aws/sagemaker/Endpoints/a b'],
        }),
    ).toThrow(
      [
        "invalid adopted log group function 'Foundation/Fn':",
        `- functionName must be at most 64 letters, digits, hyphens or underscores, got '${'p'.repeat(50)}-sagemaker-log-groups'`,
        "- logGroupNames must hold log group names or prefixes ending in '*', got '*'",
        "- logGroupNames must hold log group names or prefixes ending in '*', got '/aws/sagemaker/Endpoints/a b'",
      ].join('\n'),
    );
    expect(
      () =>
        new AdoptedLogGroup(foundation, 'Group', {
          logGroupName: '/aws/sagemaker/Endpoints/*',
          encryptionKey: props.logsKey,
          retention: logs.RetentionDays.INFINITE,
          functionName: FUNCTION_NAME,
        }),
    ).toThrow(
      [
        "invalid adopted log group 'Foundation/Group':",
        "- logGroupName must be a log group name, got '/aws/sagemaker/Endpoints/*'",
        '- retention must be one CloudWatch Logs accepts, got 9999',
      ].join('\n'),
    );
  });
});

describe('GIVEN the handler bundled for real with the local esbuild', () => {
  // the only synthesis of this file that bundles
  const { app, foundation, props } = givenAFoundation({ bundle: true });
  new AdoptedLogGroupFunction(foundation, 'Fn', { ...props, logGroupNames: ['/aws/sagemaker/TrainingJobs'] });
  const assembly = app.synth();
  const [fn] = Object.values(Template.fromStack(foundation).findResources('AWS::Lambda::Function'));
  const bundle = path.join(
    assembly.directory,
    `asset.${(fn.Properties.Code.S3Key as string).replace(/\.zip$/, '')}`,
    'index.js',
  );

  test('THEN the CloudWatch Logs client is left to the runtime, Powertools Logger is bundled, in under 60 KB', () => {
    expect(existsSync(bundle)).toBe(true);
    const text = readFileSync(bundle, 'utf8');
    expect(text).toContain('require("@aws-sdk/client-cloudwatch-logs")');
    expect(text).not.toContain('require("@aws-lambda-powertools/');
    expect(statSync(bundle).size).toBeLessThan(60_000);
  });
});
