import { APPROVAL_GUARD_SID } from '../../lib/stacks/registry-stack';
import {
  type CloudFormationResource,
  type CloudFormationTemplate,
  modelPart,
  resourcesOfType,
  synthAtStage,
} from '../support/platform';

// Issue 13: stage 5 continuous deployment. The cases share the stage 4 and 5 syntheses of test/platform.test.ts.

const ENVIRONMENTS = ['Dev', 'Test', 'Prod'] as const;
const PARTITION = 'aws';
const platform = () => synthAtStage(5);
const modelStack = (env: string) => platform().templateJson(`${env}/Model-churn`);

interface Step {
  readonly Name: string;
  // biome-ignore lint/suspicious/noExplicitAny: rendered JSON is read by path
  readonly Arguments: any;
}

/** The rendered pipeline definition of a model's stack, tokens left as they are. */
function pipelineSteps(template: CloudFormationTemplate): Step[] {
  const [pipeline] = Object.values(resourcesOfType(template, 'AWS::SageMaker::Pipeline'));
  const definition = pipeline?.Properties?.PipelineDefinition as { PipelineDefinitionBody: unknown } | undefined;
  const body = definition?.PipelineDefinitionBody;
  const text =
    typeof body === 'string'
      ? body
      : ((body as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1]
          .map((part) => (typeof part === 'string' ? part : 'TOKEN'))
          .join('') as string);
  return (JSON.parse(text) as { Steps: Step[] }).Steps;
}

function statements(resource: CloudFormationResource | undefined): Array<Record<string, unknown>> {
  const document = resource?.Properties?.PolicyDocument as { Statement: Array<Record<string, unknown>> } | undefined;
  return document?.Statement ?? [];
}

describe('stage 5 champion/challenger gate', () => {
  test.each(ENVIRONMENTS)('%s: the training pipeline judges each registered version with the gate role', (env) => {
    // WHEN
    const steps = pipelineSteps(modelStack(env));

    // THEN the gate runs right after registration, in the same branch
    const ifSteps = (steps.find((s) => s.Name === 'CheckMetric')?.Arguments.IfSteps ?? []) as Step[];
    expect(ifSteps.map((s) => s.Name)).toEqual(['RegisterModel', 'ChampionChallenger']);
    const gate = ifSteps[1];
    expect(gate?.Arguments.AppSpecification.ContainerArguments).toEqual(
      expect.arrayContaining(['--package-arn', { Get: 'Steps.RegisterModel.ModelPackageArn' }]),
    );
    expect(gate?.Arguments.Environment).toMatchObject({
      PROMOTION_METRIC: 'auc',
      PROMOTION_MODE: 'enabled',
      PROMOTION_MANUAL_APPROVAL: String(env === 'Prod'),
      PROMOTION_CHAMPION_PARAMETER: `/mlops/${env.toLowerCase()}/models/churn/approved-model-package-arn`,
    });
  });

  test('the gate role may judge only its own model, and publish only platform events', () => {
    // WHEN
    const part = modelPart(modelStack('Prod'), 'Promotion');
    const [role] = Object.values(resourcesOfType(part, 'AWS::IAM::Role'));
    const policy = Object.values(resourcesOfType(part, 'AWS::IAM::ManagedPolicy'))[0];

    // THEN
    expect(role?.Properties?.RoleName).toBe('mlops-prod-churn-gate');
    const bySid = Object.fromEntries(statements(policy).map((s) => [s.Sid, s]));
    expect(bySid.JudgeVersionsOfThisModel?.Resource).toBe(
      `arn:${PARTITION}:sagemaker:eu-west-1:333333333333:model-package/mlops-prod-churn/*`,
    );
    expect(bySid.PublishTheVerdict?.Condition).toEqual({ StringEquals: { 'events:source': 'mlops.platform' } });
  });

  test.each(ENVIRONMENTS)(
    '%s: the group policy denies approval changes to all but the gate and the ModelApprover',
    (env) => {
      // WHEN
      const groups = Object.values(
        resourcesOfType(platform().templateJson(`${env}/Registry`), 'AWS::SageMaker::ModelPackageGroup'),
      );

      // THEN
      const e = env.toLowerCase();
      const account = { Dev: '111111111111', Test: '222222222222', Prod: '333333333333' }[env];
      const [group] = groups;
      const policy = group?.Properties?.ModelPackageGroupPolicy as
        | { Statement: Array<Record<string, unknown>> }
        | undefined;
      const guard = policy?.Statement[0];
      expect(guard).toMatchObject({ Sid: APPROVAL_GUARD_SID, Effect: 'Deny', Principal: '*' });
      expect(guard?.Action).toBe('sagemaker:UpdateModelPackage');
      expect(JSON.stringify(guard?.Resource)).toContain(`:model-package/mlops-${e}-churn/*`);
      const condition = guard?.Condition as { ArnNotEquals: { 'aws:PrincipalArn': unknown[] } } | undefined;
      const allowed = condition?.ArnNotEquals['aws:PrincipalArn'];
      expect(allowed).toEqual([
        `arn:${PARTITION}:iam::${account}:role/mlops-${e}-churn-gate`,
        `arn:${PARTITION}:iam::${account}:role/mlops-${e}-model-approver`,
      ]);
    },
  );

  test('stage 4 has no gate: the group policy and the gate step come with continuous deployment', () => {
    // WHEN
    const stage4 = synthAtStage(4);

    // THEN
    const groups = Object.values(
      resourcesOfType(stage4.templateJson('Prod/Registry'), 'AWS::SageMaker::ModelPackageGroup'),
    );
    expect(groups[0]?.Properties?.ModelPackageGroupPolicy).toBeUndefined();
    expect(
      pipelineSteps(stage4.templateJson('Prod/Model-churn')).find((s) => s.Name === 'CheckMetric')?.Arguments.IfSteps,
    ).toHaveLength(1);
  });
});
