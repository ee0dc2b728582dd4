import { type CloudFormationResource, resourcesOfType, synthAtStage } from '../support/platform';

const ENVIRONMENTS = ['Dev', 'Test', 'Prod'] as const;
const platform = () => synthAtStage(3);

interface Step {
  readonly Name: string;
  readonly Type: string;
  readonly Arguments: Record<string, unknown> & { IfSteps?: Step[]; ElseSteps?: Step[] };
  readonly [key: string]: unknown;
}

/** The pipeline definition of a template, with every CloudFormation token replaced by a placeholder. */
function definitionOf(env: string): { Steps: Step[]; Parameters: Array<{ Name: string }> } {
  const pipelines = Object.values(
    resourcesOfType(platform().templateJson(`${env}/Model-churn`), 'AWS::SageMaker::Pipeline'),
  );
  expect(pipelines).toHaveLength(1);
  const body = (pipelines[0] as CloudFormationResource).Properties?.PipelineDefinition as {
    PipelineDefinitionBody: string | { 'Fn::Join': [string, unknown[]] };
  };
  const raw = body.PipelineDefinitionBody;
  const text =
    typeof raw === 'string'
      ? raw
      : raw['Fn::Join'][1].map((part) => (typeof part === 'string' ? part : 'TOKEN')).join(raw['Fn::Join'][0]);
  return JSON.parse(text);
}

function allSteps(steps: readonly Step[]): Step[] {
  return steps.flatMap((step) => [
    step,
    ...allSteps(step.Arguments.IfSteps ?? []),
    ...allSteps(step.Arguments.ElseSteps ?? []),
  ]);
}

describe('stage 3 stacks', () => {
  test('every environment has a training pipeline per model and the container repositories', () => {
    for (const env of ENVIRONMENTS) {
      expect(platform().stackPaths).toEqual(expect.arrayContaining([`${env}/Model-churn`, `${env}/ContainerRegistry`]));
      platform()
        .template(`${env}/Model-churn`)
        .hasResourceProperties('AWS::SageMaker::Pipeline', {
          PipelineName: `mlops-${env.toLowerCase()}-churn-training`,
        });
    }
  });

  test('has no unacknowledged cdk-nag finding', () => {
    expect(platform().violations).toEqual([]);
  });
});

describe('the model-building pipeline', () => {
  test('every processing container entrypoint and argument fits SageMaker limits (256 characters, 100 elements)', () => {
    for (const env of ENVIRONMENTS) {
      const processing = allSteps(definitionOf(env).Steps).filter((s) => s.Type === 'Processing');
      expect(processing.length).toBeGreaterThan(0);
      for (const step of processing) {
        const app = step.Arguments.AppSpecification as {
          ContainerEntrypoint?: string[];
          ContainerArguments?: string[];
        };
        for (const list of [app.ContainerEntrypoint ?? [], app.ContainerArguments ?? []]) {
          expect(list.length).toBeLessThanOrEqual(100);
          const tooLong = list.filter((element) => element.length > 256);
          expect({ step: step.Name, tooLong }).toEqual({ step: step.Name, tooLong: [] });
        }
      }
    }
  });

  test('runs preprocess, train, the artifact digests, evaluate, the two baselines, then registers or fails on the metric', () => {
    const { Steps } = definitionOf('Test');
    expect(Steps.map((s) => `${s.Name}:${s.Type}`)).toEqual([
      'Preprocess:Processing',
      'Train:Training',
      'RecordArtifactDigests:Processing',
      'CreateCandidateModel:Model',
      'PredictTestSet:Transform',
      'Evaluate:Processing',
      'DataQualityBaseline:QualityCheck',
      'ModelQualityBaseline:QualityCheck',
      'CheckMetric:Condition',
    ]);
    const check = Steps[8] as Step;
    expect(JSON.stringify(check.Arguments.Conditions)).toContain('"Std:JsonGet"');
    expect(JSON.stringify(check.Arguments.Conditions)).toContain('metrics.auc.value');
    const [register] = check.Arguments.IfSteps ?? [];
    expect(register?.Type).toBe('RegisterModel');
    expect(register?.Arguments).toMatchObject({
      ModelApprovalStatus: 'PendingManualApproval',
      ModelPackageGroupName: 'mlops-test-churn',
      ModelMetrics: { ModelQuality: expect.anything(), ModelDataQuality: expect.anything() },
      DriftCheckBaselines: { ModelQuality: expect.anything(), ModelDataQuality: expect.anything() },
    });
    const [fail] = check.Arguments.ElseSteps ?? [];
    expect(fail?.Type).toBe('Fail');
    expect(JSON.stringify(fail?.Arguments.ErrorMessage)).toContain('metrics.auc.value');
    expect(Steps[5]?.PropertyFiles).toEqual([
      { PropertyFileName: 'EvaluationReport', OutputName: 'evaluation', FilePath: 'evaluation.json' },
    ]);
  });

  test('serves with the same feature-transform code it trained with: the registered model starts with it', () => {
    const register = allSteps(definitionOf('Prod').Steps).find((s) => s.Type === 'RegisterModel') as Step;
    const containers = (register.Arguments.InferenceSpecification as { Containers: Array<Record<string, unknown>> })
      .Containers;
    expect(containers).toHaveLength(2);
    expect(containers[0]).toMatchObject({ Environment: { SAGEMAKER_PROGRAM: 'churn_inference.py' } });
    expect(String(containers[0]?.Image)).toContain('sagemaker-scikit-learn');
    expect(String(containers[1]?.Image)).toContain('sagemaker-xgboost');
  });

  test.each(ENVIRONMENTS)(
    '%s: every job has KMS on volume and output, a VPC, and network isolation where supported',
    (env) => {
      for (const step of allSteps(definitionOf(env).Steps)) {
        const args = step.Arguments as Record<string, Record<string, unknown>>;
        const where = `${env} ${step.Name}`;
        switch (step.Type) {
          case 'Processing':
          case 'QualityCheck':
            expect({ where, args }).toMatchObject({
              where,
              args: {
                ProcessingResources: { ClusterConfig: { VolumeKmsKeyId: expect.anything() } },
                ProcessingOutputConfig: { KmsKeyId: expect.anything() },
                NetworkConfig: {
                  EnableNetworkIsolation: true,
                  EnableInterContainerTrafficEncryption: true,
                  VpcConfig: { Subnets: expect.any(Array), SecurityGroupIds: expect.any(Array) },
                },
              },
            });
            break;
          case 'Training':
            expect({ where, args }).toMatchObject({
              where,
              args: {
                ResourceConfig: { VolumeKmsKeyId: expect.anything() },
                OutputDataConfig: { KmsKeyId: expect.anything() },
                EnableNetworkIsolation: true,
                EnableInterContainerTrafficEncryption: true,
                VpcConfig: expect.anything(),
              },
            });
            break;
          case 'Model':
            expect({ where, args }).toMatchObject({
              where,
              args: { EnableNetworkIsolation: true, VpcConfig: expect.anything() },
            });
            break;
          case 'Transform':
            // a transform job runs in the VPC and isolation of its model (the Model step above)
            expect({ where, args }).toMatchObject({
              where,
              args: {
                TransformOutput: { KmsKeyId: expect.anything() },
                TransformResources: { VolumeKmsKeyId: expect.anything() },
              },
            });
            break;
          default:
            break;
        }
      }
    },
  );

  test('uses managed spot training with checkpoints outside prod, and never in prod', () => {
    const training = (env: string) => allSteps(definitionOf(env).Steps).find((s) => s.Type === 'Training') as Step;
    for (const env of ['Dev', 'Test']) {
      expect(training(env).Arguments).toMatchObject({
        EnableManagedSpotTraining: true,
        CheckpointConfig: { S3Uri: expect.anything() },
        StoppingCondition: { MaxWaitTimeInSeconds: expect.any(Number) },
      });
    }
    expect(training('Prod').Arguments).not.toHaveProperty('EnableManagedSpotTraining');
  });

  test('reports failed and stopped executions through SNS, with retries and a DLQ', () => {
    const rules = Object.values(resourcesOfType(platform().templateJson('Prod/Model-churn'), 'AWS::Events::Rule'));
    expect(rules).toHaveLength(1);
    expect(rules[0]?.Properties).toMatchObject({
      EventPattern: {
        'detail-type': ['SageMaker Model Building Pipeline Execution Status Change'],
        detail: { currentPipelineExecutionStatus: ['Failed', 'Stopped'] },
      },
      Targets: [expect.objectContaining({ DeadLetterConfig: expect.anything(), RetryPolicy: expect.anything() })],
    });
  });

  test('the execution role passes only itself, only to SageMaker, and cannot approve', () => {
    const policies = JSON.stringify(
      resourcesOfType(platform().templateJson('Prod/Model-churn'), 'AWS::IAM::ManagedPolicy'),
    );
    expect(policies).toContain('"iam:PassedToService":"sagemaker.amazonaws.com"');
    expect(policies).toContain('"sagemaker:ModelApprovalStatus":"PendingManualApproval"');
    expect(policies).not.toContain('sagemaker:UpdateModelPackage');
  });
});

describe('container repositories', () => {
  test('scan on push, keep tags immutable, expire old images and encrypt with KMS', () => {
    const repositories = Object.values(
      resourcesOfType(platform().templateJson('Test/ContainerRegistry'), 'AWS::ECR::Repository'),
    );
    expect(repositories.map((r) => r.Properties?.RepositoryName).sort()).toEqual([
      'mlops/test/inference',
      'mlops/test/training',
    ]);
    for (const repository of repositories) {
      expect(repository.Properties).toMatchObject({
        ImageScanningConfiguration: { ScanOnPush: true },
        ImageTagMutability: 'IMMUTABLE',
        EncryptionConfiguration: { EncryptionType: 'KMS' },
        LifecyclePolicy: { LifecyclePolicyText: expect.stringContaining('imageCountMoreThan') },
      });
    }
  });
});
