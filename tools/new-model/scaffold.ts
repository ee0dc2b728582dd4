import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { kindFromName } from '../../lib/config/defaults';
import { formatJson } from './json-style';

/**
 * `npm run new-model`: plans a new model from the sample of its framework (the package, its serving entry points,
 * its tests and a config entry), then writes the plan. Planning reads only; nothing is written unless every
 * check passes.
 */

export type Framework = 'xgboost' | 'sklearn';
export const FRAMEWORKS: readonly Framework[] = ['xgboost', 'sklearn'];

/** The sample package each framework starts from, and its container version in the config. */
export const SAMPLES: Readonly<Record<Framework, { readonly package: string; readonly version: string }>> = {
  xgboost: { package: 'churn', version: '1.7-1' },
  sklearn: { package: 'upsell', version: '1.2-1' },
};

/** Model names as the config takes them (lib/config/fields.ts `resourceName('model name', 24)`). */
const MAX_NAME_LENGTH = 24;
const NAME_PATTERN = new RegExp(`^[a-z][a-z0-9-]{0,${MAX_NAME_LENGTH - 2}}[a-z0-9]$|^[a-z]$`);

/** The serving entry points beside a package: `<package>_inference.py` (both) and `<package>_predictor.py` (sklearn). */
const ENTRY_POINT_SUFFIXES = ['_inference', '_predictor'];

/**
 * What of the copied Python files names the sample package, and becomes the new package. Only these, so data,
 * docstrings and comments that mention the sample stay as they are:
 * 1. in import lines (`from X import ...`, `import X, Y as Z`), the module paths: the sample package as a whole
 *    word (`from churn import`, `from churn.features import`, `import churn.x`, `from tests.churn.conftest
 *    import`) and its serving entry points (`import churn_inference`);
 * 2. a `PACKAGE = "churn"` constant (either quote).
 */
export const RENAME_RULES: readonly string[] = [
  'import lines: the sample package as a whole word in module paths, and <sample>_inference / <sample>_predictor',
  'PACKAGE = "<sample>" constants',
];

export interface ScaffoldOptions {
  readonly name: string;
  readonly framework: Framework;
  /** The repository root: `ml/` and relative config paths are under it. */
  readonly root: string;
  /** The config file to add the model to, absolute or relative to the root. */
  readonly configPath: string;
  /**
   * Folder of the model code, relative to the root.
   * @default 'ml'
   */
  readonly codeDirectory?: string;
}

/** A file the scaffold writes, relative to the root; `source` is the sample file it comes from. */
export interface PlannedFile {
  readonly path: string;
  readonly source?: string;
  readonly content: Buffer;
}

export interface ScaffoldPlan {
  readonly model: string;
  readonly package: string;
  readonly sample: string;
  readonly framework: Framework;
  readonly files: readonly PlannedFile[];
  /** The config file with the new model entry, relative to the root. */
  readonly config: PlannedFile;
  /** The entry added to `models`. */
  readonly entry: Record<string, unknown>;
}

/** Why the scaffold refuses, every reason at once; `exitCode` 2 for a usage error, 1 otherwise. */
export class ScaffoldError extends Error {
  constructor(
    readonly problems: readonly string[],
    readonly exitCode = 1,
  ) {
    super(problems.join('\n'));
    this.name = 'ScaffoldError';
  }
}

/** The problems of a model name, empty when the config takes it. */
export function nameProblems(name: string): string[] {
  if (NAME_PATTERN.test(name)) return [];
  return [
    `model name: expected lowercase letters, digits and hyphens (at most ${MAX_NAME_LENGTH} characters, starting with a letter and not ending with a hyphen), got ${JSON.stringify(name)}`,
  ];
}

/** The Python package of a model name: hyphens as underscores (the config's default `training.package`). */
export function packageOf(name: string): string {
  return name.replace(/-/g, '_');
}

/** Plans the new model; throws a {@link ScaffoldError} with every problem, and writes nothing. */
export function planNewModel(options: ScaffoldOptions): ScaffoldPlan {
  const { name, framework, root } = options;
  const codeDirectory = options.codeDirectory ?? 'ml';
  const problems = nameProblems(name);
  if (problems.length > 0) throw new ScaffoldError(problems, 2);
  const pkg = packageOf(name);
  const sample = SAMPLES[framework].package;
  const code = (...parts: string[]) => path.join(codeDirectory, ...parts);
  const abs = (relative: string) => path.resolve(root, relative);

  const configFile = path.relative(root, path.resolve(root, options.configPath));
  let config: { models?: Array<{ name?: unknown }>; environments?: Array<{ name: string; kind?: string }> };
  try {
    config = JSON.parse(readFileSync(abs(configFile), 'utf8'));
  } catch (error) {
    throw new ScaffoldError([`--config: cannot read ${configFile} as JSON: ${(error as Error).message}`], 2);
  }

  const targets = [code(pkg), code(`${pkg}_inference.py`), code(`${pkg}_predictor.py`), code('tests', pkg)];
  for (const target of targets.filter((t) => existsSync(abs(t)))) {
    problems.push(
      `${target} already exists: a model package "${pkg}" is there; choose another name, or remove ${target} if it is a leftover`,
    );
  }
  const models = Array.isArray(config.models) ? config.models : [];
  const clash = models.findIndex((m) => m?.name === name);
  if (clash >= 0) {
    problems.push(`${configFile}: models[${clash}] is already named "${name}"; choose another name`);
  }
  const sharing = models.findIndex((m) => typeof m?.name === 'string' && packageOf(m.name) === pkg && m.name !== name);
  if (sharing >= 0) {
    problems.push(
      `${configFile}: models[${sharing}] "${String(models[sharing].name)}" already uses the package ${pkg}; choose another name`,
    );
  }
  const sampleDir = code(sample);
  const contractFile = code(sample, 'contract.json');
  if (!existsSync(abs(sampleDir))) {
    problems.push(
      `the ${framework} sample ${sampleDir}/ does not exist; restore it from git (git checkout -- ${sampleDir})`,
    );
  }
  let requestColumns: string[] = [];
  if (existsSync(abs(contractFile))) {
    try {
      requestColumns = JSON.parse(readFileSync(abs(contractFile), 'utf8')).request_columns;
    } catch (error) {
      problems.push(`${contractFile}: not valid JSON (${(error as Error).message}); restore it from git`);
    }
    if (!Array.isArray(requestColumns) || requestColumns.length === 0) {
      problems.push(`${contractFile}: expected a non-empty "request_columns" array; restore it from git`);
      requestColumns = [];
    }
  } else if (existsSync(abs(sampleDir))) {
    problems.push(`${contractFile} does not exist; restore it from git`);
  }
  if (problems.length > 0) throw new ScaffoldError(problems);

  const files: PlannedFile[] = [];
  const copy = (from: string, to: string) => {
    const raw = readFileSync(abs(from));
    const content = from.endsWith('.py') ? Buffer.from(renamePackage(raw.toString('utf8'), sample, pkg)) : raw;
    files.push({ path: to, source: from, content });
  };
  for (const file of sampleFiles(abs(sampleDir))) copy(code(sample, file), code(pkg, file));
  for (const suffix of ENTRY_POINT_SUFFIXES) {
    if (existsSync(abs(code(`${sample}${suffix}.py`)))) copy(code(`${sample}${suffix}.py`), code(`${pkg}${suffix}.py`));
  }
  const sampleTests = code('tests', sample);
  if (existsSync(abs(sampleTests))) {
    for (const file of sampleFiles(abs(sampleTests))) copy(code('tests', sample, file), code('tests', pkg, file));
  }

  const entry = modelEntry(name, framework, requestColumns, devEnvironments(config.environments ?? []));
  const updated = { ...config, models: [...models, entry] };
  return {
    model: name,
    package: pkg,
    sample,
    framework,
    files,
    config: { path: configFile, content: Buffer.from(formatJson(updated)) },
    entry,
  };
}

/** Writes a plan; returns the paths written, relative to the root. */
export function writePlan(plan: ScaffoldPlan, root: string): string[] {
  for (const file of [...plan.files, plan.config]) {
    const target = path.resolve(root, file.path);
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, file.content);
  }
  return [...plan.files, plan.config].map((f) => f.path);
}

/** What to do after the scaffold, as lines to print. */
export function nextSteps(plan: ScaffoldPlan, configFile: string): string[] {
  const pkg = plan.package;
  return [
    `1. Describe the data: edit ml/${pkg}/contract.json (id, label, request_columns, numeric, categorical), the feature code in ml/${pkg}/features.py and the test data in ml/tests/${pkg}/ (copied from ${plan.sample}).`,
    `2. Set models[].description and monitoring.features of "${plan.model}" in ${configFile} to the new request columns, and name its owner in card.owner (required from stage 5); record it with npm run models:lock.`,
    '3. Run the model tests: python3 -m pytest ml -q',
    `4. Synthesize: npx cdk synth -c maturity=3${configFile === path.join('config', 'platform.json') ? '' : ` -c config=${configFile}`}`,
    `5. Put training data under s3://<raw data bucket>/training-data/${plan.model}/ and start the pipeline.`,
  ];
}

/** The config entry of the new model. */
function modelEntry(
  name: string,
  framework: Framework,
  features: readonly string[],
  devNames: readonly string[],
): Record<string, unknown> {
  const pkg = packageOf(name);
  return {
    name,
    description: `TODO: what ${name} predicts; edit ml/${pkg}/contract.json, then monitoring.features to its request columns`,
    serving: 'realtime',
    container: { framework, version: SAMPLES[framework].version },
    // from stage 3 a real-time model is an inference pipeline of two containers, which serverless cannot host
    environments: Object.fromEntries(devNames.map((env) => [env, { serverless: false }])),
    monitoring: { features: [...features] },
  };
}

/** Environments of kind dev (explicit or by name): the ones that serve serverless by default. */
function devEnvironments(environments: ReadonlyArray<{ name: string; kind?: string }>): string[] {
  return environments.filter((e) => (e.kind ?? kindFromName(e.name)) === 'dev').map((e) => e.name);
}

/** Files under a folder, relative to it, in a stable order; no caches or compiled files. */
function sampleFiles(dir: string, prefix = ''): string[] {
  return readdirSync(path.join(dir, prefix))
    .filter((entry) => entry !== '__pycache__' && entry !== '.pytest_cache' && !entry.endsWith('.pyc'))
    .sort()
    .flatMap((entry) => {
      const relative = path.join(prefix, entry);
      return statSync(path.join(dir, relative)).isDirectory() ? sampleFiles(dir, relative) : [relative];
    });
}

/** A Python source with the sample package renamed by {@link RENAME_RULES}. */
export function renamePackage(source: string, sample: string, pkg: string): string {
  const moduleName = new RegExp(`\\b${sample}(?=(?:${ENTRY_POINT_SUFFIXES.join('|')})?\\b)`, 'g');
  const renameModules = (modules: string) => modules.replace(moduleName, (match) => match.replace(sample, pkg));
  return source
    .split('\n')
    .map((line) => {
      const from = /^(\s*from\s+)([\w.]+)(\s+import\b.*)$/.exec(line);
      if (from) return `${from[1]}${renameModules(from[2])}${from[3]}`;
      const plain = /^(\s*import\s+)([^#]*)(#.*)?$/.exec(line);
      if (plain) {
        // `import a.b as c, d`: the module of each part, never its alias
        const parts = plain[2]
          .split(',')
          .map((part) => part.replace(/^(\s*)([\w.]+)/, (_, space, module) => `${space}${renameModules(module)}`));
        return `${plain[1]}${parts.join(',')}${plain[3] ?? ''}`;
      }
      return line.replace(new RegExp(`^(\\s*PACKAGE\\s*=\\s*)(["'])${sample}\\2`), `$1$2${pkg}$2`);
    })
    .join('\n');
}
