import type { PlatformConfigInput } from '../../lib/config/schema';
import { churnModel, threeEnvironmentConfig } from '../support/fixtures';
import { resourcesOfType, synthPlatform } from '../support/platform';

// A fork may use the longest project and model names the config takes (16 and 24 characters): every name-bearing
// limit must hold at stage 5, where the most is granted. The loader refuses names that make a generated name too
// long (monitoring schedules, for one); IAM's limit on a managed policy is checked here.

/** IAM's limit on a customer-managed policy, in characters without white space. */
const MANAGED_POLICY_CHARACTERS = 6144;

function longestNamesConfig(): PlatformConfigInput {
  const base = threeEnvironmentConfig();
  return {
    ...base,
    project: 'p'.repeat(16),
    maturity: 5,
    models: [{ ...churnModel(), name: 'm'.repeat(24), training: { ...churnModel().training, package: 'churn' } }],
  };
}

describe('GIVEN the longest project and model names the config takes, at stage 5 in prod', () => {
  test("THEN every managed policy stays within IAM's size limit, measured before CloudFormation resolves its tokens (an upper bound)", () => {
    // WHEN
    const platform = synthPlatform({ config: longestNamesConfig(), environments: 'prod' });

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
