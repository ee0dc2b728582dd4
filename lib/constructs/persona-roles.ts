import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import type { Persona } from '../vocabulary';
import { PlatformRole } from './platform-role';

export interface PersonaRolesProps {
  /**
   * Name of each persona's role, unique in the account (for example `mlops-dev-data-scientist`). Give names when
   * other accounts or people must find the roles by name.
   * @default - names that CloudFormation generates
   */
  readonly roleNames?: Readonly<Record<Persona, string>>;
  /** Principal allowed to assume the persona roles, usually the environment's own account. */
  readonly trustedPrincipal: iam.IPrincipal;
  /** Execution roles that data scientists and ML engineers may pass to SageMaker. */
  readonly executionRoles: readonly iam.IRole[];
}

/** How the personas open Studio. */
export interface StudioAccessOptions {
  /**
   * The user profiles of each persona's people. When set, a persona opens (presigns) only the profile named like
   * the session's source identity (`aws sts assume-role --source-identity <user>`), and only if that profile is one
   * of its own; the persona roles then trust the principal to set a source identity.
   * @default - every persona opens any user profile of the domain
   */
  readonly ownProfiles?: Readonly<Record<Persona, readonly string[]>>;
}

/** IAM actions that change a model package's approval status. Only the model approver holds them. */
export const APPROVAL_ACTIONS = ['sagemaker:UpdateModelPackage'] as const;

/**
 * The three human personas of the platform, each least privilege: DataScientist, MLEngineer and
 * ModelApprover. Only ModelApprover may change a model package's approval status; the others are denied it
 * explicitly, so a broader policy attached later cannot grant it by accident.
 */
export class PersonaRoles extends Construct {
  readonly dataScientist: PlatformRole;
  readonly mlEngineer: PlatformRole;
  readonly modelApprover: PlatformRole;
  private readonly trustedPrincipal: iam.IPrincipal;

  constructor(scope: Construct, id: string, props: PersonaRolesProps) {
    super(scope, id);
    this.trustedPrincipal = props.trustedPrincipal;
    const stack = Stack.of(this);
    const make = (roleId: string, persona: Persona, description: string) =>
      new PlatformRole(this, roleId, {
        roleName: props.roleNames?.[persona],
        assumedBy: props.trustedPrincipal,
        description,
      });
    this.dataScientist = make('DataScientist', 'data-scientist', 'Explores data and experiments in Studio');
    this.mlEngineer = make('MlEngineer', 'ml-engineer', 'Builds pipelines and operates models');
    this.modelApprover = make('ModelApprover', 'model-approver', 'Approves or rejects model versions');

    const modelPackageArn = (resourceName: string) =>
      stack.formatArn({ service: 'sagemaker', resource: 'model-package', resourceName });
    const modelPackageGroupArn = stack.formatArn({
      service: 'sagemaker',
      resource: 'model-package-group',
      resourceName: '*',
    });

    this.modelApprover.addWildcardStatement(
      new iam.PolicyStatement({
        sid: 'ReviewAndApproveModelVersions',
        actions: [
          ...APPROVAL_ACTIONS,
          'sagemaker:DescribeModelPackage',
          'sagemaker:DescribeModelPackageGroup',
          'sagemaker:ListModelPackages',
        ],
        resources: [modelPackageArn('*'), modelPackageGroupArn],
      }),
      "approving versions of this environment's models is the approver's whole job; the ARNs hold this account and region only, and every approval or rejection reaches the alerts topic",
    );
    for (const role of [this.dataScientist, this.mlEngineer]) {
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'OnlyTheModelApproverApproves',
          effect: iam.Effect.DENY,
          actions: [...APPROVAL_ACTIONS],
          resources: ['*'],
        }),
      );
      for (const executionRole of props.executionRoles) {
        role.addToPrincipalPolicy(
          new iam.PolicyStatement({
            sid: 'PassExecutionRolesToSageMaker',
            actions: ['iam:PassRole'],
            resources: [executionRole.roleArn],
            conditions: { StringEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } },
          }),
        );
      }
    }
  }

  /** Every persona role with its persona. */
  get all(): ReadonlyArray<[Persona, PlatformRole]> {
    return [
      ['data-scientist', this.dataScientist],
      ['ml-engineer', this.mlEngineer],
      ['model-approver', this.modelApprover],
    ];
  }

  /** The role of a persona. */
  roleFor(persona: Persona): PlatformRole {
    const found = this.all.find(([p]) => p === persona);
    if (!found) throw new Error(`persona roles '${this.node.path}' have no role for persona '${persona}'`);
    return found[1];
  }

  /** Lets every persona open Studio as one of the domain's user profiles, or only as its own (`ownProfiles`). */
  grantStudioAccess(domainId: string, options: StudioAccessOptions = {}): void {
    const stack = Stack.of(this);
    const userProfile = (name: string) =>
      stack.formatArn({
        service: 'sagemaker',
        resource: 'user-profile',
        resourceName: `${domainId}/${name}`,
        arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
      });
    const domain = stack.formatArn({ service: 'sagemaker', resource: 'domain', resourceName: domainId });
    for (const [persona, role] of this.all) {
      const own = options.ownProfiles?.[persona];
      if (own === undefined) {
        role.addWildcardStatement(
          new iam.PolicyStatement({
            sid: 'OpenStudio',
            actions: ['sagemaker:CreatePresignedDomainUrl', 'sagemaker:DescribeUserProfile'],
            resources: [userProfile('*')],
          }),
          "every profile of this one domain runs with the same Studio execution role, so opening another gives no other permission; where a profile holds someone's work (prod), each person opens only their own",
        );
      } else {
        this.grantOwnProfile(role, own, userProfile);
      }
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({ sid: 'DescribeDomain', actions: ['sagemaker:DescribeDomain'], resources: [domain] }),
      );
    }
  }

  /**
   * A persona role is shared by its people, so the person is the session's source identity: it names the one
   * profile the session may presign, and must be one of `profiles`. Without a source identity nothing matches.
   */
  private grantOwnProfile(
    role: PlatformRole,
    profiles: readonly string[],
    userProfile: (name: string) => string,
  ): void {
    role.addWildcardStatement(
      new iam.PolicyStatement({
        sid: 'DescribeUserProfiles',
        actions: ['sagemaker:DescribeUserProfile'],
        resources: [userProfile('*')],
      }),
      'describing a user profile of this one domain reveals its settings only; it opens nothing',
    );
    if (profiles.length === 0) return;
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'OpenOwnStudioProfile',
        actions: ['sagemaker:CreatePresignedDomainUrl'],
        // biome-ignore lint/suspicious/noTemplateCurlyInString: an IAM policy variable, resolved per request
        resources: [userProfile('${aws:SourceIdentity}')],
        conditions: { StringEquals: { 'aws:SourceIdentity': [...profiles] } },
      }),
    );
    role.assumeRolePolicy?.addStatements(
      new iam.PolicyStatement({ actions: ['sts:SetSourceIdentity'], principals: [this.trustedPrincipal] }),
    );
  }
}
