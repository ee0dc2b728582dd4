import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { loadConfig, resolveConfig } from '../../lib/config/loader';
import type { PlatformConfigInput } from '../../lib/config/schema';
import { problemsOf } from '../support/config';
import { defaultConfigInput, REPO_ROOT } from '../support/platform';

const env = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  account: '111111111111',
  region: 'eu-west-1',
  ...extra,
});

describe('the default config', () => {
  test('resolves dev, test and prod at stage 1 in three accounts of one region', () => {
    // WHEN
    const config = loadConfig({}, REPO_ROOT);

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
    const [dev, , prod] = loadConfig({}, REPO_ROOT).environments;
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
    const input = { ...defaultConfigInput(), maturity: 7, bogusKey: true } as PlatformConfigInput;
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
      'project: is required (expected string)',
      'environments: is required (expected array)',
    ]);
  });

  test('something that is not an object is rejected as such', () => {
    expect(problemsOf(() => resolveConfig([]))).toEqual(['(root): expected a JSON object, got an array']);
  });

  test('a missing config file names the path and how to pass one', () => {
    const problems = problemsOf(() => loadConfig({ config: 'no/such/file.json' }, REPO_ROOT));
    expect(problems[0]).toMatch(/^-c config: file not found: .*no\/such\/file\.json; pass the path of a JSON config/);
  });

  test('a file that is not JSON is reported as such', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'platform-config-'));
    writeFileSync(path.join(dir, 'broken.json'), '{ "project": ');
    expect(problemsOf(() => loadConfig({ config: 'broken.json' }, dir))[0]).toMatch(/^\(file\): not valid JSON/);
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
  test('-c maturity sets the stage of every environment; what is not built yet is left out with a warning', () => {
    const config = loadConfig({ maturity: '5' }, REPO_ROOT);
    expect(config.environments.every((e) => e.maturity.requested === 5)).toBe(true);
    expect(config.warnings).toEqual([
      'the delivery pipeline (stage 4) is left out: tooling.connection (connection ARN, repository, branch) is not configured; see docs/delivery.md',
      'maturity stage 5 is not fully implemented yet: continuousDeployment, driftRetraining, modelPortfolio are left out; stage 4 is the highest complete stage',
    ]);
  });

  test('a model feature group below stage 4 is named in one warning: its pipeline trains on the raw data', () => {
    expect(loadConfig({ maturity: '3' }, REPO_ROOT).warnings).toContain(
      'models[0].featureGroup: dev, test, prod have no feature store below stage 4, so the pipeline of "churn" trains on the raw data there',
    );
    expect(loadConfig({ maturity: '4' }, REPO_ROOT).warnings.filter((w) => w.includes('featureGroup'))).toEqual([]);
  });

  test('-c maturity outside 1-5 is rejected', () => {
    expect(problemsOf(() => loadConfig({ maturity: '0' }, REPO_ROOT))).toEqual([
      '-c maturity: expected a maturity stage from 1 to 5, got "0"',
    ]);
  });

  test('-c environments selects environments and rejects unknown names', () => {
    expect(loadConfig({ environments: 'dev,prod' }, REPO_ROOT).environments.map((e) => e.name)).toEqual([
      'dev',
      'prod',
    ]);
    expect(problemsOf(() => loadConfig({ environments: 'dev,qa' }, REPO_ROOT))).toEqual([
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

  test('the default config has the churn sample: one instance in dev and test, two to four in prod', () => {
    const [dev, test, prod] = loadConfig({}, REPO_ROOT).environments.map((e) => e.models[0]);
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
        'models[0].batch.schedule: expected an EventBridge Scheduler expression such as "cron(0 3 * * ? *)", got "daily"',
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
