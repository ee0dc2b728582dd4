import { RegionInfo } from 'aws-cdk-lib/region-info';
import { resolveConfig } from '../../lib/config/loader';
import { availabilityZoneProblem, closestRegion, KNOWN_REGIONS, regionProblem } from '../../lib/config/regions';
import { regionsWithEveryImage } from '../../lib/pipeline/images';
import { problemsOf } from '../support/config';
import { threeEnvironmentConfig } from '../support/fixtures';
import { REPO_ROOT } from '../support/platform';

const count = RegionInfo.regions.length;

describe('known regions', () => {
  test('GIVEN aws-cdk-lib region facts WHEN listed THEN they are the regions a config may name', () => {
    expect(KNOWN_REGIONS).toHaveLength(count);
    expect(KNOWN_REGIONS).toEqual(expect.arrayContaining(['eu-west-1', 'us-east-1', 'ap-southeast-2']));
    expect(regionProblem('eu-central-2')).toBeUndefined();
  });

  test('GIVEN a misspelt region WHEN checked THEN the closest known one is suggested', () => {
    expect(closestRegion('eu-west-9')).toBe('eu-west-1');
    expect(closestRegion('us-esat-1')).toBe('us-east-1');
    expect(regionProblem('eu-west-9')).toBe(
      `"eu-west-9" is not an AWS region; use one such as eu-west-1 (aws-cdk-lib knows ${count} regions)`,
    );
  });

  test('GIVEN an availability zone WHEN checked against its region THEN only the region plus one letter passes', () => {
    expect(availabilityZoneProblem('eu-west-1b', 'eu-west-1')).toBeUndefined();
    expect(availabilityZoneProblem('us-east-1a', 'eu-west-1')).toBe(
      '"us-east-1a" is not an availability zone of eu-west-1; use the region followed by a letter, such as "eu-west-1a"',
    );
    expect(availabilityZoneProblem('eu-west-12a', 'eu-west-1')).toBeDefined();
  });
});

describe('regions in a config', () => {
  test('GIVEN an unknown environment and tooling region WHEN resolved THEN both are named with a suggestion', () => {
    // GIVEN
    const input = threeEnvironmentConfig();
    Object.assign(input.environments[0] ?? {}, { region: 'eu-west-9' });
    input.tooling = { account: '444444444444', region: 'us-est-1' };

    // WHEN
    const problems = problemsOf(() => resolveConfig(input));

    // THEN
    expect(problems).toEqual([
      `environments[0].region: "eu-west-9" is not an AWS region; use one such as eu-west-1 (aws-cdk-lib knows ${count} regions)`,
      `tooling.region: "us-est-1" is not an AWS region; use one such as us-east-1 (aws-cdk-lib knows ${count} regions)`,
    ]);
  });

  test('GIVEN a region without SageMaker image registries WHEN the stage trains THEN the region is refused with the fix', () => {
    // GIVEN a real region that lib/pipeline/images.ts has no accounts for
    const region = KNOWN_REGIONS.find((r) => r === 'ap-south-2') as string;
    expect(regionsWithEveryImage()).not.toContain(region);
    const input = threeEnvironmentConfig();
    input.environments = input.environments.map((e) => ({ ...e, region }));
    input.tooling = { account: '444444444444', region };

    // WHEN at stage 2 THEN no image is needed
    expect(resolveConfig(input, { maturity: 2 }, 'config', REPO_ROOT).environments).toHaveLength(3);

    // WHEN at stage 3 (training pipeline) and 4 (also model monitoring) THEN each environment is refused
    const regions = regionsWithEveryImage().length;
    expect(problemsOf(() => resolveConfig(input, { maturity: 3 }, 'config', REPO_ROOT))[0]).toBe(
      `environments[0].region: "ap-south-2" has no SageMaker image registries in lib/pipeline/images.ts, which the training pipeline (stage 3) of "dev" need; use a region that has them, such as ap-south-1 (${regions} do), keep the environment below stage 3, or add the region's accounts to lib/pipeline/images.ts from the SageMaker "Docker registry paths" page`,
    );
    const atStage4 = problemsOf(() => resolveConfig(input, { maturity: 4 }, 'config', REPO_ROOT));
    expect(atStage4.filter((p) => p.includes('has no SageMaker image registries'))).toHaveLength(3);
    expect(atStage4[0]).toContain('which the training pipeline (stage 3) and model monitoring (stage 4) of "dev" need');
  });

  test('GIVEN availability zones of another region WHEN resolved THEN each is named by field', () => {
    const input = threeEnvironmentConfig();
    Object.assign(input.environments[0] ?? {}, {
      network: { availabilityZones: ['eu-west-1a', 'us-east-1b', 'eu-west-1a'] },
    });
    expect(problemsOf(() => resolveConfig(input))).toEqual([
      'environments[0].network.availabilityZones[1]: "us-east-1b" is not an availability zone of eu-west-1; use the region followed by a letter, such as "eu-west-1a"',
      'environments[0].network.availabilityZones[2]: duplicate availability zone "eu-west-1a" (also [0])',
    ]);
  });

  test('GIVEN an existing VPC in another region, with one subnet twice WHEN resolved THEN its zones and the subnet are refused', () => {
    const input = threeEnvironmentConfig();
    Object.assign(input.environments[1] ?? {}, {
      network: {
        existingVpc: {
          vpcId: 'vpc-0123456789abcdef0',
          vpcCidr: '10.0.0.0/16',
          availabilityZones: ['eu-west-1a', 'eu-central-1b'],
          privateSubnetIds: ['subnet-0123456789abcdef0', 'subnet-0123456789abcdef0'],
        },
      },
    });
    expect(problemsOf(() => resolveConfig(input))).toEqual([
      'environments[1].network.existingVpc.availabilityZones[1]: "eu-central-1b" is not an availability zone of eu-west-1; use the region followed by a letter, such as "eu-west-1a"',
      'environments[1].network.existingVpc.privateSubnetIds[1]: duplicate subnet "subnet-0123456789abcdef0" (also [0]); list one private subnet per availability zone',
    ]);
  });
});
