import { buildPortfolio } from '../../lib/app';
import { threeEnvironmentConfig } from '../support/fixtures';
import { resolveFixture, resourcesOfType, synthAtStage, synthPlatform, testApp } from '../support/platform';

/*
 * Run by test/platform.test.ts, which synthesizes stage 5 once for all its cases. Issue 15, the inventory: at stage 5 with a tooling account, the portfolio bus, the inventory and the forwarding
 * rules synthesize; each environment may put events only on that bus, and the bus accepts only the platform's
 * accounts, through their forwarding roles.
 */

const ENVIRONMENTS = [
  { name: 'dev', stage: 'Dev', account: '111111111111' },
  { name: 'test', stage: 'Test', account: '222222222222' },
  { name: 'prod', stage: 'Prod', account: '333333333333' },
] as const;
/** The partition CDK resolves for eu-west-1. */
const PARTITION = 'aws';
const BUS_ARN = `arn:${PARTITION}:events:eu-west-1:444444444444:event-bus/mlops-portfolio`;

const only = <T>(values: Record<string, T>): T => {
  const list = Object.values(values);
  expect(list).toHaveLength(1);
  return list[0] as T;
};
const json = (value: unknown) => JSON.stringify(value);

describe('model portfolio at stage 5', () => {
  // synthesized when a test asks, after test/platform().test.ts has installed its acknowledgement tracker
  const platform = () => synthAtStage(5);
  const portfolioTemplate = () => platform().templateJson('Portfolio');

  test('GIVEN stage 5 with a tooling account WHEN synthesized THEN the portfolio stack is in the tooling account with no compliance finding', () => {
    const artifact = platform().assembly.getStackByName('mlops-portfolio');
    expect(artifact.environment).toMatchObject({ account: '444444444444', region: 'eu-west-1' });
    expect(platform().violations.filter((v) => v.includes('Portfolio'))).toEqual([]);
  });

  test('GIVEN the portfolio bus WHEN its policy is read THEN only the forwarding roles of the platform accounts may put events', () => {
    const policy = only(resourcesOfType(portfolioTemplate(), 'AWS::Events::EventBusPolicy'));
    expect(policy.Properties?.Statement).toEqual({
      Sid: 'cdk-AcceptOnlyThePlatformForwarders',
      Effect: 'Allow',
      Action: 'events:PutEvents',
      Principal: { AWS: ENVIRONMENTS.map((e) => `arn:${PARTITION}:iam::${e.account}:root`) },
      Resource: { 'Fn::GetAtt': [expect.stringMatching(/^InventoryBus/), 'Arn'] },
      Condition: {
        ArnEquals: {
          'aws:PrincipalArn': ENVIRONMENTS.map(
            (e) => `arn:${PARTITION}:iam::${e.account}:role/mlops-${e.name}-portfolio-forwarder`,
          ),
        },
      },
    });
    expect(only(resourcesOfType(portfolioTemplate(), 'AWS::Events::EventBus')).Properties?.Name).toBe(
      'mlops-portfolio',
    );
  });

  test('GIVEN the inventory WHEN synthesized THEN it is a KMS-encrypted table with point-in-time recovery, kept on delete', () => {
    const table = only(resourcesOfType(portfolioTemplate(), 'AWS::DynamoDB::Table'));
    expect(table.Properties).toMatchObject({
      TableName: 'mlops-portfolio-inventory',
      KeySchema: [
        { AttributeName: 'model', KeyType: 'HASH' },
        { AttributeName: 'environment', KeyType: 'RANGE' },
      ],
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: expect.anything() },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      DeletionProtectionEnabled: true,
    });
    expect(table.DeletionPolicy).toBe('Retain');
  });

  test('GIVEN the bus WHEN its rule is read THEN every event of the platform accounts reaches the updater, with retries and a dead-letter queue', () => {
    const rule = only(resourcesOfType(portfolioTemplate(), 'AWS::Events::Rule'));
    expect(rule.Properties).toMatchObject({
      EventBusName: { Ref: expect.stringMatching(/^InventoryBus/) },
      EventPattern: { account: ENVIRONMENTS.map((e) => e.account) },
      Targets: [
        {
          Arn: { 'Fn::GetAtt': [expect.stringMatching(/^InventoryUpdater/), 'Arn'] },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [expect.stringMatching(/^InventoryUpdaterDeadLetters/), 'Arn'] } },
          RetryPolicy: { MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 21600 },
        },
      ],
    });
    const updater = Object.values(resourcesOfType(portfolioTemplate(), 'AWS::Lambda::Function')).find((f) =>
      json(f.Properties?.Environment).includes('PORTFOLIO_CATALOG'),
    );
    const catalog = JSON.parse(
      (updater?.Properties?.Environment as { Variables: Record<string, string> } | undefined)?.Variables
        .PORTFOLIO_CATALOG as string,
    );
    expect(catalog).toEqual({
      project: 'mlops',
      environments: ENVIRONMENTS.map((e) => ({ name: e.name, account: e.account, region: 'eu-west-1' })),
      models: [{ name: 'churn' }],
    });
  });

  test.each(ENVIRONMENTS)(
    'GIVEN $name WHEN its forwarding stack is read THEN its role may put events on the portfolio bus and nowhere else',
    ({ name, stage }) => {
      const forwarding = platform().templateJson(`${stage}/PortfolioForwarding`);
      const role = only(resourcesOfType(forwarding, 'AWS::IAM::Role'));
      expect(role.Properties?.RoleName).toBe(`mlops-${name}-portfolio-forwarder`);
      const statements = Object.values(resourcesOfType(forwarding, 'AWS::IAM::ManagedPolicy')).flatMap(
        (p) => (p.Properties?.PolicyDocument as { Statement: unknown[] } | undefined)?.Statement ?? [],
      );
      expect(statements).toEqual([{ Effect: 'Allow', Action: 'events:PutEvents', Resource: BUS_ARN }]);
    },
  );

  test.each(ENVIRONMENTS)(
    'GIVEN $name WHEN its forwarding rules are read THEN each kind of event has a rule to the bus with a dead-letter queue',
    ({ name, stage }) => {
      const forwarding = platform().templateJson(`${stage}/PortfolioForwarding`);
      const rules = Object.values(resourcesOfType(forwarding, 'AWS::Events::Rule'));
      const patterns = rules.map((r) => r.Properties?.EventPattern as Record<string, unknown>);
      expect(patterns.map((p) => p['detail-type'] ?? p.source)).toEqual([
        ['SageMaker Model Package State Change'],
        ['SageMaker Endpoint State Change', 'SageMaker Endpoint Deployment State Change'],
        ['SageMaker Model Building Pipeline Execution Status Change'],
        ['CloudWatch Alarm State Change'],
        ['mlops.platform'],
      ]);
      // every rule matches this environment's own names only
      expect(json(patterns)).toContain(`{"prefix":"mlops-${name}-"}`);
      expect(patterns[4]).toEqual({ source: ['mlops.platform'], detail: { project: ['mlops'], environment: [name] } });
      for (const rule of rules) {
        const [target] = (rule.Properties?.Targets ?? []) as Record<string, unknown>[];
        expect(target?.Arn).toBe(BUS_ARN);
        expect(target?.RoleArn).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^ForwardingRole/), 'Arn'] });
        expect(target?.DeadLetterConfig).toEqual({
          Arn: { 'Fn::GetAtt': [expect.stringMatching(/^ForwardingDeadLetters/), 'Arn'] },
        });
      }
      expect(Object.keys(resourcesOfType(forwarding, 'AWS::SQS::Queue'))).toHaveLength(1);
    },
  );
});

describe('model portfolio without an account, and in a governance account', () => {
  test('GIVEN stage 5 without tooling or portfolio WHEN resolved THEN synth says the portfolio is left out', () => {
    const { tooling: _tooling, ...config } = threeEnvironmentConfig();
    const resolved = resolveFixture(config, { maturity: 5 });
    expect(resolved.warnings).toContainEqual(expect.stringContaining('the model portfolio (stage 5) is left out'));
    const app = testApp();
    expect(buildPortfolio(app, resolved)).toBeUndefined();
    expect(app.node.tryFindChild('Portfolio')).toBeUndefined();
  });

  test('GIVEN portfolio.account names a governance account WHEN synthesized THEN the bus is there and the environments forward to it', () => {
    const resolved = resolveFixture(
      { ...threeEnvironmentConfig(), portfolio: { account: '555555555555', region: 'eu-central-1' } },
      { maturity: 5, environments: 'dev' },
    );
    const platform = synthPlatform({ resolved });
    expect(platform.assembly.getStackByName('mlops-portfolio').environment).toMatchObject({
      account: '555555555555',
      region: 'eu-central-1',
    });
    const forwarding = platform.templateJson('Dev/PortfolioForwarding');
    const [target] = (Object.values(resourcesOfType(forwarding, 'AWS::Events::Rule'))[0]?.Properties?.Targets ??
      []) as Record<string, unknown>[];
    expect(target?.Arn).toBe(`arn:${PARTITION}:events:eu-central-1:555555555555:event-bus/mlops-portfolio`);
  });
});
