import { CloudFormationClient, ListStacksCommand } from '@aws-sdk/client-cloudformation';
import { mockClient } from 'aws-sdk-client-mock';
import { compareDeployed, type EnvironmentToCompare, listPlatformStacks } from '../../../tools/maturity/deployed';
import { expectedStacks } from '../../../tools/maturity/expected';
import { renderDeployedComparison } from '../../../tools/maturity/render';
import { devProdConfig } from '../../support/fixtures';
import { resolveFixture } from '../../support/platform';

const cfn = mockClient(CloudFormationClient);
beforeEach(() => cfn.reset());

const PARTITION = 'aws';
const stackId = (account: string, name: string) =>
  `arn:${PARTITION}:cloudformation:us-east-1:${account}:stack/${name}/0a1b2c3d-0000-0000-0000-000000000000`;

/** The dev environment of the dev/prod fixture at stage 2, as the config builds it. */
function devAtStage2(): EnvironmentToCompare {
  const config = resolveFixture(devProdConfig(), { maturity: 2 });
  const dev = config.allEnvironments.find((e) => e.name === 'dev');
  if (!dev) throw new Error('no dev');
  return {
    environment: 'dev',
    account: dev.account,
    region: dev.region,
    prefix: 'acme-dev-',
    otherPrefixes: [],
    expected: expectedStacks(config, dev),
  };
}

describe('npm run maturity --deployed', () => {
  const env = devAtStage2();
  const described = (name: string) => env.expected.find((s) => s.name === name)?.description;

  test('GIVEN the config at stage 2 THEN the expected stacks are named by lib/naming.ts', () => {
    expect(env.expected.map((s) => s.name)).toEqual([
      'acme-dev-foundation',
      'acme-dev-network',
      'acme-dev-workbench',
      'acme-dev-registry',
      'acme-dev-model-churn',
    ]);
  });

  test('GIVEN dev deployed at stage 1, a stack rolled back and a stack of a removed model THEN each difference is reported', async () => {
    // GIVEN: two pages, a deleted stack and another project's stack that must be ignored
    cfn
      .on(ListStacksCommand)
      .resolvesOnce({
        StackSummaries: [
          {
            StackName: 'acme-dev-foundation',
            StackId: stackId('555555555555', 'acme-dev-foundation'),
            StackStatus: 'UPDATE_COMPLETE',
            TemplateDescription: described('acme-dev-foundation'),
            CreationTime: new Date(0),
          },
          {
            StackName: 'acme-dev-network',
            StackId: stackId('555555555555', 'acme-dev-network'),
            StackStatus: 'UPDATE_ROLLBACK_COMPLETE',
            TemplateDescription: described('acme-dev-network'),
            CreationTime: new Date(0),
          },
        ],
        NextToken: 'page-2',
      })
      .resolvesOnce({
        StackSummaries: [
          {
            StackName: 'acme-dev-workbench',
            StackId: stackId('555555555555', 'acme-dev-workbench'),
            StackStatus: 'CREATE_COMPLETE',
            TemplateDescription: 'acme dev: an older description',
            CreationTime: new Date(0),
          },
          {
            StackName: 'acme-dev-model-upsell',
            StackId: stackId('555555555555', 'acme-dev-model-upsell'),
            StackStatus: 'CREATE_COMPLETE',
            CreationTime: new Date(0),
          },
          {
            StackName: 'acme-dev-model-old',
            StackId: stackId('555555555555', 'acme-dev-model-old'),
            StackStatus: 'DELETE_COMPLETE',
            CreationTime: new Date(0),
          },
          { StackName: 'other-dev-foundation', StackStatus: 'CREATE_COMPLETE', CreationTime: new Date(0) },
        ],
      });
    // WHEN
    const [result] = await compareDeployed([env], () => new CloudFormationClient({ region: 'us-east-1' }));
    // THEN
    expect(cfn.commandCalls(ListStacksCommand).map((c) => c.args[0].input.NextToken)).toEqual([undefined, 'page-2']);
    expect(result?.matching).toBe(1);
    expect(result?.differences.map((d) => [d.kind, d.stack])).toEqual([
      ['status', 'acme-dev-network'],
      ['description', 'acme-dev-workbench'],
      ['missing', 'acme-dev-registry'],
      ['missing', 'acme-dev-model-churn'],
      ['extra', 'acme-dev-model-upsell'],
    ]);
    const text = renderDeployedComparison(result ? [result] : []);
    expect(text).toContain('dev (account 555555555555, us-east-1): 5 differences (1 stacks match)');
    expect(text).toContain('acme-dev-registry: in the config, not deployed');
    expect(text).toContain('acme-dev-model-upsell: deployed (CREATE_COMPLETE), not in the config');
  });

  test('GIVEN credentials of another account THEN the environment is reported unreadable, with the fix', async () => {
    cfn.on(ListStacksCommand).resolves({
      StackSummaries: [
        {
          StackName: 'acme-dev-foundation',
          StackId: stackId('999999999999', 'acme-dev-foundation'),
          StackStatus: 'CREATE_COMPLETE',
          CreationTime: new Date(0),
        },
      ],
    });
    const [result] = await compareDeployed([env], () => new CloudFormationClient({ region: 'us-east-1' }));
    expect(result?.error).toBe(
      'the credentials reach account 999999999999, not 555555555555; pass --profile dev=<a profile of 555555555555>',
    );
  });

  test('GIVEN no stack of the environment at all THEN every stack is missing and the report says the account may be wrong', async () => {
    cfn.on(ListStacksCommand).resolves({ StackSummaries: [] });
    const [result] = await compareDeployed([env], () => new CloudFormationClient({ region: 'us-east-1' }));
    expect(result?.differences.every((d) => d.kind === 'missing')).toBe(true);
    expect(renderDeployedComparison(result ? [result] : [])).toContain(
      '  no stack named acme-dev-* in this account and region: not deployed yet, or the credentials reach another account than 555555555555',
    );
  });

  test('GIVEN access denied THEN the error is reported, not thrown', async () => {
    cfn.on(ListStacksCommand).rejects(new Error('User is not authorized to perform: cloudformation:ListStacks'));
    const [result] = await compareDeployed([env], () => new CloudFormationClient({ region: 'us-east-1' }));
    expect(renderDeployedComparison(result ? [result] : [])).toContain(
      'dev (account 555555555555, us-east-1): could not read the stacks: User is not authorized',
    );
  });

  test('GIVEN an environment whose prefix another one extends THEN its stacks are left to that one', async () => {
    cfn.on(ListStacksCommand).resolves({
      StackSummaries: [
        { StackName: 'acme-eu-foundation', StackStatus: 'CREATE_COMPLETE', CreationTime: new Date(0) },
        { StackName: 'acme-eu-prod-foundation', StackStatus: 'CREATE_COMPLETE', CreationTime: new Date(0) },
      ],
    });
    const stacks = await listPlatformStacks(new CloudFormationClient({ region: 'us-east-1' }), 'acme-eu-', [
      'acme-eu-prod-',
    ]);
    expect(stacks.map((s) => s.name)).toEqual(['acme-eu-foundation']);
  });
});
