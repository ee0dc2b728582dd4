import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { PersonaRoles, type PersonaRolesProps } from '../../lib/constructs/persona-roles';
import { testApp } from '../support/platform';

function givenPersonaRoles(props: Partial<PersonaRolesProps> = {}) {
  const stack = new Stack(testApp(), 'Workbench');
  new PersonaRoles(stack, 'Personas', {
    trustedPrincipal: new iam.AccountRootPrincipal(),
    executionRoles: [],
    ...props,
  });
  return Template.fromStack(stack);
}

const roleNamesOf = (template: Template) =>
  Object.values(template.findResources('AWS::IAM::Role')).map((r) => r.Properties.RoleName);

describe('PersonaRoles', () => {
  test('GIVEN a name per persona THEN each role carries the name of its persona', () => {
    // WHEN
    const template = givenPersonaRoles({
      roleNames: {
        'data-scientist': 'acme-dev-data-scientist',
        'ml-engineer': 'acme-dev-ml-engineer',
        'model-approver': 'acme-dev-model-approver',
      },
    });

    // THEN
    expect(roleNamesOf(template).sort()).toEqual([
      'acme-dev-data-scientist',
      'acme-dev-ml-engineer',
      'acme-dev-model-approver',
    ]);
  });

  test('GIVEN no names THEN CloudFormation generates them', () => {
    const template = givenPersonaRoles();
    expect(roleNamesOf(template)).toEqual([undefined, undefined, undefined]);
  });
});

describe('PersonaRoles.grantStudioAccess', () => {
  function givenStudioAccess(options: Parameters<PersonaRoles['grantStudioAccess']>[1]) {
    const stack = new Stack(testApp(), 'Workbench');
    const personas = new PersonaRoles(stack, 'Personas', {
      trustedPrincipal: new iam.AccountRootPrincipal(),
      executionRoles: [],
    });
    personas.grantStudioAccess('d-example', options);
    return Template.fromStack(stack);
  }
  const presigning = (template: Template, policyPrefix: string) =>
    Object.entries(template.findResources('AWS::IAM::ManagedPolicy'))
      .filter(([id]) => id.startsWith(policyPrefix))
      .flatMap(([, p]) => p.Properties.PolicyDocument.Statement)
      .filter((s) => [s.Action].flat().includes('sagemaker:CreatePresignedDomainUrl'));

  test('GIVEN no own profiles THEN every persona opens any profile of the domain', () => {
    const template = givenStudioAccess(undefined);
    expect(JSON.stringify(presigning(template, 'PersonasDataScientistPolicy')[0].Resource)).toContain(
      'user-profile/d-example/*',
    );
  });

  test('GIVEN own profiles WHEN two people share a persona THEN each opens only the profile of their source identity', () => {
    // WHEN
    const template = givenStudioAccess({
      ownProfiles: { 'data-scientist': ['alice', 'dave'], 'ml-engineer': ['bob'], 'model-approver': [] },
    });

    // THEN the resource is the session's own profile, and the session must be one of the persona's people
    const dataScientists = presigning(template, 'PersonasDataScientistPolicy');
    expect(dataScientists).toEqual([
      expect.objectContaining({
        Effect: 'Allow',
        Condition: { StringEquals: { 'aws:SourceIdentity': ['alice', 'dave'] } },
      }),
    ]);
    expect(JSON.stringify(dataScientists[0].Resource)).toMatch(
      /:user-profile\/d-example\/\$\{aws:SourceIdentity\}"\]\]\}$/,
    );
    expect(presigning(template, 'PersonasMlEngineerPolicy')).toEqual([
      expect.objectContaining({ Condition: { StringEquals: { 'aws:SourceIdentity': ['bob'] } } }),
    ]);
    // a persona without people opens nothing
    expect(presigning(template, 'PersonasModelApproverPolicy')).toEqual([]);
    const trust = template.findResources('AWS::IAM::Role');
    const setsIdentity = Object.entries(trust)
      .filter(([, r]) => JSON.stringify(r.Properties.AssumeRolePolicyDocument).includes('sts:SetSourceIdentity'))
      .map(([id]) => id.replace(/[0-9A-F]{8}$/, ''));
    expect(setsIdentity.sort()).toEqual(['PersonasDataScientist', 'PersonasMlEngineer']);
  });
});
