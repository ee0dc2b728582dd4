import { Token } from 'aws-cdk-lib';
import {
  ClarifyCheckStep,
  Condition,
  ConditionStep,
  FailStep,
  Join,
  JsonGet,
  Parameters,
  PipelineDefinition,
  PipelineDefinitionError,
  ProcessingStep,
  RegisterModelStep,
  type RetryExceptionType,
  type Step,
  TrainingStep,
} from '../../lib/pipeline-definition';
import { processingArguments, processingStep, trainingArguments } from './fixtures';

/** The problems render reports for a definition of `steps`. */
function problemsOf(...steps: Step[]): readonly string[] {
  const definition = new PipelineDefinition();
  definition.addSteps(...steps);
  return problemsOfDefinition(definition);
}

function problemsOfDefinition(definition: PipelineDefinition): readonly string[] {
  try {
    definition.render();
  } catch (error) {
    if (error instanceof PipelineDefinitionError) return error.problems;
    throw error;
  }
  throw new Error('render did not throw');
}

const fail = (name: string, message: Join | string = 'failed') => new FailStep(name, { errorMessage: message });

describe('PipelineDefinition validation', () => {
  describe('GIVEN step names', () => {
    test('WHEN two steps share a name, one of them in a condition branch THEN render reports the duplicate', () => {
      // GIVEN
      const condition = new ConditionStep('Check', { conditions: [Condition.equals(1, 1)], ifSteps: [fail('Stop')] });

      // THEN
      expect(problemsOf(fail('Stop'), condition)).toEqual([
        'duplicate step name "Stop": 2 steps have it (step names are unique across the definition, condition branches included)',
      ]);
    });

    test('WHEN a branch step is also added at the top level THEN render reports it is in the definition twice', () => {
      // GIVEN
      const stop = fail('Stop');
      const condition = new ConditionStep('Check', { conditions: [Condition.equals(1, 1)], elseSteps: [stop] });

      // THEN
      expect(problemsOf(condition, stop)).toEqual([
        'step "Stop" is in the definition 2 times (steps in a condition step\'s branches are part of the definition and must not be added again)',
      ]);
    });

    test('WHEN a display name does not match the pattern or a description is too long THEN render reports them', () => {
      // GIVEN
      const stop = new FailStep('Stop', { displayName: 'Stop here', description: 'x'.repeat(4097) });

      // THEN
      expect(problemsOf(stop)).toEqual([
        'step "Stop" display name "Stop here" is invalid: expected 1-64 letters, digits, "-" or "_"',
        'step "Stop" description has 4097 characters, expected at most 4096',
      ]);
    });

    test('WHEN a step name does not match the SageMaker pattern THEN render reports it', () => {
      // THEN
      expect(problemsOf(fail('train model'), fail('x'.repeat(65)))).toEqual([
        'step name "train model" is invalid: expected 1-64 letters, digits, "-" or "_"',
        `step name "${'x'.repeat(65)}" is invalid: expected 1-64 letters, digits, "-" or "_"`,
      ]);
    });
  });

  describe('GIVEN references between steps', () => {
    test('WHEN a step references a step that is not in the definition THEN render names both', () => {
      // GIVEN
      const train = new TrainingStep('Train', { arguments: trainingArguments() });
      const stop = fail('Stop', Join.on(' ', ['model', train.properties.modelArtifacts]));

      // THEN
      expect(problemsOf(stop)).toEqual(['step "Stop" references step "Train", which is not in the definition']);
    });

    test('WHEN a step references an output its processing step does not have THEN render lists the outputs', () => {
      // GIVEN
      const preprocess = processingStep('Preprocess', 'train', 'validation');
      const stop = fail('Stop', Join.on('', [preprocess.properties.outputUri('training')]));

      // THEN
      expect(problemsOf(preprocess, stop)).toEqual([
        'step "Stop" references output "training" of step "Preprocess", which has no such output (its outputs: "train" and "validation")',
      ]);
    });

    test('WHEN a step reads a property file its processing step does not declare THEN render lists the declared ones', () => {
      // GIVEN
      const evaluate = processingStep('Evaluate', 'evaluation');
      evaluate.addPropertyFile({ name: 'EvaluationReport', outputName: 'evaluation', path: 'evaluation.json' });
      const check = new ConditionStep('Check', {
        conditions: [Condition.greaterThan(new JsonGet(evaluate.propertyFile('Report'), 'auc'), 0.5)],
      });

      // THEN
      expect(problemsOf(evaluate, check)).toEqual([
        'step "Check" references property file "Report" of step "Evaluate", which declares no such property file (its property files: "EvaluationReport")',
      ]);
    });

    test('WHEN a step references an unknown property by path THEN render lists the properties of the step type', () => {
      // GIVEN
      const model = new RegisterModelStep('Register', { arguments: { ModelPackageGroupName: 'churn' } });
      const stop = fail('Stop', Join.on('', [model.property('ModelPackageArm')]));

      // THEN
      expect(problemsOf(model, stop)).toEqual([
        expect.stringMatching(
          /^step "Stop" references unknown property "ModelPackageArm" of step "Register" \(a RegisterModel step has "ModelPackageName", .* and "DriftCheckBaselines"\)$/,
        ),
      ]);
    });

    test('WHEN a property file names an output the step does not declare THEN render reports it', () => {
      // GIVEN
      const evaluate = processingStep('Evaluate', 'evaluation');
      evaluate.addPropertyFile({ name: 'EvaluationReport', outputName: 'metrics', path: 'evaluation.json' });
      evaluate.addPropertyFile({ name: 'EvaluationReport', outputName: 'evaluation', path: 'evaluation.json' });

      // THEN
      expect(problemsOf(evaluate)).toEqual([
        'property file "EvaluationReport" of step "Evaluate" names output "metrics", which the step does not declare (its outputs: "evaluation")',
        'step "Evaluate" declares property file "EvaluationReport" twice',
      ]);
    });
  });

  describe('GIVEN dependencies', () => {
    test('WHEN a step depends on a step that is not in the definition THEN render names both', () => {
      // GIVEN
      const preprocess = processingStep('Preprocess');
      const train = new TrainingStep('Train', { arguments: trainingArguments(), dependsOn: [preprocess] });

      // THEN
      expect(problemsOf(train)).toEqual(['step "Train" depends on step "Preprocess", which is not in the definition']);
    });

    test('WHEN DependsOn forms a cycle THEN render reports it once, in dependency order', () => {
      // GIVEN
      const a = fail('A');
      const b = fail('B', 'b').addDependsOn(a);
      const c = fail('C').addDependsOn(b);
      a.addDependsOn(c);

      // THEN
      expect(problemsOf(a, b, c)).toEqual([
        'dependency cycle: "A" -> "C" -> "B" -> "A" (each step depends on the next)',
      ]);
    });

    test('WHEN data references form a cycle THEN render reports it', () => {
      // GIVEN
      const args = processingArguments('out');
      const first = new ProcessingStep('First', { arguments: args });
      const second = new ProcessingStep('Second', {
        arguments: { ...args, Environment: { INPUT: first.properties.outputUri('out') } },
      });
      (args as { Environment?: object }).Environment = { INPUT: second.properties.outputUri('out') };

      // THEN
      expect(problemsOf(first, second)).toEqual([
        'dependency cycle: "First" -> "Second" -> "First" (each step depends on the next)',
      ]);
    });

    test('WHEN a step references itself THEN render reports a cycle of one step', () => {
      // GIVEN
      const self = new ProcessingStep('Self', { arguments: processingArguments('out') });
      (self.arguments as { Environment?: object }).Environment = { INPUT: self.properties.outputUri('out') };

      // THEN
      expect(problemsOf(self)).toEqual(['dependency cycle: "Self" -> "Self" (each step depends on the next)']);
    });

    test('WHEN a condition reads a property of a step in its own branch THEN render reports the cycle', () => {
      // GIVEN
      const register = new RegisterModelStep('Register', { arguments: { ModelPackageGroupName: 'churn' } });
      const check = new ConditionStep('Check', {
        conditions: [Condition.equals(register.properties.modelPackageVersion, 1)],
        ifSteps: [register],
      });

      // THEN
      expect(problemsOf(check)).toEqual([
        'dependency cycle: "Check" -> "Register" -> "Check" (each step depends on the next)',
      ]);
    });
  });

  describe('GIVEN parameters', () => {
    test('WHEN two parameters share a name THEN render reports the duplicate', () => {
      // GIVEN
      const definition = new PipelineDefinition();
      definition.addParameter(Parameters.string('InputData'));
      definition.addParameter(Parameters.string('InputData', 's3://bucket/raw'));
      definition.addStep(fail('Stop'));

      // THEN
      expect(problemsOfDefinition(definition)).toEqual(['duplicate parameter name "InputData": it is added 2 times']);
    });

    test('WHEN a step references a parameter that is not added THEN render names the step and the parameter', () => {
      // GIVEN
      const threshold = Parameters.float('Threshold', 0.5);
      const check = new ConditionStep('Check', { conditions: [Condition.greaterThan(threshold, 0.1)] });

      // THEN
      expect(problemsOf(check)).toEqual([
        'step "Check" references parameter "Threshold", which is not added to the definition',
      ]);
    });

    test('WHEN a parameter has an invalid name or default THEN render reports both', () => {
      // GIVEN
      const definition = new PipelineDefinition();
      definition.addParameter(Parameters.integer('Epochs', 1.5));
      definition.addParameter(Parameters.string('input data'));
      definition.addStep(fail('Stop'));

      // THEN
      expect(problemsOfDefinition(definition)).toEqual([
        'parameter "Epochs" has default 1.5: expected an integer',
        'parameter name "input data" is invalid: expected 1-64 letters, digits, "-" or "_"',
      ]);
    });
  });

  describe('GIVEN caching and retries', () => {
    test.each(['30d', 'P', 'PT', 'p30d', 'T12H', 'P1.5D'])(
      'WHEN cache expireAfter is %p THEN render reports it is not an ISO 8601 duration',
      (expireAfter) => {
        // GIVEN
        const step = new ProcessingStep('Preprocess', {
          arguments: processingArguments(),
          cache: { enabled: true, expireAfter },
        });

        // THEN
        expect(problemsOf(step)).toEqual([
          `step "Preprocess" cache expireAfter "${expireAfter}" is not an ISO 8601 duration such as "P30D" or "PT12H"`,
        ]);
      },
    );

    test.each(['P30D', 'PT12H', 'P1DT6H30M', 'P2W', 'PT45S'])(
      'WHEN cache expireAfter is %p THEN it renders',
      (expireAfter) => {
        // GIVEN
        const definition = new PipelineDefinition();
        definition.addStep(
          new ProcessingStep('Preprocess', { arguments: processingArguments(), cache: { enabled: true, expireAfter } }),
        );

        // THEN
        expect(JSON.parse(definition.render()).Steps[0].CacheConfig).toEqual({
          Enabled: true,
          ExpireAfter: expireAfter,
        });
      },
    );

    test('WHEN retry policies are invalid THEN render reports each problem with the step and policy', () => {
      // GIVEN
      const train = new TrainingStep('Train', {
        arguments: trainingArguments(),
        retryPolicies: [
          { exceptionTypes: ['Step.THROTTLING'], maxAttempts: 3, expireAfterMin: 10 },
          { exceptionTypes: [], maxAttempts: 21 },
          { exceptionTypes: ['SageMaker.OUT_OF_MEMORY' as RetryExceptionType], expireAfterMin: 14401 },
          { exceptionTypes: ['Step.SERVICE_FAULT'], maxAttempts: 2, intervalSeconds: 0, backoffRate: -1 },
        ],
      });

      // THEN
      expect(problemsOf(train)).toEqual([
        'step "Train" retry policy 1 must set exactly one of maxAttempts and expireAfterMin',
        'step "Train" retry policy 2 has no exception types',
        'step "Train" retry policy 2 has maxAttempts 21, expected an integer 1-20',
        'step "Train" retry policy 3 has unknown exception type "SageMaker.OUT_OF_MEMORY" (expected "Step.SERVICE_FAULT", "Step.THROTTLING", "SageMaker.JOB_INTERNAL_ERROR", "SageMaker.CAPACITY_ERROR" and "SageMaker.RESOURCE_LIMIT")',
        'step "Train" retry policy 3 has expireAfterMin 14401, expected an integer 0-14400',
        'step "Train" retry policy 4 has intervalSeconds 0, expected an integer >= 1',
        'step "Train" retry policy 4 has backoffRate -1, expected a number >= 0',
      ]);
    });
  });

  describe('GIVEN conditions and checks', () => {
    test('WHEN a condition step has no conditions, an empty In or an empty Or THEN render reports each', () => {
      // GIVEN
      const empty = new ConditionStep('Empty', { conditions: [] });
      const check = new ConditionStep('Check', {
        conditions: [Condition.in('a', []), Condition.not(Condition.or())],
      });

      // THEN
      expect(problemsOf(empty, check)).toEqual([
        'condition step "Empty" has no conditions',
        'step "Check" condition 1 is an In condition with no values',
        'step "Check" condition 2 is an Or condition with no conditions',
      ]);
    });

    test('WHEN a model explainability check has no model name THEN render reports it', () => {
      // GIVEN
      const check = new ClarifyCheckStep('Explainability', {
        checkType: 'MODEL_EXPLAINABILITY',
        arguments: processingArguments('analysis_result'),
      });

      // THEN
      expect(problemsOf(check)).toEqual(['step "Explainability" checks MODEL_EXPLAINABILITY and needs a modelName']);
    });
  });

  describe('GIVEN CloudFormation tokens', () => {
    test('WHEN rendered without a scope THEN render reports where the tokens are', () => {
      // GIVEN
      const definition = new PipelineDefinition();
      definition.addParameter(Parameters.string('Bucket', Token.asString({ Ref: 'Bucket' })));
      definition.addStep(
        new TrainingStep('Train', {
          arguments: {
            ...trainingArguments(),
            RoleArn: Token.asString({ 'Fn::GetAtt': ['Role', 'Arn'] }),
            OutputDataConfig: { S3OutputPath: `s3://${Token.asString({ Ref: 'Bucket' })}/models` },
          },
        }),
      );

      // THEN
      expect(problemsOfDefinition(definition)).toEqual([
        'parameter "Bucket" holds unresolved CloudFormation tokens at DefaultValue: render(scope) with a construct of the stack so that they resolve in the template',
        'step "Train" holds unresolved CloudFormation tokens at Arguments.OutputDataConfig.S3OutputPath, Arguments.RoleArn: render(scope) with a construct of the stack so that they resolve in the template',
      ]);
    });
  });

  test('GIVEN several problems WHEN rendered THEN they are thrown once, in one error listing each', () => {
    // GIVEN
    const definition = new PipelineDefinition();
    definition.addStep(fail('bad name'));
    definition.addStep(new ConditionStep('Check', { conditions: [] }));

    // THEN
    expect(() => definition.render()).toThrow(
      'invalid SageMaker pipeline definition (2 problems):\n' +
        '  - step name "bad name" is invalid: expected 1-64 letters, digits, "-" or "_"\n' +
        '  - condition step "Check" has no conditions',
    );
  });

  test('GIVEN a definition without steps WHEN rendered THEN render reports it', () => {
    // THEN
    expect(problemsOfDefinition(new PipelineDefinition())).toEqual(['the definition has no steps']);
  });
});
