import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import {
  ExecutionVariables,
  FailStep,
  Parameters,
  PipelineDefinition,
  ProcessingStep,
} from '../../lib/pipeline-definition';
import { processingArguments } from './fixtures';
import { FIXTURE, samplePipeline } from './sample-pipeline';

describe('PipelineDefinition', () => {
  test('GIVEN metadata and an experiment config WHEN rendered THEN the top-level keys come in the documented order', () => {
    // GIVEN
    const definition = new PipelineDefinition({
      metadata: { team: 'churn', owner: 'ml-platform' },
      experimentConfig: {
        experimentName: ExecutionVariables.PIPELINE_NAME,
        trialName: ExecutionVariables.PIPELINE_EXECUTION_ID,
      },
    });
    definition.addParameter(Parameters.string('InputData'));
    definition.addStep(new FailStep('Stop'));

    // WHEN
    const rendered = JSON.parse(definition.render());

    // THEN
    expect(Object.keys(rendered)).toEqual(['Version', 'Metadata', 'Parameters', 'PipelineExperimentConfig', 'Steps']);
    expect(rendered.Version).toBe('2020-12-01');
    expect(Object.keys(rendered.Metadata)).toEqual(['owner', 'team']);
    expect(rendered.PipelineExperimentConfig).toEqual({
      ExperimentName: { Get: 'Execution.PipelineName' },
      TrialName: { Get: 'Execution.PipelineExecutionId' },
    });
    expect(rendered.Parameters).toEqual([{ Name: 'InputData', Type: 'String' }]);
  });

  test('GIVEN no metadata WHEN rendered THEN Metadata is empty and there is no PipelineExperimentConfig', () => {
    // GIVEN
    const definition = new PipelineDefinition();
    definition.addStep(new FailStep('Stop'));

    // THEN
    expect(definition.render()).toBe(
      '{"Version":"2020-12-01","Metadata":{},"Parameters":[],"Steps":[{"Name":"Stop","Type":"Fail","Arguments":{}}]}',
    );
  });

  describe('GIVEN the sample model-building pipeline', () => {
    test('WHEN rendered twice THEN the JSON is byte-identical', () => {
      // THEN
      expect(samplePipeline().definition.render()).toBe(samplePipeline().definition.render());
    });

    test('WHEN argument keys are inserted in another order THEN the JSON is byte-identical', () => {
      // GIVEN
      const reversed = <T extends object>(value: T): T =>
        Array.isArray(value)
          ? (value.map((item) => (item !== null && typeof item === 'object' ? reversed(item) : item)) as T)
          : (Object.fromEntries(
              Object.entries(value)
                .reverse()
                .map(([key, item]) => [
                  key,
                  item !== null && typeof item === 'object' && item.constructor === Object ? reversed(item) : item,
                ]),
            ) as T);
      const render = (transform: <T extends object>(value: T) => T) => {
        const definition = new PipelineDefinition();
        definition.addStep(
          new ProcessingStep('Preprocess', {
            arguments: transform({ ...processingArguments('train', 'test'), Environment: { A: '1', B: '2' } }),
          }),
        );
        return definition.render();
      };

      // THEN
      expect(render(reversed)).toBe(render((value) => value));
    });

    test('WHEN rendered THEN it matches the snapshot, key order included', () => {
      // WHEN
      const json = samplePipeline().definition.render();

      // THEN
      expect(JSON.stringify(JSON.parse(json), null, 2)).toMatchSnapshot();
    });

    test('WHEN rendered THEN the steps are in insertion order with the branches nested in the condition', () => {
      // WHEN
      const rendered = JSON.parse(samplePipeline().definition.render());

      // THEN
      expect(rendered.Steps.map((step: { Name: string; Type: string }) => `${step.Name}:${step.Type}`)).toEqual([
        'Preprocess:Processing',
        'Train:Training',
        'Evaluate:Processing',
        'DataQualityCheck:QualityCheck',
        'ModelQualityCheck:QualityCheck',
        'CheckAuc:Condition',
      ]);
      const check = rendered.Steps[5];
      expect(check.DependsOn).toEqual(['DataQualityCheck', 'ModelQualityCheck']);
      expect(check.Arguments.Conditions).toEqual([
        {
          Type: 'GreaterThanOrEqualTo',
          LeftValue: {
            'Std:JsonGet': {
              PropertyFile: { Get: 'Steps.Evaluate.PropertyFiles.EvaluationReport' },
              Path: 'metrics.auc.value',
            },
          },
          RightValue: { Get: 'Parameters.AucThreshold' },
        },
      ]);
      expect(check.Arguments.IfSteps.map((step: { Name: string }) => step.Name)).toEqual(['RegisterModel']);
      expect(check.Arguments.ElseSteps.map((step: { Name: string }) => step.Name)).toEqual(['AucBelowThreshold']);
      expect(check.Arguments.IfSteps[0].Arguments.DriftCheckBaselines.ModelDataQuality).toEqual({
        Constraints: {
          ContentType: 'application/json',
          S3Uri: { Get: 'Steps.DataQualityCheck.BaselineUsedForDriftCheckConstraints' },
        },
        Statistics: {
          ContentType: 'application/json',
          S3Uri: { Get: 'Steps.DataQualityCheck.BaselineUsedForDriftCheckStatistics' },
        },
      });
    });
  });

  describe('GIVEN CloudFormation tokens from a bucket and a role', () => {
    /** One small stack, synthesized once: synthesis validates the template, which takes seconds to load. */
    let synthesized: ReturnType<typeof synthesizeAPipelineInAStack> | undefined;
    const givenAPipelineInAStack = () => {
      synthesized ??= synthesizeAPipelineInAStack();
      return synthesized;
    };

    function synthesizeAPipelineInAStack() {
      const stack = new Stack();
      const bucket = new s3.Bucket(stack, 'Artifacts');
      const role = new iam.Role(stack, 'ExecutionRole', {
        assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com'),
      });
      const { definition } = samplePipeline({
        roleArn: role.roleArn,
        bucketName: bucket.bucketName,
        modelPackageGroupName: FIXTURE.modelPackageGroupName,
      });
      new sagemaker.CfnPipeline(stack, 'Pipeline', {
        pipelineName: 'churn-model-building',
        roleArn: role.roleArn,
        pipelineDefinition: { PipelineDefinitionBody: definition.render(stack) },
      });
      const template = Template.fromStack(stack);
      const logicalId = (type: string) => Object.keys(template.findResources(type))[0];
      const body = Object.values(template.findResources('AWS::SageMaker::Pipeline'))[0].Properties.PipelineDefinition
        .PipelineDefinitionBody;
      return { template, body, bucketId: logicalId('AWS::S3::Bucket'), roleId: logicalId('AWS::IAM::Role') };
    }

    test('WHEN rendered with the stack THEN the PipelineDefinitionBody is an Fn::Join with the bucket Ref and role ARN', () => {
      // WHEN
      const { body, bucketId, roleId } = givenAPipelineInAStack();

      // THEN
      expect(Object.keys(body)).toEqual(['Fn::Join']);
      const [separator, parts] = body['Fn::Join'];
      expect(separator).toBe('');
      expect(parts).toContainEqual({ Ref: bucketId });
      expect(parts).toContainEqual({ 'Fn::GetAtt': [roleId, 'Arn'] });
    });

    test('WHEN the intrinsics are replaced by their values THEN the body is the definition rendered with those values', () => {
      // GIVEN
      const { body, bucketId, roleId } = givenAPipelineInAStack();
      const substitute = (part: unknown) => {
        if (typeof part === 'string') return part;
        if (JSON.stringify(part) === JSON.stringify({ Ref: bucketId })) return 'BUCKET';
        if (JSON.stringify(part) === JSON.stringify({ 'Fn::GetAtt': [roleId, 'Arn'] })) return 'ROLE';
        throw new Error(`unexpected intrinsic ${JSON.stringify(part)}`);
      };

      // WHEN
      const joined = (body['Fn::Join'][1] as unknown[]).map(substitute).join('');

      // THEN
      const expected = samplePipeline({ roleArn: 'ROLE', bucketName: 'BUCKET', modelPackageGroupName: 'churn' });
      expect(joined).toBe(expected.definition.render());
    });

    test('WHEN a definition without tokens is rendered with a scope THEN it resolves to the same JSON', () => {
      // GIVEN
      const stack = new Stack();

      // THEN
      expect(stack.resolve(samplePipeline().definition.render(stack))).toBe(samplePipeline().definition.render());
    });
  });
});
