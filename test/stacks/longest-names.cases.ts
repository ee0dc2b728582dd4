import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { PlatformConfigInput } from '../../lib/config/schema';
import { REPO_ROOT, resourcesOfType, synthPlatform } from '../support/platform';

// A fork may use the longest project and model names the config takes (16 and 24 characters): every limit that
// names count against must hold at stage 5, where the most is granted. The loader refuses names that make a
// generated name too long (monitoring schedules, for one); IAM's limit on a managed policy is held here, and .ci/run
// synthesizes the same fixture with CDK's template validation and cfn-lint.

/** IAM's limit on a customer-managed policy, in characters without white space. */
const MANAGED_POLICY_CHARACTERS = 6144;

const FIXTURE = path.join(REPO_ROOT, 'test', 'fixtures', 'longest-names', 'platform.json');

describe('GIVEN the longest project and model names the config takes, at stage 5 in prod', () => {
  test("THEN every managed policy stays within IAM's size limit, measured before CloudFormation resolves its tokens (an upper bound)", () => {
    // GIVEN
    const config = JSON.parse(readFileSync(FIXTURE, 'utf8')) as PlatformConfigInput;
    expect([config.project.length, config.models?.[0]?.name.length]).toEqual([16, 24]);

    // WHEN
    const platform = synthPlatform({ config, environments: 'prod' });

    // THEN
    const sizes = platform.stackPaths.flatMap((stack) =>
      Object.entries(resourcesOfType(platform.templateJson(stack), 'AWS::IAM::ManagedPolicy')).map(([id, policy]) => ({
        policy: `${stack}/${id}`,
        characters: JSON.stringify(policy.Properties?.PolicyDocument).length,
      })),
    );
    expect(sizes.length).toBeGreaterThan(20);
    expect(sizes.filter((s) => s.characters > MANAGED_POLICY_CHARACTERS)).toEqual([]);
  });
});
