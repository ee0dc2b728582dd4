import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { PlatformConfigInput } from '../../lib/config/schema';
import { churnModel, threeEnvironmentConfig } from '../support/fixtures';
import { cdkJsonContext, REPO_ROOT } from '../support/platform';

// the partition of the test's placeholder connection (a literal would trip the lint rule against hard-coded partitions)
const PARTITION = 'aws';

// The app as `cdk synth` runs it (`npx tsx bin/platform.ts`, context and output folder from the CLI's environment
// variables), fed the config mistakes a new user made. Each must stop synth with a message in the house style, no
// stack trace, and nothing written.

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'synth-errors-'));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

interface SynthResult {
  readonly status: number | null;
  readonly stderr: string;
  readonly templates: readonly string[];
}

function synth(name: string, configText: string, maturity: number): SynthResult {
  const configFile = path.join(dir, `${name}.json`);
  const outdir = path.join(dir, `${name}.out`);
  writeFileSync(configFile, configText);
  const result = spawnSync(path.join(REPO_ROOT, 'node_modules', '.bin', 'tsx'), ['bin/platform.ts'], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    env: {
      ...process.env,
      // the CLI passes cdk.json's context (feature flags included) together with the -c values
      CDK_CONTEXT_JSON: JSON.stringify({ ...cdkJsonContext(), config: configFile, maturity: String(maturity) }),
      CDK_OUTDIR: outdir,
    },
  });
  const templates = existsSync(outdir)
    ? readdirSync(outdir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.template.json'))
    : [];
  return { status: result.status, stderr: result.stderr, templates };
}

function withChange(change: (config: PlatformConfigInput) => void): string {
  const config = threeEnvironmentConfig();
  change(config);
  return `${JSON.stringify(config, null, 2)}\n`;
}

/** Fails with the whole output when synth did not stop cleanly. */
function expectStopped(result: SynthResult): void {
  const context = `stderr:\n${result.stderr}`;
  expect({ status: result.status, context }).toEqual({ status: 1, context });
  expect(result.stderr).not.toMatch(/^\s+at .+[:(]/m);
  expect(result.templates).toEqual([]);
}

const models = (config: PlatformConfigInput) => config.models ?? [];

test.each<[string, (config: PlatformConfigInput) => void, number, RegExp]>([
  [
    'a region that does not exist',
    (c) => {
      c.environments[0].region = 'eu-west-9';
    },
    3,
    /environments\[0\]\.region: .*"eu-west-9"/,
  ],
  [
    'a cron expression of 5 fields',
    (c) => {
      const batch = models(c)[0].batch;
      if (batch) batch.schedule = 'cron(0 3 * * *)';
    },
    2,
    /models\[0\]\.batch\.schedule: .*"cron\(0 3 \* \* \*\)"/,
  ],
  [
    'a minute of 61',
    (c) => {
      models(c)[0].retraining = { schedule: 'cron(61 3 * * ? *)' };
    },
    4,
    /models\[0\]\.retraining\.schedule: .*61/,
  ],
  [
    'a monitored feature the feature group does not have',
    (c) => {
      models(c)[0].monitoring = { features: ['tenure_months', 'favourite_colour'] };
    },
    4,
    /models\[0\]\.monitoring\.features\[1\]: .*"favourite_colour"/,
  ],
  [
    'a log retention CloudWatch does not offer',
    (c) => {
      c.environments[2].settings = { logRetentionDays: 2 as 1 };
    },
    1,
    /environments\[2\]\.settings\.logRetentionDays: .*2.*365/,
  ],
])('%s stops synth with the field, the value and the fix', (name, change, maturity, message) => {
  // WHEN
  const result = synth(name.replace(/\W+/g, '-'), withChange(change), maturity);

  // THEN
  expectStopped(result);
  expect(result.stderr).toMatch(message);
});

test('a JSON syntax error names the line and column', () => {
  // GIVEN a config with a trailing comma on line 3
  const text = '{\n  "project": "mlops",\n  "maturity": 1,\n}\n';

  // WHEN
  const result = synth('json-syntax', text, 1);

  // THEN
  expectStopped(result);
  expect(result.stderr).toMatch(/\b4:1\b|\bline 4\b/);
});

test('a verbatim copy of a model package, which could not import at run time, stops synth', () => {
  // GIVEN ml/churn copied to fraud as it is, still importing churn, and a model that trains it
  const code = path.join(dir, 'ml');
  mkdirSync(code, { recursive: true });
  cpSync(path.join(REPO_ROOT, 'ml', 'churn'), path.join(code, 'fraud'), { recursive: true });
  cpSync(path.join(REPO_ROOT, 'ml', 'mlops_shared'), path.join(code, 'mlops_shared'), { recursive: true });
  const shim = readFileSync(path.join(REPO_ROOT, 'ml', 'churn_inference.py'), 'utf8');
  writeFileSync(path.join(code, 'fraud_inference.py'), shim);
  const text = withChange((c) => {
    models(c).push({ name: 'fraud', training: { codeDirectory: code }, monitoring: { features: ['tenure_months'] } });
  });

  // WHEN
  const result = synth('verbatim-copy', text, 3);

  // THEN
  expectStopped(result);
  expect(result.stderr).toMatch(/models\[1\]\.training.*"churn"/);
});

test("a delivery pipeline past CodePipeline's quotas stops synth and leaves no template behind", () => {
  // GIVEN three prod environments of 80 models and a connection: 6 shared stacks and one per model in each, 2
  // actions per stack, so prod alone needs more than 500 actions, even in a pipeline of its own (batch-only
  // copies synthesize fastest)
  const text = withChange((c) => {
    c.maturity = 4;
    c.tooling = {
      account: '444444444444',
      region: 'eu-west-1',
      connection: {
        connectionArn: `arn:${PARTITION}:codeconnections:eu-west-1:444444444444:connection/00000000-0000-0000-0000-000000000000`,
        repository: 'example/platform',
      },
    };
    c.environments = [
      ...c.environments,
      { name: 'prodb', kind: 'prod', account: '555555555555', region: 'eu-west-1' },
      { name: 'prodc', kind: 'prod', account: '666666666666', region: 'eu-west-1' },
    ];
    c.models = Array.from({ length: 80 }, (_, i) => ({
      ...churnModel(),
      name: `model${i + 1}`,
      serving: 'batch',
      training: { package: 'churn' },
    }));
  });

  // WHEN
  const result = synth('delivery-quota', text, 4);

  // THEN the Stages that CDK Pipelines synthesized on the way are gone too
  expectStopped(result);
  expect(result.stderr).toMatch(
    /tooling\.connection: the prod pipeline would have \d+ actions .* even with one pipeline per environment kind/,
  );
});
