import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { type ConfigOverrides, loadConfig, resolveConfig } from '../../lib/config/loader';
import { MAX_MODELS } from '../../lib/config/models';
import type { PlatformConfigInput } from '../../lib/config/schema';
import { problemsOf } from '../support/config';
import { devProdConfig, threeEnvironmentConfig } from '../support/fixtures';
import { REPO_ROOT } from '../support/platform';

/** The reference fixture (dev, test, prod, the churn model), resolved as synth resolves a config file. */
const reference = (overrides: Omit<ConfigOverrides, 'config'> = {}) =>
  resolveConfig(threeEnvironmentConfig(), overrides, 'config', REPO_ROOT);

const folders: string[] = [];
afterAll(() => {
  for (const dir of folders) rmSync(dir, { recursive: true, force: true });
});

/** A temporary folder holding `files` (relative path to content), removed after the tests. */
function folderWith(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'platform-config-'));
  folders.push(dir);
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), content);
  }
  return dir;
}

const env = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  account: '111111111111',
  region: 'eu-west-1',
  ...extra,
});

describe('the reference config', () => {
  test('resolves dev, test and prod at stage 1 in three accounts of one region', () => {
    // WHEN
    const config = reference();

    // THEN
    expect(config.environments.map((e) => [e.stageId, e.kind, e.maturity.effective])).toEqual([
      ['Dev', 'dev', 1],
      ['Test', 'test', 1],
      ['Prod', 'prod', 1],
    ]);
    expect(new Set(config.environments.map((e) => e.account)).size).toBe(3);
    expect(new Set(config.environments.map((e) => e.region)).size).toBe(1);
  });

  test('applies the kind defaults: prod retains data and is protected, dev is disposable', () => {
    const [dev, , prod] = reference().environments;
    expect(dev?.settings).toMatchObject({ removalPolicy: 'destroy', terminationProtection: false });
    expect(prod?.settings).toMatchObject({
      removalPolicy: 'retain',
      terminationProtection: true,
      requireApproval: true,
    });
  });
});

describe('a bad config', () => {
  test('names the account, the unknown key and the maturity, each by field path', () => {
    // GIVEN
    const input = { ...threeEnvironmentConfig(), maturity: 7, bogusKey: true } as PlatformConfigInput;
    input.environments = [env('dev', { account: '12345' })];

    // WHEN
    const problems = problemsOf(() => resolveConfig(input));

    // THEN
    expect(problems).toEqual(
      expect.arrayContaining([
        'environments[0].account: expected a 12-digit account id, got "12345"',
        'bogusKey: unknown key; remove it or check its spelling',
        'maturity: expected a maturity stage from 1 to 5, got 7',
      ]),
    );
    expect(problems).toHaveLength(3);
  });

  test('an empty object says which fields are required', () => {
    expect(problemsOf(() => resolveConfig({}))).toEqual([
      'project: is required (expected a string)',
      'environments: is required (expected an array)',
    ]);
  });

  test('something that is not an object is rejected as such', () => {
    expect(problemsOf(() => resolveConfig([]))).toEqual(['(root): expected a JSON object, got an empty array']);
  });

  test('a missing config file names the path and how to pass one', () => {
    const problems = problemsOf(() => loadConfig({ config: 'no/such/file.json' }, folderWith({})));
    expect(problems[0]).toMatch(/^-c config: file not found: .*no\/such\/file\.json; pass the path of a JSON config/);
  });

  test('duplicate environment names, an unknown kind and an underivable kind are all listed', () => {
    const problems = problemsOf(() =>
      resolveConfig({ project: 'acme', environments: [env('dev'), env('dev'), env('staging')] }),
    );
    expect(problems).toEqual([
      'environments[1].name: duplicate environment name "dev" (also environments[0])',
      'environments[2].kind: cannot tell the kind from the name "staging"; set kind to "dev", "test" or "prod"',
    ]);
  });

  test('a capability switched on without its prerequisite is rejected for each environment', () => {
    const problems = problemsOf(() =>
      resolveConfig({ project: 'acme', environments: [env('dev')], capabilities: { modelMonitoring: true } }),
    );
    expect(problems).toEqual([
      'capabilities.modelMonitoring: needs realtimeServing, trainingPipeline in environment "dev" (stage 1); raise its maturity or switch those on too',
    ]);
  });

  test('switching off a capability that the stage includes is rejected', () => {
    const problems = problemsOf(() =>
      resolveConfig({ project: 'acme', environments: [env('dev')], capabilities: { workbench: false } }),
    );
    expect(problems[0]).toMatch(/^capabilities\.workbench: cannot switch off a capability of stage 1/);
  });

  test('users must name known environments and be unique', () => {
    const problems = problemsOf(() =>
      resolveConfig({
        project: 'acme',
        environments: [env('dev')],
        users: [
          { name: 'ana', persona: 'data-scientist', environments: ['qa'] },
          { name: 'ana', persona: 'data-engineer' },
        ],
      }),
    );
    expect(problems).toEqual([
      'users[1].persona: expected one of "data-scientist", "ml-engineer", "model-approver", got string "data-engineer"',
    ]);
  });

  test('users referring to unknown environments are reported after the schema passes', () => {
    const problems = problemsOf(() =>
      resolveConfig({
        project: 'acme',
        environments: [env('dev')],
        users: [
          { name: 'ana', persona: 'data-scientist', environments: ['qa'] },
          { name: 'ana', persona: 'ml-engineer' },
        ],
      }),
    );
    expect(problems).toEqual([
      'users[0].environments[0]: unknown environment "qa"; expected one of dev',
      'users[1].name: duplicate user name "ana" (also users[0])',
    ]);
  });
});

test('a VPC CIDR too small for one /20 subnet per availability zone is rejected by field', () => {
  const problems = problemsOf(() =>
    resolveConfig({ project: 'acme', environments: [env('dev', { network: { cidr: '10.0.0.0/21' } })] }),
  );
  expect(problems).toEqual([
    'environments[0].network.cidr: a /21 VPC cannot hold 2 subnets of /20; use /19 or larger, got "10.0.0.0/21"',
  ]);
});

describe('command-line overrides', () => {
  test('-c maturity sets the stage of every environment', () => {
    const config = reference({ maturity: '5' });
    expect(config.environments.every((e) => e.maturity.requested === 5)).toBe(true);
    // the notification warnings have their own tests (test/config/notifications.test.ts)
    expect(config.warnings.filter((w) => !w.includes('.notifications:'))).toEqual([
      'the delivery pipeline (stage 4) is left out: tooling.connection (connection ARN, repository, branch) is not configured; see docs/delivery.md',
    ]);
  });

  test('a model feature group below stage 4 is named in one warning: its pipeline trains on the raw data', () => {
    expect(reference({ maturity: '3' }).warnings).toContain(
      'models[0].featureGroup: dev, test, prod have no feature store below stage 4, so the pipeline of "churn" trains on the raw data there',
    );
    expect(reference({ maturity: '4' }).warnings.filter((w) => w.includes('featureGroup'))).toEqual([]);
  });

  test('-c maturity outside 1-5 is rejected', () => {
    expect(problemsOf(() => reference({ maturity: '0' }))).toEqual([
      '-c maturity: expected a maturity stage from 1 to 5, got "0"',
    ]);
  });

  test('-c environments selects environments and rejects unknown names', () => {
    expect(reference({ environments: 'dev,prod' }).environments.map((e) => e.name)).toEqual(['dev', 'prod']);
    expect(problemsOf(() => reference({ environments: 'dev,qa' }))).toEqual([
      '-c environments: unknown environment "qa"; expected one of dev, test, prod',
    ]);
  });

  test('an environment kind and settings override the defaults of the name', () => {
    const config = resolveConfig({
      project: 'acme',
      environments: [env('staging', { kind: 'prod', settings: { logRetentionDays: 731 } })],
    });
    expect(config.environments[0]?.settings).toMatchObject({ removalPolicy: 'retain', logRetentionDays: 731 });
  });
});

describe('models', () => {
  const churn = (extra: Record<string, unknown> = {}) => ({ name: 'churn', ...extra });
  const threeEnvironments = [env('dev'), env('test'), env('prod')];

  test('the reference config has the churn sample: one instance in dev and test, two to four in prod', () => {
    const [dev, test, prod] = reference().environments.map((e) => e.models[0]);
    // the sample turns dev's serverless default off: from stage 3 its versions are two-container pipelines
    expect(dev).toMatchObject({ name: 'churn', realtime: true, serving: { kind: 'instances', minInstances: 1 } });
    expect(dev?.deployment).toBeUndefined();
    expect(test?.serving).toMatchObject({ kind: 'instances', minInstances: 1, maxInstances: 1 });
    expect(prod?.serving).toMatchObject({ kind: 'instances', minInstances: 2, maxInstances: 4 });
    expect(prod?.deployment).toMatchObject({ trafficRouting: 'CANARY' });
    expect(prod?.batch).toMatchObject({ schedule: 'cron(0 3 * * ? *)', outputPrefix: 'scores/churn/' });
  });

  test('dev serves serverless by default, which stage 2 allows and stage 3 refuses, naming the field and the fix', () => {
    // GIVEN a real-time model with no serving shape for dev
    const input = { project: 'acme', environments: threeEnvironments, models: [churn()] };

    // WHEN resolved at stage 2 THEN dev is serverless
    const [dev] = resolveConfig(input, { maturity: 2 }).environments.map((e) => e.models[0]);
    expect(dev?.serving.kind).toBe('serverless');

    // WHEN resolved at stage 3 THEN it is refused: the pipeline registers two-container versions
    expect(problemsOf(() => resolveConfig(input, { maturity: 3 }, 'config', REPO_ROOT))).toEqual([
      'models[0].environments.dev.serverless: from stage 3 the training pipeline registers each version as an inference pipeline of two containers, which serverless endpoints cannot host; set "serverless": false for dev (one ml.m5.large instance unless instanceType says otherwise)',
    ]);
  });

  test('GIVEN more models than the Registry stack holds WHEN resolved THEN it is refused, with the count, the limit and the fix', () => {
    // GIVEN 191 models, one more than MAX_MODELS
    const models = Array.from({ length: MAX_MODELS + 1 }, (_, i) => churn({ name: `m${i + 1}` }));

    // WHEN
    const problems = problemsOf(() => resolveConfig({ project: 'acme', environments: threeEnvironments, models }));

    // THEN
    expect(problems).toEqual([
      "models: 191 models, above the 190 one config holds (each adds a model package group and an approved-version parameter to the Registry stack of every environment, which must stay under CloudFormation's 500 resources); split the models across several platform configs, each with its own project",
    ]);
  });

  test('an environment override changes only that environment', () => {
    const config = resolveConfig({
      project: 'acme',
      environments: threeEnvironments,
      models: [churn({ environments: { test: { serverless: true, serverlessMemoryMb: 4096 } } })],
    });
    expect(config.environments[1]?.models[0]?.serving).toEqual({
      kind: 'serverless',
      memorySizeInMb: 4096,
      maxConcurrency: 5,
    });
    expect(config.environments[2]?.models[0]?.serving.kind).toBe('instances');
  });

  test('prod below two instances, a serverless prod, an unknown environment and a missing batch are rejected', () => {
    const problems = problemsOf(() =>
      resolveConfig({
        project: 'acme',
        environments: threeEnvironments,
        models: [
          churn({ environments: { prod: { minInstances: 1 }, qa: {} } }),
          { name: 'fraud', serving: 'both', environments: { prod: { serverless: true } } },
        ],
      }),
    );
    expect(problems).toEqual([
      'models[0].environments.prod.minInstances: prod needs at least 2 instances to span availability zones, got 1',
      'models[0].environments.qa: unknown environment "qa"; expected one of dev, test, prod',
      'models[1].batch: required when serving is "both"; add a schedule and inputPrefix',
      'models[1].environments.prod.serverless: prod serves from instances across availability zones; remove it',
    ]);
  });

  test('a malformed instance type, image URI and batch prefix are reported by field', () => {
    const problems = problemsOf(() =>
      resolveConfig({
        project: 'acme',
        environments: threeEnvironments,
        models: [
          churn({
            container: { imageUri: 'my-image:latest' },
            environments: { test: { instanceType: 'm5.large' } },
            serving: 'batch',
            batch: { schedule: 'daily', inputPrefix: '/in' },
          }),
        ],
      }),
    );
    expect(problems).toEqual(
      expect.arrayContaining([
        'models[0].container.imageUri: expected an ECR image URI with a tag or digest, got "my-image:latest"',
        'models[0].environments.test.instanceType: expected a SageMaker instance type such as "ml.m5.large", got "m5.large"',
        'models[0].batch.schedule: "daily" is not an EventBridge Scheduler expression; use "cron(minutes hours day-of-month month day-of-week year)", "rate(N minutes|hours|days)" or "at(yyyy-mm-ddThh:mm:ss)", for example "cron(0 3 * * ? *)"',
        'models[0].batch.inputPrefix: expected a prefix of the curated bucket: lowercase path segments ending with "/", got "/in"',
      ]),
    );
  });
});

describe('model settings that would fail later or do nothing', () => {
  test('are rejected by field: a too-long batch name, instance settings on serverless, serverless settings on instances', () => {
    const problems = problemsOf(() =>
      resolveConfig({
        project: 'averylongproject',
        environments: [env('development', { kind: 'dev' }), env('prod')],
        models: [
          {
            name: 'customer-lifetime-value',
            serving: 'both',
            batch: { schedule: 'rate(1 day)', inputPrefix: 'in/' },
            environments: { development: { minInstances: 2 }, prod: { serverlessMemoryMb: 2048 } },
          },
        ],
      }),
    );
    expect(problems).toEqual([
      'models[0].name: "customer-lifetime-value" makes batch job names too long in some environment (53 of 51 characters before the run id); shorten the model or project name',
      'models[0].environments.development.minInstances: has no effect on a serverless endpoint; remove it or change serverless',
      'models[0].environments.prod.serverlessMemoryMb: has no effect on an instance-based endpoint; remove it or change serverless',
    ]);
  });
});

describe('a config file', () => {
  const config = JSON.stringify(threeEnvironmentConfig(), null, 2);

  test('GIVEN an unexpected token WHEN loaded THEN the problem gives line:column and quotes the line', () => {
    // GIVEN a value without quotes on line 4
    const text = '{\n  "project": "acme",\n  "environments": [\n    {"name": dev}\n  ]\n}\n';
    const dir = folderWith({ 'broken.json': text });

    // WHEN
    const problems = problemsOf(() => loadConfig({ config: 'broken.json' }, dir));

    // THEN
    expect(problems).toEqual([
      `(file) broken.json:4:14: not valid JSON (unexpected token 'd'); line 4 reads: {"name": dev}`,
    ]);
  });

  test('GIVEN a trailing comma WHEN loaded THEN the position of the parse error becomes line:column', () => {
    const text = '{\n  "project": "acme",\n}\n';
    const problems = problemsOf(() => loadConfig({ config: 'trailing.json' }, folderWith({ 'trailing.json': text })));
    expect(problems).toEqual([
      '(file) trailing.json:3:1: not valid JSON (expected double-quoted property name); line 3 reads: }',
    ]);
  });

  test('GIVEN a cut-off file WHEN loaded THEN the problem points at its end', () => {
    const problems = problemsOf(() =>
      loadConfig({ config: 'cut.json' }, folderWith({ 'cut.json': '{\n  "project": ' })),
    );
    expect(problems).toEqual([
      '(file) cut.json:2:13: not valid JSON (unexpected end of JSON input); line 2 reads: "project":',
    ]);
  });

  test('GIVEN a config in another folder and no lock beside it WHEN loaded THEN the warning names the lock command with --config', () => {
    // GIVEN
    const dir = folderWith({ 'conf/acme.json': config });

    // WHEN
    const { warnings } = loadConfig({ config: 'conf/acme.json' }, dir);

    // THEN
    expect(warnings).toContain(
      'featureGroups: there is no conf/feature-groups.lock.json, so nothing guards the create-only parts of the feature groups; run npm run feature-groups:lock -- --config conf/acme.json and commit the file',
    );
  });

  test('GIVEN a broken lock beside the config WHEN loaded THEN the problem says how to restore it', () => {
    const dir = folderWith({ 'conf/acme.json': config, 'conf/feature-groups.lock.json': '{ "version": 1,' });
    expect(problemsOf(() => loadConfig({ config: 'conf/acme.json' }, dir))).toEqual([
      expect.stringMatching(
        /^conf\/feature-groups\.lock\.json: not valid JSON: .*; restore it from version control or rerun npm run feature-groups:lock -- --config conf\/acme\.json$/,
      ),
    ]);
  });
});

describe('schedules', () => {
  const withModel = (change: (model: Record<string, unknown>) => void) => {
    const input = threeEnvironmentConfig();
    const model = input.models?.[0] as Record<string, unknown>;
    change(model);
    return input;
  };

  test('GIVEN a batch schedule with minute 61 WHEN resolved THEN the problem names the minute and its range', () => {
    const input = withModel((m) => {
      m.batch = { schedule: 'cron(61 3 * * ? *)', inputPrefix: 'batch-input/churn/' };
    });
    expect(problemsOf(() => resolveConfig(input))).toEqual([
      'models[0].batch.schedule: "cron(61 3 * * ? *)" has minute 61; minutes go from 0 to 59',
    ]);
  });

  test('GIVEN a five-field retraining cron WHEN resolved THEN the problem asks for six fields with an example', () => {
    const input = withModel((m) => {
      m.retraining = { schedule: 'cron(0 3 * * *)' };
    });
    expect(problemsOf(() => resolveConfig(input))).toEqual([
      'models[0].retraining.schedule: "cron(0 3 * * *)" has 5 fields; EventBridge Scheduler cron needs 6: minutes hours day-of-month month day-of-week year, for example "cron(0 3 * * ? *)"',
    ]);
  });

  test('GIVEN a Model Monitor schedule at minute 30 WHEN resolved THEN the problem lists the forms Model Monitor takes', () => {
    const input = withModel((m) => {
      m.monitoring = {
        features: ['tenure_months'],
        dataQualitySchedule: 'cron(30 * ? * * *)',
        bias: { schedule: 'rate(1 day)' },
      };
    });
    expect(problemsOf(() => resolveConfig(input))).toEqual([
      expect.stringMatching(
        /^models\[0\]\.monitoring\.dataQualitySchedule: "cron\(30 \* \? \* \* \*\)" has minute "30"; Model Monitor runs on the hour/,
      ),
      expect.stringMatching(
        /^models\[0\]\.monitoring\.bias\.schedule: "rate\(1 day\)" is not a cron expression; Model Monitor takes only/,
      ),
    ]);
  });

  test('GIVEN mlflowStopSchedule "none" or a rate WHEN resolved THEN both are accepted; a plural rate of 1 is not', () => {
    const input = threeEnvironmentConfig();
    const [dev, test] = input.environments;
    Object.assign(dev ?? {}, { settings: { mlflowStopSchedule: 'none' } });
    Object.assign(test ?? {}, { settings: { mlflowStopSchedule: 'rate(12 hours)' } });
    expect(resolveConfig(input).environments.map((e) => e.settings.mlflowStopSchedule)).toEqual([
      'none',
      'rate(12 hours)',
      'none',
    ]);
    Object.assign(test ?? {}, { settings: { mlflowStopSchedule: 'rate(1 hours)' } });
    expect(problemsOf(() => resolveConfig(input))).toEqual([
      'environments[1].settings.mlflowStopSchedule: "rate(1 hours)" has a value of 1 with the plural "hours"; write "rate(1 hour)"',
    ]);
  });
});

describe('monitored features of a model with a feature group', () => {
  test('GIVEN features outside the group, its record identifier and a duplicate WHEN resolved THEN each is named with the allowed names', () => {
    // GIVEN
    const input = threeEnvironmentConfig();
    const model = input.models?.[0] as Record<string, unknown>;
    model.monitoring = { features: ['tenure_months', 'customer_id', 'tenure', 'tenure_months'] };

    // WHEN
    const problems = problemsOf(() => resolveConfig(input));

    // THEN
    const allowed =
      'tenure_months, monthly_charges, total_charges, contract, payment_method, internet_service, support_calls, churned';
    expect(problems).toEqual([
      `models[0].monitoring.features[1]: "customer_id" is the record identifier of feature group "churn-customers", not a model input; remove it, or use one of ${allowed}`,
      `models[0].monitoring.features[2]: "tenure" is not a feature of feature group "churn-customers"; expected one of ${allowed}`,
      'models[0].monitoring.features[3]: duplicate feature "tenure_months" (also monitoring.features[0]); remove one',
    ]);
  });
});

describe('the delivery pipeline without a test environment that trains', () => {
  // a config names its connection as a literal ARN; the partition is spelled apart only for the linter
  const partition = 'aws';
  const connection = {
    connectionArn: `arn:${partition}:codeconnections:us-east-1:555555555555:connection/0123abcd-0123-4567-89ab-0123456789ab`,
    repository: 'acme/mlops-platform',
  };
  const warning =
    'the delivery pipeline has no test environment that trains the models, so it releases to prod without the training check (tooling.acceptNoTestTraining: false); add a test environment, or set tooling.acceptNoTestTraining to true to accept this';

  test('GIVEN dev and prod at stage 4 with a connection WHEN resolved THEN synth warns and names the flag', () => {
    const input = { ...devProdConfig(), tooling: { account: '555555555555', region: 'us-east-1', connection } };
    expect(resolveConfig(input, { maturity: 4 }, 'config', REPO_ROOT).warnings).toContain(warning);
  });

  test('GIVEN tooling.acceptNoTestTraining true WHEN resolved THEN there is no warning', () => {
    const tooling = { account: '555555555555', region: 'us-east-1', connection, acceptNoTestTraining: true };
    const input = { ...devProdConfig(), tooling };
    expect(resolveConfig(input, { maturity: 4 }, 'config', REPO_ROOT).warnings).not.toContain(warning);
  });

  test('GIVEN a test environment that trains WHEN resolved THEN there is no warning; nor without a connection', () => {
    const input = threeEnvironmentConfig();
    expect(resolveConfig(input, { maturity: 4 }, 'config', REPO_ROOT).warnings).not.toContain(warning);
    input.tooling = { account: '444444444444', region: 'eu-west-1', connection };
    expect(resolveConfig(input, { maturity: 4 }, 'config', REPO_ROOT).warnings).not.toContain(warning);
    expect(resolveConfig(devProdConfig(), { maturity: 4 }, 'config', REPO_ROOT).warnings).not.toContain(warning);
  });
});

describe('containers', () => {
  test('GIVEN the sklearn framework WHEN resolved THEN it is accepted; xgboost stays the default', () => {
    const input = threeEnvironmentConfig();
    input.models = [{ name: 'upsell', container: { framework: 'sklearn', version: '1.2-1' } }, { name: 'churn' }];
    const models = resolveConfig(input, { maturity: 2 }).environments[0]?.models;
    expect(models?.map((m) => m.container)).toEqual([
      { framework: 'sklearn', version: '1.2-1' },
      { framework: 'xgboost', version: '1.7-1' },
    ]);
  });

  test('GIVEN an unknown framework WHEN resolved THEN the problem lists the frameworks', () => {
    const input = threeEnvironmentConfig();
    input.models = [{ name: 'upsell', container: { framework: 'pytorch', version: '2.1' } as never }];
    expect(problemsOf(() => resolveConfig(input))).toEqual([
      'models[0].container.framework: expected one of "xgboost", "sklearn", got string "pytorch"',
    ]);
  });
});

describe('settings that are certainly mistakes', () => {
  test('GIVEN a batch output inside the batch input WHEN resolved THEN the problem says the runs would score their scores', () => {
    const input = threeEnvironmentConfig();
    const model = input.models?.[0] as Record<string, unknown>;
    model.batch = { schedule: 'cron(0 3 * * ? *)', inputPrefix: 'batch/churn/', outputPrefix: 'batch/churn/scores/' };
    expect(problemsOf(() => resolveConfig(input))).toEqual([
      'models[0].batch.outputPrefix: "batch/churn/scores/" is inside inputPrefix "batch/churn/", so each run would score the scores of the runs before; use a prefix outside it, such as "scores/churn/"',
    ]);
  });

  test('GIVEN a tag key the platform sets, and more tags than AWS allows WHEN resolved THEN both are named', () => {
    const input = threeEnvironmentConfig();
    input.tags = Object.fromEntries([
      ['environment', 'x'],
      ['model', 'x'],
      ...Array.from({ length: 46 }, (_, i) => [`team${i}`, 'x']),
    ]);
    expect(problemsOf(() => resolveConfig(input))).toEqual([
      'tags.environment: the platform sets this tag on every resource; use another key',
      "tags.model: the platform sets this tag on every resource of a model's stack to the model's name (cost per model); use another key",
      'tags: at most 47 tags (AWS allows 50 a resource, the platform adds project, environment and model), got 48',
    ]);
  });
});
