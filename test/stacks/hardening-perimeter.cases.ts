import { BROWSER_SESSION_ENDPOINTS } from '../../lib/stacks/network-stack';
import { threeEnvironmentConfig } from '../support/fixtures';
import { type CloudFormationResource, resourcesOfType, synthAtStage } from '../support/platform';

// Issue 12, finding 4: the VPC endpoints had no policy, so data could leave the "isolated" VPC through them.

interface PolicyStatement {
  readonly Sid?: string;
  readonly Effect: string;
  readonly Principal?: unknown;
  readonly Action: string | string[];
  readonly Resource: unknown;
  readonly Condition?: Record<string, Record<string, unknown>>;
}

const policyOf = (endpoint: CloudFormationResource) =>
  (endpoint.Properties?.PolicyDocument as { Statement: PolicyStatement[] } | undefined)?.Statement;

describe('GIVEN the reference fixture at stage 4 WHEN synthesized THEN the VPC endpoints keep data inside the platform', () => {
  const network = (environment: string) =>
    resourcesOfType(synthAtStage(4).templateJson(`${environment}/Network`), 'AWS::EC2::VPCEndpoint');
  const gateway = (environment: string) =>
    Object.values(network(environment)).find(
      (e) => e.Properties?.VpcEndpointType === 'Gateway',
    ) as CloudFormationResource;

  test('THEN the S3 gateway endpoint reaches only buckets of the platform accounts, and ECR layers read-only', () => {
    // WHEN
    const [own, layers, ...rest] = policyOf(gateway('Prod')) ?? [];

    // THEN prod reaches only its own account's buckets
    expect(rest).toEqual([]);
    expect(own).toEqual(
      expect.objectContaining({
        Effect: 'Allow',
        Action: 's3:*',
        Resource: '*',
        Condition: { StringEquals: { 'aws:ResourceAccount': ['333333333333'] } },
      }),
    );
    expect(layers).toEqual(
      expect.objectContaining({
        Effect: 'Allow',
        Action: 's3:GetObject',
        Resource: expect.stringMatching(/^arn:aws:s3:::prod-eu-west-1-starport-layer-bucket\/\*$/),
      }),
    );
  });

  test('THEN dev reaches, besides its own, only the accounts it publishes models into', () => {
    const [own] = policyOf(gateway('Dev')) ?? [];
    const accounts = [own?.Condition?.StringEquals?.['aws:ResourceAccount']].flat();
    expect(accounts[0]).toBe('111111111111');
    for (const account of accounts) expect(['111111111111', '222222222222', '333333333333']).toContain(account);
  });

  test('THEN every interface endpoint but the two of Studio browser sessions admits only principals of its account', () => {
    // GIVEN
    const threeAccounts = threeEnvironmentConfig().environments.map((e) => e.account);

    for (const [environment, account] of [
      ['Dev', threeAccounts[0]],
      ['Prod', threeAccounts[2]],
    ] as const) {
      // WHEN
      const interfaces = Object.entries(network(environment)).filter(
        ([, e]) => e.Properties?.VpcEndpointType === 'Interface',
      );

      // THEN
      expect(interfaces.length).toBeGreaterThanOrEqual(8);
      for (const [logicalId, endpoint] of interfaces) {
        const open = [...BROWSER_SESSION_ENDPOINTS].some((id) => logicalId.startsWith(`Vpc${id}`));
        const statements = policyOf(endpoint);
        if (open) {
          expect({ logicalId, statements }).toEqual({ logicalId, statements: undefined });
          continue;
        }
        expect({ logicalId, statements }).toEqual({
          logicalId,
          statements: [
            expect.objectContaining({
              Effect: 'Allow',
              Action: '*',
              Resource: '*',
              Condition: { StringEquals: { 'aws:PrincipalAccount': account } },
            }),
          ],
        });
      }
    }
  });
});
