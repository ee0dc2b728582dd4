import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { resolveConfig } from '../../lib/config/loader';
import { modelCodeProblems } from '../../lib/config/model-code';
import { DEFAULT_CONFIG_PATH } from '../../lib/vocabulary';
import { main } from '../../tools/new-model/cli';
import { formatJson } from '../../tools/new-model/json-style';
import {
  nameProblems,
  planNewModel,
  renamePackage,
  ScaffoldError,
  type ScaffoldOptions,
  writePlan,
} from '../../tools/new-model/scaffold';
import { threeEnvironmentConfig } from '../support/fixtures';
import { formatJson as biomeFormatJson } from '../support/json-format';
import { REPO_ROOT } from '../support/platform';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'new-model-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let copies = 0;
// the default config path inside a temporary repository (never this repository's config)
const CONFIG = DEFAULT_CONFIG_PATH;

/** A temporary repository: a copy of ml/ (no caches) and a fixture config written as biome formats it. */
function givenARepository(): string {
  const root = path.join(tmp, `repo${copies++}`);
  cpSync(path.join(REPO_ROOT, 'ml'), path.join(root, 'ml'), {
    recursive: true,
    filter: (source) => !/__pycache__|\.pytest_cache/.test(source),
  });
  mkdirSync(path.join(root, 'config'));
  writeFileSync(path.join(root, CONFIG), biomeFormatJson(CONFIG, threeEnvironmentConfig()));
  return root;
}

const read = (root: string, file: string) => readFileSync(path.join(root, file), 'utf8');
const options = (root: string, overrides: Partial<ScaffoldOptions> = {}): ScaffoldOptions => ({
  name: 'fraud-check',
  framework: 'sklearn',
  root,
  configPath: CONFIG,
  ...overrides,
});

/** Every file under a folder, relative to it. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)))
    .sort();
}

describe.each([
  ['sklearn', 'upsell', '1.2-1'],
  ['xgboost', 'churn', '1.7-1'],
] as const)('npm run new-model with --framework %s', (framework, sample, version) => {
  test(`GIVEN a copy of the repository WHEN fraud-check is scaffolded THEN ml/fraud_check is ${sample} with its imports renamed`, () => {
    const root = givenARepository();
    const before = read(root, CONFIG);

    const plan = planNewModel(options(root, { framework }));
    const written = writePlan(plan, root);

    // THEN the package, its entry points and tests are the sample's files, under the new names
    const sampleFiles = filesUnder(path.join(root, 'ml', sample)).filter((f) => !f.endsWith('.pyc'));
    expect(filesUnder(path.join(root, 'ml', 'fraud_check'))).toEqual(sampleFiles);
    expect(filesUnder(path.join(root, 'ml', 'tests', 'fraud_check'))).toEqual(
      filesUnder(path.join(root, 'ml', 'tests', sample)),
    );
    expect(existsSync(path.join(root, 'ml', 'fraud_check_inference.py'))).toBe(true);
    expect(existsSync(path.join(root, 'ml', 'fraud_check_predictor.py'))).toBe(framework === 'sklearn');
    expect(written).toEqual([...plan.files.map((f) => f.path), CONFIG]);
    expect(written.some((f) => f.includes('__pycache__'))).toBe(false);

    // THEN no import names the sample any more, and only import lines changed
    for (const file of plan.files.filter((f) => f.path.endsWith('.py'))) {
      const text = file.content.toString('utf8');
      expect(text).not.toMatch(new RegExp(`^\\s*(from|import)\\s+(tests\\.)?${sample}\\b`, 'm'));
      const original = read(root, file.source as string).split('\n');
      const changed = text.split('\n').filter((line, i) => line !== original[i]);
      for (const line of changed) expect(line).toMatch(/^\s*(from|import)\s/);
    }
    expect(read(root, 'ml/fraud_check_inference.py')).toContain('from fraud_check.inference import');
    expect(read(root, 'ml/fraud_check/contract.json')).toBe(read(root, `ml/${sample}/contract.json`));

    // THEN the config gains the model, formatted as biome formats it, the rest unchanged
    const after = read(root, CONFIG);
    const config = JSON.parse(after);
    const columns = JSON.parse(read(root, `ml/${sample}/contract.json`)).request_columns;
    expect(config.models.at(-1)).toEqual({
      name: 'fraud-check',
      description: expect.stringContaining('TODO'),
      serving: 'realtime',
      container: { framework, version },
      environments: { dev: { serverless: false } },
      monitoring: { features: columns },
    });
    expect({ ...config, models: config.models.slice(0, -1) }).toEqual(JSON.parse(before));
    expect(after).toBe(biomeFormatJson(CONFIG, config));

    // THEN the static check of the model code finds nothing to fix
    expect(modelCodeProblems([{ ...config.models.at(-1), training: { codeDirectory: 'ml' } }], root)).toEqual([]);
  });

  test('THEN the new config still validates at stage 3', () => {
    const root = givenARepository();
    writePlan(planNewModel(options(root, { framework })), root);
    const config = JSON.parse(read(root, CONFIG));
    expect(() => resolveConfig(config, { maturity: 3 }, CONFIG, root)).not.toThrow();
  });
});

describe('refusals', () => {
  test('GIVEN an existing package and model name WHEN scaffolded THEN it refuses with every reason and writes nothing', () => {
    const root = givenARepository();
    writePlan(planNewModel(options(root)), root);
    const config = read(root, CONFIG);
    const files = filesUnder(path.join(root, 'ml'));

    let error: unknown;
    try {
      planNewModel(options(root));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ScaffoldError);
    expect((error as ScaffoldError).exitCode).toBe(1);
    expect((error as ScaffoldError).problems).toEqual([
      'ml/fraud_check already exists: a model package "fraud_check" is there; choose another name, or remove ml/fraud_check if it is a leftover',
      'ml/fraud_check_inference.py already exists: a model package "fraud_check" is there; choose another name, or remove ml/fraud_check_inference.py if it is a leftover',
      'ml/fraud_check_predictor.py already exists: a model package "fraud_check" is there; choose another name, or remove ml/fraud_check_predictor.py if it is a leftover',
      'ml/tests/fraud_check already exists: a model package "fraud_check" is there; choose another name, or remove ml/tests/fraud_check if it is a leftover',
      `${CONFIG}: models[1] is already named "fraud-check"; choose another name`,
    ]);
    expect(read(root, CONFIG)).toBe(config);
    expect(filesUnder(path.join(root, 'ml'))).toEqual(files);
  });

  test('GIVEN a model name that exists in the config only WHEN scaffolded THEN it refuses', () => {
    const root = givenARepository();
    expect(() => planNewModel(options(root, { name: 'churn', framework: 'xgboost' }))).toThrow(
      'ml/churn already exists',
    );
    const config = JSON.parse(read(root, CONFIG));
    config.models.push({ name: 'fraud-check' });
    writeFileSync(path.join(root, CONFIG), formatJson(config));
    expect(() => planNewModel(options(root))).toThrow(`${CONFIG}: models[1] is already named "fraud-check"`);
  });

  test.each(['Fraud', 'fraud_check', '-fraud', 'fraud-', '9fraud', 'f'.repeat(25), ''])(
    'GIVEN the name %j WHEN scaffolded THEN it is a usage error',
    (name) => {
      expect(nameProblems(name)).toHaveLength(1);
      expect(() => planNewModel(options(givenARepository(), { name }))).toThrow(/^model name: expected lowercase/);
    },
  );

  test('GIVEN the longest name WHEN validated THEN it is taken', () => {
    expect(nameProblems(`a${'-b'.repeat(11)}c`)).toEqual([]);
  });
});

describe('renamePackage', () => {
  test('GIVEN every import form and other mentions WHEN renamed THEN only import lines and PACKAGE change', () => {
    const source = [
      '"""The churn model: from churn import features."""',
      'from churn import features',
      'from churn.features import FeatureSpec',
      '    from churn.inference import model_fn',
      'import churn.features',
      'import churn_inference as churn',
      'import churn_predictor, json',
      'from tests.churn.conftest import generate_rows',
      'from churned import x',
      'from mlops_shared import churn_rate',
      'import churnx',
      'PACKAGE = "churn"',
      "PACKAGE = 'churn'",
      'LABEL = "churned"',
      'print("churn")',
    ].join('\n');
    expect(renamePackage(source, 'churn', 'fraud').split('\n')).toEqual([
      '"""The churn model: from churn import features."""',
      'from fraud import features',
      'from fraud.features import FeatureSpec',
      '    from fraud.inference import model_fn',
      'import fraud.features',
      'import fraud_inference as churn',
      'import fraud_predictor, json',
      'from tests.fraud.conftest import generate_rows',
      'from churned import x',
      'from mlops_shared import churn_rate',
      'import churnx',
      'PACKAGE = "fraud"',
      "PACKAGE = 'fraud'",
      'LABEL = "churned"',
      'print("churn")',
    ]);
  });
});

describe('the command line', () => {
  const cli = (root: string, ...args: string[]) =>
    spawnSync(process.execPath, [require.resolve('tsx/cli'), path.join(REPO_ROOT, 'tools/new-model/cli.ts'), ...args], {
      cwd: root,
      encoding: 'utf8',
    });
  /** The command in this process, with its output captured (the spawned runs above cover the entry point). */
  const run = (root: string, ...args: string[]) => {
    let stdout = '';
    let stderr = '';
    const status = main(args, root, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
    return { status, stdout, stderr };
  };

  test('GIVEN a name WHEN run THEN it prints what it wrote and the next steps, exit 0; run again, it refuses with exit 1', () => {
    const root = givenARepository();
    const first = cli(root, 'fraud', '--framework', 'xgboost');
    expect(first.status).toBe(0);
    expect(first.stdout).toContain('wrote ml/fraud/prepare.py');
    expect(first.stdout).toContain(`wrote ${CONFIG}`);
    expect(first.stdout).toContain('python3 -m pytest ml -q');
    expect(first.stdout).toContain('npx cdk synth -c maturity=3');
    const second = run(root, 'fraud');
    expect(second.status).toBe(1);
    expect(second.stderr).toContain('error: ml/fraud already exists');
    expect(second.stderr).toContain('nothing was written');
  });

  test.each([
    [['--framework', 'lightgbm', 'fraud'], 'error: --framework: expected xgboost or sklearn, got "lightgbm"'],
    [[], 'error: expected a model name'],
    [['a', 'b'], 'error: expected one model name, got a b'],
    [['fraud', '--config', 'missing.json'], 'error: --config: file not found'],
    [['Fraud'], 'error: model name: expected lowercase letters'],
  ])('GIVEN %j WHEN run THEN a usage error, exit 2', (args, message) => {
    const result = run(givenARepository(), ...args);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(message);
    expect(result.stderr).toContain('usage: npm run new-model -- <name>');
  });
});
