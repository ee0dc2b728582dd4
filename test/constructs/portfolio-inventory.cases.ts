import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import { PortfolioInventory, type PortfolioInventoryProps } from '../../lib/constructs/portfolio-inventory';
import { cdkJsonContext, SKIP_BUILTIN_VALIDATION } from '../support/platform';

/** A tooling stack holding only the inventory; two senders in two accounts. Bundling is skipped unless asked. */
function givenAStack(options: { bundle?: boolean } = {}) {
  const app = new App({
    ...SKIP_BUILTIN_VALIDATION,
    context: { ...cdkJsonContext(), ...(options.bundle ? {} : { 'aws:cdk:bundling-stacks': [] }) },
  });
  const stack = new Stack(app, 'Tooling', { env: { account: '444444444444', region: 'eu-west-1' } });
  const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
  const topic = new sns.Topic(stack, 'Alarms', { masterKey: key, enforceSSL: true });
  const props = (overrides: Partial<PortfolioInventoryProps> = {}): PortfolioInventoryProps => ({
    busName: 'acme-portfolio',
    tableName: 'acme-portfolio-inventory',
    senders: [
      { account: '111111111111', roleName: 'acme-dev-portfolio-forwarder' },
      { account: '333333333333', roleName: 'acme-prod-portfolio-forwarder' },
    ],
    catalog: {
      project: 'acme',
      environments: [
        { name: 'dev', account: '111111111111', region: 'eu-west-1' },
        { name: 'prod', account: '333333333333', region: 'eu-west-1' },
      ],
      models: [{ name: 'churn' }],
    },
    key,
    logRetention: logs.RetentionDays.ONE_YEAR,
    alarmTopic: topic,
    ...overrides,
  });
  return { app, stack, props };
}

describe('PortfolioInventory', () => {
  test('GIVEN two senders WHEN synthesized THEN the bus admits only their forwarding roles, through their accounts', () => {
    const { stack, props } = givenAStack();
    new PortfolioInventory(stack, 'Inventory', props());
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::Events::EventBusPolicy', 1);
    template.hasResourceProperties('AWS::Events::EventBusPolicy', {
      Statement: {
        Action: 'events:PutEvents',
        Principal: {
          AWS: [Match.stringLikeRegexp(':iam::111111111111:root$'), Match.stringLikeRegexp(':iam::333333333333:root$')],
        },
        Condition: {
          ArnEquals: {
            'aws:PrincipalArn': [
              Match.stringLikeRegexp(':iam::111111111111:role/acme-dev-portfolio-forwarder$'),
              Match.stringLikeRegexp(':iam::333333333333:role/acme-prod-portfolio-forwarder$'),
            ],
          },
        },
      },
    });
  });

  test('GIVEN the updater WHEN synthesized THEN it may read and write the table only, and knows the catalog', () => {
    const { stack, props } = givenAStack();
    const inventory = new PortfolioInventory(stack, 'Inventory', props());
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          INVENTORY_TABLE_NAME: { Ref: Match.stringLikeRegexp('^Inventory[0-9A-F]{8}$') },
          PORTFOLIO_CATALOG: JSON.stringify(props().catalog),
        }),
      },
      ReservedConcurrentExecutions: 5,
    });
    template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          {
            Action: ['dynamodb:GetItem', 'dynamodb:PutItem'],
            Effect: 'Allow',
            Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Inventory[0-9A-F]{8}$'), 'Arn'] },
          },
        ]),
      },
    });
    expect(JSON.stringify(template.toJSON())).not.toMatch(/dynamodb:(DeleteItem|Scan|BatchWriteItem|UpdateItem)/);
    expect(inventory.rule.node.id).toBe('ToInventory');
  });

  test('GIVEN bad props WHEN built THEN every problem is named at once', () => {
    const { stack, props } = givenAStack();
    expect(
      () =>
        new PortfolioInventory(
          stack,
          'Bad',
          props({ busName: 'default', senders: [], catalog: { project: 'acme', environments: [], models: [] } }),
        ),
    ).toThrow(
      [
        "invalid portfolio inventory 'Tooling/Bad':",
        '- catalog: environments: expected at least one environment',
        '- senders: expected at least one account and role that forward events',
        "- busName: expected an event bus name other than 'default', got 'default'",
      ].join('\n'),
    );
  });

  test("GIVEN more models than the updater's environment holds WHEN built THEN the limit is named", () => {
    const { stack, props } = givenAStack();
    const models = Array.from({ length: 190 }, (_, i) => ({
      name: `a-rather-long-model-${String(i).padStart(3, '0')}`,
    }));
    expect(() => new PortfolioInventory(stack, 'Big', props({ catalog: { ...props().catalog, models } }))).toThrow(
      /catalog: 190 models and 2 environments take \d+ bytes of the updater's environment variables, over the 3840 that Lambda's 4 KB limit leaves; shorten model names or split the portfolio/,
    );
  });

  describe('GIVEN the updater bundled for real with the local esbuild', () => {
    // the one synthesis of the updater that bundles
    const { app, stack, props } = givenAStack({ bundle: true });
    new PortfolioInventory(stack, 'Inventory', props());
    const assembly = app.synth();
    const functions = Template.fromStack(stack).findResources('AWS::Lambda::Function', {
      Properties: { Environment: { Variables: Match.objectLike({ PORTFOLIO_CATALOG: Match.anyValue() }) } },
    });
    const s3Key = String(Object.values(functions)[0]?.Properties?.Code?.S3Key).replace(/\.zip$/, '');
    const bundle = path.join(assembly.directory, `asset.${s3Key}`, 'index.js');

    test('THEN the asset holds the handler with its reducer, leaving the AWS SDK to the runtime', () => {
      expect(existsSync(bundle)).toBe(true);
      const text = readFileSync(bundle, 'utf8');
      expect(text).toContain('require("@aws-sdk/lib-dynamodb")');
      const map = JSON.parse(readFileSync(`${bundle}.map`, 'utf8')) as { sources: string[] };
      for (const file of ['handler.ts', 'reducer.ts', 'events.ts', 'store.ts', 'update.ts', 'catalog.ts']) {
        expect(map.sources).toContainEqual(expect.stringContaining(`lambda/portfolio-inventory/${file}`));
      }
    });
  });
});
