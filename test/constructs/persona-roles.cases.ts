import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { PersonaRoles, type PersonaRolesProps } from '../../lib/constructs/persona-roles';
import { constructTestContext } from '../support/platform';

function givenPersonaRoles(props: Partial<PersonaRolesProps> = {}) {
  const stack = new Stack(new App({ context: constructTestContext() }), 'Workbench');
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
