import { DEFAULT_SECURITY_GROUP_PROVIDER } from '../../lib/stacks/network-stack';
import { type CloudFormationTemplate, resourcesOfType, synthAtStage } from '../support/platform';

// Issue 12, finding 8: Step Functions, EventBridge Scheduler and Lambda environment variables used AWS-owned keys,
// and the CDK's Custom::VpcRestrictDefaultSG role and function are out of cdk-nag's sight (ADR 0026).

const ENVIRONMENTS = ['Dev', 'Test', 'Prod'] as const;

/** The Foundation's logs key as another stack of the environment refers to it (a weak cross-stack reference). */
const isLogsKey = (value: unknown) => /LogsKey/.test(JSON.stringify(value));

function stacksOf(environment: string): Array<[string, CloudFormationTemplate]> {
  const platform = synthAtStage(4);
  return platform.stackPaths
    .filter((path) => path.startsWith(`${environment}/`))
    .map((path) => [path, platform.templateJson(path)]);
}

function everyOfType(environment: string, type: string) {
  return stacksOf(environment).flatMap(([path, template]) =>
    Object.entries(resourcesOfType(template, type)).map(([logicalId, resource]) => ({ path, logicalId, resource })),
  );
}

type Statement = { Sid?: string; Action?: string | string[]; Resource?: unknown; Condition?: unknown };
const statementsOf = (template: CloudFormationTemplate, roleLogicalId: string): Statement[] =>
  Object.values(resourcesOfType(template, 'AWS::IAM::ManagedPolicy'))
    .filter((p) => JSON.stringify(p.Properties?.Roles ?? []).includes(`"${roleLogicalId}"`))
    .flatMap((p) => (p.Properties?.PolicyDocument as { Statement: Statement[] } | undefined)?.Statement ?? []);

describe.each(ENVIRONMENTS)('GIVEN the reference fixture at stage 4 WHEN %s is synthesized', (environment) => {
  test('THEN every state machine encrypts its executions with the logs key', () => {
    // WHEN
    const machines = everyOfType(environment, 'AWS::StepFunctions::StateMachine');

    // THEN
    expect(machines.length).toBeGreaterThanOrEqual(1);
    for (const { logicalId, resource } of machines) {
      const encryption = resource.Properties?.EncryptionConfiguration as Record<string, unknown> | undefined;
      expect({ logicalId, type: encryption?.Type, logsKey: isLogsKey(encryption?.KmsKeyId) }).toEqual({
        logicalId,
        type: 'CUSTOMER_MANAGED_KMS_KEY',
        logsKey: true,
      });
    }
  });

  test('THEN every schedule encrypts its input with the logs key, and the batch schedule may encrypt a run input', () => {
    // WHEN
    const schedules = everyOfType(environment, 'AWS::Scheduler::Schedule');

    // THEN
    expect(schedules.length).toBeGreaterThanOrEqual(1);
    for (const { logicalId, resource } of schedules) {
      expect({ logicalId, logsKey: isLogsKey(resource.Properties?.KmsKeyArn) }).toEqual({ logicalId, logsKey: true });
    }
    const [path, model] = stacksOf(environment).find(([p]) => p.endsWith('/Model-churn')) ?? [];
    expect(path).toBeDefined();
    const scheduleRole = Object.keys(resourcesOfType(model as CloudFormationTemplate, 'AWS::IAM::Role')).find((id) =>
      id.startsWith('BatchScoringScheduleRole'),
    );
    expect(statementsOf(model as CloudFormationTemplate, scheduleRole ?? '')).toContainEqual(
      expect.objectContaining({
        Sid: 'EncryptRunInput',
        Action: 'kms:GenerateDataKey',
        Condition: { StringEquals: { 'kms:EncryptionContext:aws:states:stateMachineArn': expect.anything() } },
      }),
    );
  });

  test("THEN every platform function's environment is encrypted with a customer key its role decrypts only through Lambda", () => {
    // WHEN
    const functions = everyOfType(environment, 'AWS::Lambda::Function');

    // THEN only the CDK's default-security-group function, which has no environment, is left (ADR 0026)
    const platformFunctions = functions.filter(({ logicalId }) => !logicalId.startsWith('CustomVpcRestrictDefaultSG'));
    expect(functions.length - platformFunctions.length).toBe(1);
    expect(platformFunctions.length).toBeGreaterThanOrEqual(3);
    for (const { path, logicalId, resource } of platformFunctions) {
      expect({ logicalId, logsKey: isLogsKey(resource.Properties?.KmsKeyArn) }).toEqual({ logicalId, logsKey: true });
      const role = JSON.stringify(resource.Properties?.Role).match(/"([A-Za-z0-9]+Role[A-Za-z0-9]*)"/)?.[1] ?? '';
      const template = stacksOf(environment).find(([p]) => p === path)?.[1] as CloudFormationTemplate;
      expect(statementsOf(template, role)).toContainEqual(
        expect.objectContaining({
          Sid: 'DecryptEnvironment',
          Action: 'kms:Decrypt',
          Condition: { StringEquals: { 'kms:ViaService': 'lambda.eu-west-1.amazonaws.com' } },
        }),
      );
    }
  });

  test("THEN the logs key admits CloudWatch's log delivery of its own account only", () => {
    // WHEN
    const foundation = stacksOf(environment).find(([p]) => p.endsWith('/Foundation'))?.[1] as CloudFormationTemplate;
    const [key] = Object.entries(resourcesOfType(foundation, 'AWS::KMS::Key')).filter(([id]) =>
      id.startsWith('LogsKey'),
    );
    const policy = key?.[1].Properties?.KeyPolicy as { Statement: Array<Record<string, unknown>> } | undefined;
    const statements = policy?.Statement ?? [];

    // THEN no statement admits log delivery without a source condition
    const delivery = statements.filter((s) => JSON.stringify(s.Principal).includes('delivery.logs.amazonaws.com'));
    expect(delivery).toHaveLength(1);
    expect(delivery[0]?.Condition).toEqual(
      expect.objectContaining({ StringEquals: { 'aws:SourceAccount': expect.stringMatching(/^\d{12}$/) } }),
    );
  });

  test('THEN the CDK default-security-group provider may change only the default security group (ADR 0026)', () => {
    // WHEN
    const network = stacksOf(environment).find(([p]) => p.endsWith('/Network'))?.[1] as CloudFormationTemplate;
    const roles = Object.entries(resourcesOfType(network, 'AWS::IAM::Role')).filter(([id]) =>
      id.startsWith(DEFAULT_SECURITY_GROUP_PROVIDER.replace(/[^A-Za-z0-9]/g, '')),
    );

    // THEN a CDK upgrade that widens it fails here
    expect(roles).toHaveLength(1);
    const properties = roles[0]?.[1].Properties as Record<string, unknown>;
    expect(properties.ManagedPolicyArns).toEqual([
      // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation's Fn::Sub syntax, not a template string
      { 'Fn::Sub': 'arn:${AWS::Partition}:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole' },
    ]);
    const [inline, ...more] = properties.Policies as Array<{ PolicyDocument: { Statement: Statement[] } }>;
    expect(more).toEqual([]);
    expect(inline?.PolicyDocument.Statement).toEqual([
      {
        Effect: 'Allow',
        Action: [
          'ec2:AuthorizeSecurityGroupIngress',
          'ec2:AuthorizeSecurityGroupEgress',
          'ec2:RevokeSecurityGroupIngress',
          'ec2:RevokeSecurityGroupEgress',
        ],
        Resource: [
          {
            'Fn::Join': [
              '',
              [
                expect.stringMatching(/:security-group\/$/),
                { 'Fn::GetAtt': [expect.stringMatching(/^Vpc/), 'DefaultSecurityGroup'] },
              ],
            ],
          },
        ],
      },
    ]);
  });
});
