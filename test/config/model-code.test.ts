import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { importedModules, type ModelCodeInput, modelCodeProblems } from '../../lib/config/model-code';
import { REPO_ROOT } from '../support/platform';

const root = mkdtempSync(path.join(os.tmpdir(), 'model-code-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let workspaces = 0;

const SCRIPT = 'import sys\n\nfrom mlops_shared import helpers\n\n\ndef main():\n    pass\n';
const SERVING = [
  'import numpy as np',
  '',
  'from {pkg}.features import transform',
  '',
  'def model_fn(model_dir):\n    pass',
  'def input_fn(body, content_type):\n    pass',
  'def predict_fn(data, model):\n    pass',
  'def output_fn(prediction, accept):\n    pass',
  '',
].join('\n');
const SHIM = (pkg: string, module: string) =>
  `from ${pkg}.${module} import input_fn, model_fn, output_fn, predict_fn\n`;
const CONTRACT = { id: 'id', label: 'label', request_columns: ['age', 'plan'], numeric: ['age'], categorical: {} };

/** A fresh folder holding `ml/` with `mlops_shared/`; the base directory of the check. */
function givenAWorkspace(): string {
  const base = path.join(root, `ws${workspaces++}`);
  write(base, 'ml/mlops_shared/__init__.py', '');
  write(base, 'ml/mlops_shared/helpers.py', '');
  return base;
}

function write(base: string, file: string, content: string): void {
  mkdirSync(path.dirname(path.join(base, file)), { recursive: true });
  writeFileSync(path.join(base, file), content);
}

/** A package that meets every rule, for either framework. */
function givenAPackage(base: string, pkg: string, framework: 'xgboost' | 'sklearn'): void {
  const serving = SERVING.replace('{pkg}', pkg);
  write(base, `ml/${pkg}/__init__.py`, '');
  write(base, `ml/${pkg}/features.py`, '"""Features.\n\nfrom churn import features  (an example)\n"""\nimport json\n');
  write(base, `ml/${pkg}/prepare.py`, `${SCRIPT}from ${pkg} import features\nfrom . import features as same\n`);
  write(base, `ml/${pkg}/evaluate.py`, 'from mlops_shared.helpers import x\n\nif __name__ == "__main__":\n    x()\n');
  write(base, `ml/${pkg}/inference.py`, serving);
  write(base, `ml/${pkg}/contract.json`, JSON.stringify(CONTRACT));
  write(base, `ml/${pkg}_inference.py`, SHIM(pkg, 'inference'));
  if (framework === 'sklearn') {
    write(
      base,
      `ml/${pkg}/train.py`,
      `${SCRIPT}def fit():\n    import joblib\n    from sklearn.linear_model import X\n`,
    );
    write(base, `ml/${pkg}/predictor.py`, serving);
    write(base, `ml/${pkg}_predictor.py`, SHIM(pkg, 'predictor'));
  }
}

function model(name: string, framework: 'xgboost' | 'sklearn', extra: Partial<ModelCodeInput> = {}): ModelCodeInput {
  return { name, container: { framework }, training: { codeDirectory: 'ml' }, ...extra };
}

describe('modelCodeProblems', () => {
  test('GIVEN complete xgboost and sklearn packages WHEN checked THEN there is no problem', () => {
    const base = givenAWorkspace();
    givenAPackage(base, 'churn', 'xgboost');
    givenAPackage(base, 'up_sell', 'sklearn');
    const models = [
      model('churn', 'xgboost', { monitoring: { features: ['age', 'plan'] } }),
      model('up-sell', 'sklearn'),
      { name: 'custom', container: { imageUri: 'image' }, training: { codeDirectory: 'ml', package: 'churn' } },
    ];
    expect(modelCodeProblems(models, base)).toEqual([]);
  });

  test('GIVEN ml/churn copied verbatim to ml/fraud WHEN checked THEN each import of churn names the file and the fix', () => {
    const base = givenAWorkspace();
    givenAPackage(base, 'churn', 'xgboost');
    cpSync(path.join(base, 'ml/churn'), path.join(base, 'ml/fraud'), { recursive: true });
    write(base, 'ml/fraud_inference.py', SHIM('fraud', 'inference'));
    expect(modelCodeProblems([model('churn', 'xgboost'), model('fraud', 'xgboost')], base)).toEqual([
      'models[1].training.package: ml/fraud/inference.py imports "churn", which is not in the code archive of fraud (it holds fraud/, fraud_inference.py and mlops_shared/); import from fraud instead',
      'models[1].training.package: ml/fraud/prepare.py imports "churn", which is not in the code archive of fraud (it holds fraud/, fraud_inference.py and mlops_shared/); import from fraud instead',
    ]);
  });

  test('GIVEN no package folder WHEN checked THEN it says how to create it', () => {
    expect(modelCodeProblems([model('fraud', 'sklearn')], givenAWorkspace())).toEqual([
      'models[0].training.package: the training pipeline runs the package ml/fraud/, which does not exist; create it (npm run new-model -- fraud) or set training.codeDirectory and training.package',
    ]);
  });

  test('GIVEN an xgboost package under sklearn WHEN checked THEN train.py, predictor.py and the predictor entry point are missing', () => {
    const base = givenAWorkspace();
    givenAPackage(base, 'fraud', 'xgboost');
    expect(modelCodeProblems([model('fraud', 'sklearn')], base)).toEqual([
      'models[0].training.package: ml/fraud/ lacks train.py, predictor.py, which the sklearn pipeline needs; copy them from ml/upsell/ and adapt',
      "models[0].training.package: ml/fraud_predictor.py does not exist; the serving container loads it (SAGEMAKER_PROGRAM): add it beside fraud/, re-exporting fraud.predictor's model_fn, input_fn, predict_fn and output_fn",
    ]);
  });

  test('GIVEN entry points without their functions WHEN checked THEN each file names what it lacks', () => {
    const base = givenAWorkspace();
    givenAPackage(base, 'fraud', 'sklearn');
    write(base, 'ml/fraud/train.py', 'def fit():\n    pass\n');
    write(base, 'ml/fraud/predictor.py', 'def model_fn(d):\n    pass\n\n    def predict_fn(x, m):\n        pass\n');
    rmSync(path.join(base, 'ml/fraud/__init__.py'));
    expect(modelCodeProblems([model('fraud', 'sklearn')], base)).toEqual([
      'models[0].training.package: ml/fraud/ lacks __init__.py, which the sklearn pipeline needs; copy it from ml/upsell/ and adapt',
      'models[0].training.package: ml/fraud/train.py has no main: define `def main(...)` or an `if __name__ == "__main__":` block; the pipeline runs it',
      'models[0].training.package: ml/fraud/predictor.py has no `def input_fn`, `def predict_fn`, `def output_fn` at the top level; the pipeline runs it',
    ]);
  });

  test('GIVEN a contract that is not JSON, or without request columns WHEN checked THEN it says so', () => {
    const base = givenAWorkspace();
    givenAPackage(base, 'fraud', 'xgboost');
    givenAPackage(base, 'churn', 'xgboost');
    write(base, 'ml/fraud/contract.json', '{"request_columns": [');
    write(base, 'ml/churn/contract.json', JSON.stringify({ ...CONTRACT, request_columns: [] }));
    const problems = modelCodeProblems([model('fraud', 'xgboost'), model('churn', 'xgboost')], base);
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(
      /^models\[0\]\.training\.package: ml\/fraud\/contract\.json is not valid JSON \(.+\); fix it$/,
    );
    expect(problems[1]).toBe(
      'models[1].training.package: ml/churn/contract.json needs "request_columns", a non-empty array of column names (the raw request columns in order)',
    );
  });

  test('GIVEN monitored features outside the request columns WHEN checked THEN each names the allowed ones, unless a feature group defines them', () => {
    const base = givenAWorkspace();
    givenAPackage(base, 'fraud', 'xgboost');
    const monitoring = { features: ['age', 'tenure', 'plan'] };
    expect(modelCodeProblems([model('fraud', 'xgboost', { monitoring })], base)).toEqual([
      'models[0].monitoring.features[1]: "tenure" is not a request column of ml/fraud/contract.json; expected one of age, plan',
    ]);
    expect(modelCodeProblems([model('fraud', 'xgboost', { monitoring, featureGroup: 'fraud-cases' })], base)).toEqual(
      [],
    );
  });

  test('GIVEN imports of a library outside the image, of a missing module and without mlops_shared WHEN checked THEN each says what to do', () => {
    const base = givenAWorkspace();
    givenAPackage(base, 'fraud', 'sklearn');
    write(
      base,
      'ml/fraud/features.py',
      'import json, lightgbm as lgb\nfrom fraud.helpers import x\nimport fraud.test_data\n',
    );
    write(base, 'ml/fraud/test_data.py', '');
    rmSync(path.join(base, 'ml/mlops_shared'), { recursive: true });
    expect(modelCodeProblems([model('fraud', 'sklearn')], base)).toEqual([
      'models[0].training.package: ml/fraud/evaluate.py imports "mlops_shared.helpers", but ml/mlops_shared/ does not exist; add the shared package or remove the import',
      'models[0].training.package: ml/fraud/features.py imports "lightgbm", which neither the code archive of fraud (it holds fraud/, fraud_inference.py, fraud_predictor.py and mlops_shared/), the standard library nor the SageMaker scikit-learn image (numpy, scipy, pandas, sklearn, joblib, boto3, botocore) provides; vendor it into fraud/ or remove the import',
      'models[0].training.package: ml/fraud/features.py imports "fraud.helpers", which has no fraud/helpers.py; add it or fix the import',
      'models[0].training.package: ml/fraud/features.py imports "fraud.test_data", which the code archive leaves out as test code (tests/, test_*.py, *_test.py, conftest.py); rename the module',
      'models[0].training.package: ml/fraud/prepare.py imports "mlops_shared", but ml/mlops_shared/ does not exist; add the shared package or remove the import',
      'models[0].training.package: ml/fraud/train.py imports "mlops_shared", but ml/mlops_shared/ does not exist; add the shared package or remove the import',
    ]);
  });
});

describe('importedModules', () => {
  test('GIVEN every form of import WHEN read THEN the absolute modules come out, not relative ones or docstring text', () => {
    const source = [
      '"""Docstring.',
      '',
      'import not_me',
      '"""',
      'import os, sys as system',
      'import a.b.c',
      'from x.y import (z,',
      '    w)',
      'from . import sibling',
      'from .sibling import thing',
      'try:',
      '    import joblib  # noqa',
      'except ImportError:',
      '    pass',
      "x = '''from quoted import nothing'''",
    ].join('\n');
    expect(importedModules(source)).toEqual(['os', 'sys', 'a.b.c', 'x.y', 'joblib']);
  });
});

describe('the models of ml/', () => {
  test('GIVEN the sample packages WHEN checked THEN churn and upsell pass', () => {
    const models = [
      model('churn', 'xgboost', { featureGroup: 'churn-customers', monitoring: { features: ['tenure_months'] } }),
      model('upsell', 'sklearn', { monitoring: { features: ['seats', 'plan'] } }),
    ];
    expect(modelCodeProblems(models, REPO_ROOT)).toEqual([]);
  });

  test('GIVEN ml/churn copied verbatim to fraud WHEN checked THEN the imports of churn are found', () => {
    const base = path.join(root, 'real');
    cpSync(path.join(REPO_ROOT, 'ml'), path.join(base, 'ml'), {
      recursive: true,
      filter: (source) => !source.includes('__pycache__'),
    });
    cpSync(path.join(base, 'ml/churn'), path.join(base, 'ml/fraud'), { recursive: true });
    cpSync(path.join(base, 'ml/churn_inference.py'), path.join(base, 'ml/fraud_inference.py'));
    const problems = modelCodeProblems([model('fraud', 'xgboost')], base);
    expect(problems.length).toBeGreaterThan(0);
    for (const problem of problems) {
      expect(problem).toMatch(
        /^models\[0\]\.training\.package: ml\/fraud[/_]\S+\.py imports "churn", which is not in the code archive of fraud \(it holds fraud\/, fraud_inference\.py and mlops_shared\/\); import from fraud instead$/,
      );
    }
  });
});
