import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks, NIST80053R5Checks } from 'cdk-nag';
import { PlatformRole, wildcardFindings } from '../../lib/constructs/platform-role';
import { testApp } from '../support/platform';

function setup() {
  const app = testApp();
  const stack = new Stack(app, 'S');
  const role = new PlatformRole(stack, 'Role', { assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com') });
  const bucket = new s3.Bucket(stack, 'Bucket');
  return { app, stack, role, bucket };
}

describe('PlatformRole', () => {
  test('GIVEN a grant THEN it lands in a customer-managed policy, never an inline one', () => {
    const { stack, role, bucket } = setup();
    bucket.grantRead(role);
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::IAM::Policy', 0);
    template.resourceCountIs('AWS::IAM::ManagedPolicy', 1);
    expect(new NIST80053R5Checks().validateScope(stack).violations.map((v) => v.ruleName)).not.toContain(
      'NIST.800.53.R5-IAMNoInlinePolicy',
    );
  });

  test('GIVEN an unjustified wildcard THEN cdk-nag still reports it', () => {
    const { app, stack, role, bucket } = setup();
    bucket.grantRead(role);
    app.synth();
    const rules = new AwsSolutionsChecks().validateScope(stack).violations.map((v) => v.ruleName);
    expect(rules).toEqual(expect.arrayContaining([expect.stringMatching(/^AwsSolutions-IAM5\[Resource::/)]));
  });

  test('GIVEN a justified grant THEN each of its wildcards is acknowledged with the reason and nothing else is', () => {
    const { app, stack, role, bucket } = setup();
    role.justifyGrant(bucket.grantRead(role), 'reads any object of this one bucket');
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['sqs:*'], resources: ['*'] }));
    app.synth();
    const rules = new AwsSolutionsChecks().validateScope(stack).violations.map((v) => v.ruleName);
    expect(rules.filter((r) => r.startsWith('AwsSolutions-IAM5')).sort()).toEqual([
      'AwsSolutions-IAM5[Action::sqs:*]',
      'AwsSolutions-IAM5[Resource::*]',
    ]);
  });

  test('GIVEN grants through withPolicy THEN they land in a second managed policy whose justified wildcards are acknowledged', () => {
    // GIVEN
    const { app, stack, role, bucket } = setup();
    const other = new s3.Bucket(stack, 'Other');
    bucket.grantWrite(role, 'reports/*');

    // WHEN
    const grantee = role.withPolicy('ReadPolicy', 'reads the other bucket');
    role.justifyGrant(other.grantRead(grantee), 'reads any object of the other bucket');
    app.synth();

    // THEN the role has two customer-managed policies, and the read statements are only in the second
    const policies = Template.fromStack(stack).findResources('AWS::IAM::ManagedPolicy');
    expect(Object.keys(policies)).toHaveLength(2);
    const [main, read] = Object.entries(policies).sort(([a]) => (a.includes('ReadPolicy') ? 1 : -1));
    expect(JSON.stringify(main[1])).not.toContain('Other');
    expect(JSON.stringify(read[1])).toContain('Other');
    expect(read[1].Properties.Roles).toEqual([{ Ref: expect.stringMatching(/^Role/) }]);
    // AND only the unjustified wildcards of the first policy's write grant are still reported
    const rules = new AwsSolutionsChecks().validateScope(stack).violations.map((v) => v.ruleName);
    expect(rules.filter((r) => r.startsWith('AwsSolutions-IAM5')).sort()).toEqual([
      'AwsSolutions-IAM5[Action::s3:Abort*]',
      'AwsSolutions-IAM5[Action::s3:DeleteObject*]',
      expect.stringMatching(/^AwsSolutions-IAM5\[Resource::<Bucket.*>\/reports\/\*\]$/),
    ]);
  });

  test('wildcardFindings spells findings as cdk-nag does and ignores Deny statements', () => {
    expect(
      wildcardFindings([
        { Effect: 'Allow', Action: ['s3:Get*', 's3:PutObject'], Resource: 'arn:x:s3:::b/*' },
        { Effect: 'Deny', Action: '*', Resource: '*' },
      ]),
    ).toEqual(['Action::s3:Get*', 'Resource::arn:x:s3:::b/*']);
  });
});
