import * as path from 'node:path';
import { resolveConfig } from '../../lib/config/loader';
import { DEFAULT_CONFIG_PATH } from '../../lib/vocabulary';
import { parseArgs } from '../../tools/scale-check/cli';
import {
  copyName,
  formatReport,
  LIMITS,
  limitProblems,
  linearityLine,
  measure,
  pipelineNote,
  pipelinesOf,
  type ReportInput,
  type Run,
  runProblems,
  ScaleCheckError,
  type SynthesizedStack,
  scaleConfig,
  scalingProblems,
  synthPhases,
  table,
} from '../../tools/scale-check/measure';
import { threeEnvironmentConfig } from '../support/fixtures';

// The pure parts of npm run check:scale; the synthesis itself is the command's job (.ci/run runs it).

const REPO_ROOT = path.resolve(__dirname, '..', '..');
const PARTITION = 'aws';
const options = { maturity: 4, withPipeline: false, source: DEFAULT_CONFIG_PATH, partitionOf: () => PARTITION };

function usageError(argv: string[]): ScaleCheckError {
  try {
    parseArgs(argv);
  } catch (error) {
    if (error instanceof ScaleCheckError) return error;
    throw error;
  }
  throw new Error(`parseArgs accepted ${argv.join(' ')}`);
}

describe('parseArgs', () => {
  test('GIVEN no arguments THEN 50 models of the default config, without the pipeline', () => {
    expect(parseArgs([])).toEqual({ models: 50, config: DEFAULT_CONFIG_PATH, withPipeline: false, help: false });
  });

  test('GIVEN a count, --config and --with-pipeline THEN each is taken', () => {
    expect(parseArgs(['100', '--config', 'fork.json', '--with-pipeline'])).toMatchObject({
      models: 100,
      config: 'fork.json',
      withPipeline: true,
    });
    expect(parseArgs(['--config=other/acme.json', '7']).config).toBe('other/acme.json');
  });

  test.each(['abc', '0', '1.5', '10000', '-3', '050'])(
    'GIVEN %p as the count THEN a usage error (exit 2) with an example',
    (count) => {
      const error = usageError([count]);
      expect(error.exitCode).toBe(2);
      expect(error.message).toContain(`expected a number of models from 1 to 9999, got ${JSON.stringify(count)}`);
      expect(error.message).toContain('npm run check:scale -- 100');
    },
  );

  test('GIVEN an unknown option, two counts or --config without a path THEN every mistake is named', () => {
    expect(usageError(['--fast']).message).toBe('unknown option --fast');
    expect(usageError(['5', '6']).message).toBe('expected one number of models, got 5 6');
    expect(usageError(['--config']).message).toContain('--config: expected a path');
  });
});

describe('scaleConfig', () => {
  test('GIVEN the reference fixture WHEN scaled to 3 THEN three copies of its first model at the stage, the rest unchanged', () => {
    const input = threeEnvironmentConfig();
    const before = JSON.stringify(input);
    const scaled = scaleConfig(input, 3, options);
    expect(JSON.stringify(input)).toBe(before);
    expect(scaled.sample).toBe('churn');
    expect(scaled.pipeline).toBe('none');
    const models = scaled.input.models as Array<{ name: string; training: { package: string } }>;
    expect(models.map((m) => m.name)).toEqual(['model01', 'model02', 'model03']);
    expect(models.every((m) => m.training.package === 'churn')).toBe(true);
    expect(scaled.input.maturity).toBe(4);
    for (const key of ['environments', 'users', 'tooling', 'featureGroups', 'project'] as const) {
      expect(scaled.input[key]).toEqual(input[key]);
    }
  });

  test('GIVEN a hyphenated model or its own training package THEN the copies train with that package', () => {
    const input = threeEnvironmentConfig();
    input.models = [{ ...(input.models ?? [])[0], name: 'churn-v2' }];
    const hyphen = scaleConfig(input, 1, options).input.models as Array<{ training: { package: string } }>;
    expect(hyphen[0].training.package).toBe('churn_v2');
    input.models = [{ ...(input.models ?? [])[0], training: { package: 'churn' } }];
    const own = scaleConfig(input, 1, options).input.models as Array<{ training: { package: string } }>;
    expect(own[0].training.package).toBe('churn');
  });

  test('GIVEN --with-pipeline and no connection THEN a placeholder connection in the tooling account and region, which the config schema accepts', () => {
    const scaled = scaleConfig(threeEnvironmentConfig(), 2, { ...options, withPipeline: true });
    expect(scaled.pipeline).toBe('placeholder');
    expect((scaled.input.tooling as { connection: unknown }).connection).toEqual({
      connectionArn: `arn:${PARTITION}:codeconnections:eu-west-1:444444444444:connection/00000000-0000-0000-0000-000000000000`,
      repository: 'example/platform',
      branch: 'main',
    });
    expect(pipelineNote(scaled)).toContain('placeholder tooling.connection (--with-pipeline; the config has none)');
    const config = resolveConfig(scaled.input, {}, 'scaled', REPO_ROOT);
    expect(config.config.tooling?.connection?.repository).toBe('example/platform');
  });

  test('GIVEN a partition other than aws THEN the placeholder ARN uses it', () => {
    const input = threeEnvironmentConfig();
    input.tooling = { account: '444444444444', region: 'cn-north-1' };
    const scaled = scaleConfig(input, 1, { ...options, withPipeline: true, partitionOf: () => 'aws-cn' });
    expect((scaled.input.tooling as { connection: { connectionArn: string } }).connection.connectionArn).toMatch(
      /^arn:aws-cn:codeconnections:cn-north-1:444444444444:connection\//,
    );
  });

  test('GIVEN a config with a connection THEN it is kept, with or without --with-pipeline', () => {
    const input = threeEnvironmentConfig();
    const connection = {
      connectionArn: `arn:${PARTITION}:codeconnections:eu-west-1:444444444444:connection/11111111-1111-1111-1111-111111111111`,
      repository: 'acme/ml',
      branch: 'release',
    };
    input.tooling = { account: '444444444444', region: 'eu-west-1', connection };
    for (const withPipeline of [false, true]) {
      const scaled = scaleConfig(input, 1, { ...options, withPipeline });
      expect(scaled.pipeline).toBe('config');
      expect((scaled.input.tooling as { connection: unknown }).connection).toEqual(connection);
    }
  });

  test('GIVEN no model, or --with-pipeline without tooling THEN it refuses with the fix', () => {
    expect(() => scaleConfig({ ...threeEnvironmentConfig(), models: [] }, 5, options)).toThrow(
      /has no model to copy; add one with npm run new-model/,
    );
    const { tooling: _, ...noTooling } = threeEnvironmentConfig();
    expect(() => scaleConfig(noTooling, 5, { ...options, withPipeline: true })).toThrow(
      /--with-pipeline: .* has no tooling account and region/,
    );
  });

  test('copyName pads to two digits and grows past them', () => {
    expect([1, 9, 10, 100, 9999].map(copyName)).toEqual(['model01', 'model09', 'model10', 'model100', 'model9999']);
  });
});

/** A Delivery stack template with one pipeline whose stages hold these numbers of actions. */
function deliveryStack(actionsPerStage: Record<string, number>): SynthesizedStack {
  return {
    id: 'Delivery',
    group: 'tooling',
    template: {
      Resources: {
        Pipeline9850B417: {
          Type: 'AWS::CodePipeline::Pipeline',
          Properties: {
            Name: 'mlops-delivery',
            Stages: Object.entries(actionsPerStage).map(([Name, n]) => ({
              Name,
              Actions: Array.from({ length: n }, (_, i) => ({ Name: `a${i}` })),
            })),
          },
        },
      },
    },
  };
}

function stackOf(id: string, group: string, resources: number, policyCharacters = 0): SynthesizedStack {
  const entries: Array<[string, { Type: string; Properties?: Record<string, unknown> }]> = Array.from(
    { length: resources },
    (_, i) => [`Topic${i}`, { Type: 'AWS::SNS::Topic' }],
  );
  if (policyCharacters > 0) {
    // {"Statement":"xxx"}: 16 characters around the value
    const document = { Statement: 'x'.repeat(policyCharacters - 16) };
    entries.push(['Policy', { Type: 'AWS::IAM::ManagedPolicy', Properties: { PolicyDocument: document } }]);
  }
  return { id, group, template: { Resources: Object.fromEntries(entries) } };
}

describe('measure and limitProblems', () => {
  test('GIVEN a Delivery template THEN the actions of each pipeline stage are read from Stages[].Actions', () => {
    expect(pipelinesOf(deliveryStack({ Source: 1, Build: 1, Dev: 42 }))).toEqual([
      {
        id: 'Delivery/Pipeline9850B417',
        name: 'mlops-delivery',
        stages: [
          { name: 'Source', actions: 1 },
          { name: 'Build', actions: 1 },
          { name: 'Dev', actions: 42 },
        ],
      },
    ]);
  });

  test('GIVEN stacks of environments and tooling THEN stacks per group, the largest of each measure and the busiest stage', () => {
    const m = measure(
      [
        stackOf('Dev/Network', 'dev', 12),
        stackOf('Dev/Model-a', 'dev', 30, 900),
        stackOf('Prod/Model-a', 'prod', 5),
        deliveryStack({ Source: 1, Dev: 20, Prod: 21 }),
      ],
      [],
    );
    expect(m.stacksPerGroup).toEqual([
      { group: 'dev', stacks: 2 },
      { group: 'prod', stacks: 1 },
      { group: 'tooling', stacks: 1 },
    ]);
    expect(m.stacks).toBe(4);
    expect(m.largestResources).toEqual({ id: 'Dev/Model-a', value: 31 });
    expect(m.largestPolicy).toEqual({ id: 'Dev/Model-a/Policy', value: 900 });
    expect(m.busiestStage).toEqual({ id: 'mlops-delivery / Prod', value: 21 });
    expect(limitProblems(m)).toEqual([]);
  });

  test('GIVEN 50 actions in a stage THEN within the limit; 51 THEN a problem naming the pipeline and stage', () => {
    expect(limitProblems(measure([deliveryStack({ Dev: LIMITS.actionsPerPipelineStage })], []))).toEqual([]);
    expect(limitProblems(measure([deliveryStack({ Dev: 51 })], []))).toEqual([
      "mlops-delivery: stage Dev has 51 actions (CodePipeline's limit 50 per stage)",
    ]);
  });

  test('GIVEN more than 50 stages or 500 actions in a pipeline THEN a problem each', () => {
    const stages = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`S${i}`, 10]));
    expect(limitProblems(measure([deliveryStack(stages)], []))).toEqual([
      "mlops-delivery: 51 stages (CodePipeline's limit 50 per pipeline)",
      "mlops-delivery: 510 actions (CodePipeline's limit 500 per pipeline)",
    ]);
  });

  test('GIVEN too many resources, a large policy and validation findings THEN one problem each', () => {
    const problems = limitProblems(
      measure([stackOf('Dev/Big', 'dev', 401), stackOf('Dev/Policy', 'dev', 1, 6145)], ['AwsSolutions-IAM5 at Dev/X']),
    );
    expect(problems).toEqual([
      'Dev/Big: 401 resources (limit 400)',
      'Dev/Policy/Policy: policy of 6145 characters (limit 6144)',
      'validation: AwsSolutions-IAM5 at Dev/X',
    ]);
  });
});

describe('formatReport', () => {
  const synthesized = (models: number, seconds: number, stacks: SynthesizedStack[]): Run => ({
    outcome: 'synthesized',
    models,
    seconds,
    cpuSeconds: seconds * 2,
    peakRssBytes: 600 * 1024 * 1024,
    measurement: measure(stacks, []),
  });
  const report = (scaled: Run, baseline: Run): ReportInput => ({
    config: DEFAULT_CONFIG_PATH,
    maturity: 4,
    environments: ['dev', 'prod'],
    sample: 'churn',
    pipelineNote: 'delivery pipeline: not configured',
    warmupSeconds: 12,
    baseline,
    scaled,
  });

  test('GIVEN two synthesized runs THEN a table of both against the limits, the time ratio and the cost per model', () => {
    const baseline = synthesized(1, 2, [stackOf('Dev/A', 'dev', 10), stackOf('Prod/A', 'prod', 10)]);
    const scaled = synthesized(11, 12, [stackOf('Dev/A', 'dev', 10), stackOf('Dev/B', 'dev', 20)]);
    const lines = formatReport(report(scaled, baseline));
    expect(lines[0]).toBe(
      `scale check: ${DEFAULT_CONFIG_PATH} at stage 4, 2 environments (dev, prod), model "churn" copied 11 times`,
    );
    expect(lines).toContainEqual(expect.stringMatching(/^ {2}stacks\s+2\s+2$/));
    expect(lines).toContainEqual(expect.stringMatching(/^ {4}prod\s+1\s+0$/));
    expect(lines).toContainEqual(expect.stringMatching(/^ {2}largest template, resources\s+10\s+20\s+400$/));
    expect(lines).toContainEqual(expect.stringMatching(/^ {2}peak RSS\s+600 MB\s+600 MB$/));
    expect(lines).toContain(
      'time: synthesizing 11 models took 6.0x the time of 1 model (12.0 s / 2.0 s), 1.00 s per added model; CPU time 6.0x (target 6x: met)',
    );
    expect(lines.some((l) => l.includes('delivery pipeline stages'))).toBe(false);
  });

  test('GIVEN CDK phase counters THEN each phase has a row, and each added model its cost per phase', () => {
    // GIVEN CDK's counters (milliseconds) of one model and of eleven
    const counters = (ms: number) => ({
      'phase:Load': 1000,
      'phase:Construction': 2000 + ms,
      'bundle:NodejsFunction': 500,
      'phase:Synthesis': 1000 + 3 * ms,
      validateTemplates: 500 + 2 * ms,
      'CloudFormationValidate.validate': 200 + ms,
    });
    const baseline = { ...synthesized(1, 5, [stackOf('Dev/A', 'dev', 10)]), phases: synthPhases(counters(0)) };
    const scaled = { ...synthesized(11, 45, [stackOf('Dev/A', 'dev', 10)]), phases: synthPhases(counters(10000)) };

    // WHEN
    const lines = formatReport(report(scaled, baseline));

    // THEN
    expect(lines).toContainEqual(expect.stringMatching(/^ {4}loading the modules\s+1\.0\s+1\.0$/));
    expect(lines).toContainEqual(expect.stringMatching(/^ {4}building the constructs\s+2\.0\s+12\.0$/));
    expect(lines).toContainEqual(expect.stringMatching(/^ {6}of which template validation\s+0\.2\s+10\.2$/));
    expect(lines).toContainEqual(expect.stringMatching(/^ {6}of which compliance packs, etc\.\s+0\.3\s+10\.3$/));
    expect(lines).toContain(
      '  each added model: 1.00 s building, 1.00 s synthesizing, 1.00 s template validation, 1.00 s compliance packs, etc.',
    );
  });

  test('GIVEN counters without the phases (the app stopped before it synthesized) THEN there are no phases', () => {
    expect(synthPhases({ 'phase:Load': 1000 })).toBeUndefined();
  });

  test('GIVEN a refused run THEN its cells say so, its time is the time to the refusal, and it is a problem', () => {
    const baseline = synthesized(1, 2, [stackOf('Dev/A', 'dev', 10), deliveryStack({ Source: 1, Dev: 22 })]);
    const refused: Run = {
      outcome: 'refused',
      models: 20,
      seconds: 5,
      cpuSeconds: 6,
      peakRssBytes: 0,
      message: 'invalid',
      templatesLeft: 0,
    };
    const lines = formatReport(report(refused, baseline));
    expect(lines).toContainEqual(expect.stringMatching(/^ {2}stacks\s+2\s+refused$/));
    expect(lines).toContainEqual(expect.stringMatching(/^ {2}most actions in one pipeline stage\s+22\s+-\s+50$/));
    expect(lines).toContainEqual(expect.stringMatching(/^ {2}synth seconds\s+2\.0\s+5\.0 \(refused\)$/));
    expect(lines).toContain('time: refusing 20 models took 2.5x the time of 1 model (5.0 s / 2.0 s); CPU time 1.5x');
    expect(lines).toContainEqual(expect.stringMatching(/^ {2}synth CPU seconds\s+4\.0\s+6\.0$/));
    expect(lines).toContain('delivery pipeline mlops-delivery (1 model): 2 stages, 23 actions');
    expect(runProblems(refused)).toEqual(['synth refused 20 models (5.0 s to the refusal)']);
  });

  test('GIVEN a refusal that left templates behind THEN that is a problem of its own', () => {
    const refused: Run = {
      outcome: 'refused',
      models: 20,
      seconds: 5,
      cpuSeconds: 6,
      peakRssBytes: 0,
      message: 'invalid',
      templatesLeft: 3,
    };
    expect(runProblems(refused)).toEqual([
      'synth refused 20 models (5.0 s to the refusal)',
      'the refusal left 3 templates behind; it must write none',
    ]);
  });

  test('table pads the first column to the left and the others to the right', () => {
    expect(
      table([
        ['a', '1', 'limit'],
        ['longer', '100', ''],
      ]),
    ).toEqual(['  a          1   limit', '  longer   100']);
  });
});

describe('scalingProblems', () => {
  /** A run of `models` with, per group, shared stacks of 10 resources and one stack of `perModel` resources a model. */
  const run = (
    models: number,
    seconds: number,
    shared: Record<string, number>,
    perModel: (n: number) => number = () => 10,
  ): Run => ({
    outcome: 'synthesized',
    models,
    seconds,
    cpuSeconds: seconds,
    peakRssBytes: 0,
    measurement: measure(
      Object.entries(shared).flatMap(([group, n]) => [
        ...Array.from({ length: n }, (_, i) => stackOf(`${group}/Shared${i}`, group, 10)),
        ...Array.from({ length: models }, (_, i) => stackOf(`${group}/Model${i}`, group, perModel(i))),
      ]),
      [],
    ),
  });

  const synthesizedRun = (models: number, seconds: number) => ({
    outcome: 'synthesized' as const,
    models,
    seconds,
    cpuSeconds: seconds,
    peakRssBytes: 0,
  });

  test('GIVEN shared stacks plus one per model, each model adding the same at every size THEN nothing is wrong', () => {
    // GIVEN
    const baseline = run(1, 10, { dev: 6, prod: 6 });
    const half = run(50, 80, { dev: 6, prod: 6 });
    const scaled = run(100, 150, { dev: 6, prod: 6 });

    // THEN
    expect(scalingProblems(baseline, scaled, half)).toEqual([]);
  });

  test('GIVEN a second half slower by the clock only THEN nothing is wrong: time is printed, not checked', () => {
    // GIVEN 1 second per model in the first half, then 2: the machine, since each model adds the same
    const baseline = run(1, 10, { dev: 6 });
    const half = run(50, 59, { dev: 6 });
    const scaled = { ...run(100, 109, { dev: 6 }), seconds: 159 };

    // THEN
    expect(scalingProblems(baseline, scaled, half)).toEqual([]);
    expect(linearityLine(baseline, half, scaled)).toBe(
      'linearity: 50 models took 59.0 s; each model cost 1.00 s (1.00 CPU s) from 1 to 50 and 2.00 s (1.00 CPU s) from 50 to 100; each added 10 resources and 0.4 KB of templates in both halves',
    );
  });

  test('GIVEN models whose stacks grow with the number of models THEN each figure that grows is named', () => {
    // GIVEN the n-th model's stack holds n resources (say, one per model before it)
    const grows = (n: number) => n + 1;
    const baseline = run(1, 10, { dev: 6 }, grows);
    const half = run(50, 60, { dev: 6 }, grows);
    const scaled = run(100, 110, { dev: 6 }, grows);

    // THEN
    expect(scalingProblems(baseline, scaled, half)).toEqual([
      'each model from 50 to 100 added 76 resources, 2.90x the 26 of each from 1 to 50 (at most 1.1x): what is built grows faster than the models',
      expect.stringMatching(
        /^each model from 50 to 100 added \d+ template bytes, 2\.\d\dx the \d+ of each from 1 to 50/,
      ),
    ]);
  });

  test('GIVEN a model that adds two stacks THEN the stack count is wrong', () => {
    const baseline = run(1, 10, { dev: 6 });
    const doubled: Run = {
      ...synthesizedRun(100, 500),
      measurement: measure(
        Array.from({ length: 205 }, (_, i) => stackOf(`dev/S${i}`, 'dev', 1)),
        [],
      ),
    };
    expect(scalingProblems(baseline, doubled)).toEqual([
      'dev: 205 stacks for 100 models, expected 106 (6 shared stacks and one per model)',
    ]);
  });

  test('GIVEN CDK phase counters THEN the linearity line says what template validation took in each half', () => {
    const phased = (r: Run, validation: number): Run => ({
      ...r,
      phases: { load: 1, construction: 1, bundling: 0, synthesis: 1, validation, templateValidation: validation },
    });
    const line = linearityLine(
      phased(run(1, 10, { dev: 6 }), 1),
      phased(run(50, 59, { dev: 6 }), 25.5),
      phased(run(100, 109, { dev: 6 }), 55.5),
    );
    expect(line).toContain('1.00 s (1.00 CPU s, 0.50 s of it template validation) from 1 to 50');
    expect(line).toContain('1.00 s (1.00 CPU s, 0.60 s of it template validation) from 50 to 100');
  });

  test('GIVEN no run at half the models THEN only the stack counts are checked', () => {
    expect(scalingProblems(run(1, 10, { dev: 6 }), run(100, 500, { dev: 6 }))).toEqual([]);
  });
});
