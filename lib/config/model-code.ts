import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';

/**
 * A static check of each model's Python package (no Python runs at synth): the files the model-building pipeline
 * runs exist and define their entry points, and every import resolves inside the code archive the pipeline ships
 * (`<package>/`, its entry points, `mlops_shared/`; lib/stacks/training-stack.ts `codeAssetExcludes`), the
 * standard library or the SageMaker scikit-learn image that runs the code. A package copied from another model
 * that still imports the original fails here with the fix, instead of with ModuleNotFoundError in SageMaker.
 */

/** The package every model's code archive also holds (lib/pipeline/model-building-pipeline.ts `SHARED_PACKAGE`). */
const SHARED_PACKAGE = 'mlops_shared';

/**
 * Top-level modules of the Python standard library: `sys.stdlib_module_names` of Python 3.11 without the private
 * (`_`) names, generated once with
 * `python3 -c "import sys; print(sorted(n for n in sys.stdlib_module_names if not n.startswith('_')))"`,
 * plus `__future__` and the modules that Python 3.8 to 3.10 still had (binhex, formatter, parser, symbol,
 * dummy_threading), less the modules added after 3.8 (graphlib, zoneinfo, tomllib): the SageMaker scikit-learn
 * images run Python 3.8 or later, so a module only a newer Python has would pass here and fail there.
 */
export const PYTHON_STDLIB_MODULES: ReadonlySet<string> = new Set(
  [
    '__future__ abc aifc antigravity argparse array ast asynchat asyncio asyncore atexit audioop base64 bdb binascii',
    'binhex bisect builtins bz2 cProfile calendar cgi cgitb chunk cmath cmd code codecs codeop collections colorsys',
    'compileall concurrent configparser contextlib contextvars copy copyreg crypt csv ctypes curses dataclasses',
    'datetime dbm decimal difflib dis distutils doctest dummy_threading email encodings ensurepip enum errno',
    'faulthandler fcntl filecmp fileinput fnmatch formatter fractions ftplib functools gc genericpath getopt getpass',
    'gettext glob grp gzip hashlib heapq hmac html http idlelib imaplib imghdr imp importlib inspect io',
    'ipaddress itertools json keyword lib2to3 linecache locale logging lzma mailbox mailcap marshal math mimetypes',
    'mmap modulefinder msilib msvcrt multiprocessing netrc nis nntplib nt ntpath nturl2path numbers opcode operator',
    'optparse os ossaudiodev parser pathlib pdb pickle pickletools pipes pkgutil platform plistlib poplib posix',
    'posixpath pprint profile pstats pty pwd py_compile pyclbr pydoc pydoc_data pyexpat queue quopri random re',
    'readline reprlib resource rlcompleter runpy sched secrets select selectors shelve shlex shutil signal site',
    'smtpd smtplib sndhdr socket socketserver spwd sqlite3 sre_compile sre_constants sre_parse ssl stat statistics',
    'string stringprep struct subprocess sunau symbol symtable sys sysconfig syslog tabnanny tarfile telnetlib',
    'tempfile termios textwrap this threading time timeit tkinter token tokenize trace traceback tracemalloc',
    'tty turtle turtledemo types typing unicodedata unittest urllib uu uuid venv warnings wave weakref webbrowser',
    'winreg winsound wsgiref xdrlib xml xmlrpc zipapp zipfile zipimport zlib',
  ]
    .join(' ')
    .split(' '),
);

/**
 * Libraries of the SageMaker scikit-learn image, which runs every model's package: the processing jobs (prepare,
 * evaluate), the feature-transform serving container and, for sklearn models, training and the predictor. The
 * XGBoost image of an xgboost model runs the built-in algorithm only, never the package, so `xgboost` is not here.
 */
export const SKLEARN_IMAGE_LIBRARIES: readonly string[] = [
  'numpy',
  'scipy',
  'pandas',
  'sklearn',
  'joblib',
  'boto3',
  'botocore',
];
const IMAGE_NAME = 'SageMaker scikit-learn image';

/** What of a model the check reads: a parsed `models[]` entry fits. */
export interface ModelCodeInput {
  readonly name: string;
  readonly container: { readonly framework: string } | { readonly imageUri: string };
  readonly training: { readonly codeDirectory: string; readonly package?: string };
  readonly monitoring?: { readonly features?: readonly string[] };
  readonly featureGroup?: string;
}

/** A Python file of the package and the functions it must define. */
interface EntryPointFile {
  readonly file: string;
  /** Function names, or `main` for a script (a `main` function or an `if __name__ == "__main__":` block). */
  readonly defines: readonly string[];
}

/** Module names the code asset leaves out as test code (lib/stacks/training-stack.ts `codeAssetExcludes`). */
const TEST_MODULE = /^(tests|test_\w+|\w+_test|conftest)$/;

const SERVING_FUNCTIONS = ['model_fn', 'input_fn', 'predict_fn', 'output_fn'];
const SCRIPT = ['main'];

/** The files of the package that the pipeline runs, by framework. */
function entryPointFiles(sklearn: boolean): EntryPointFile[] {
  return [
    { file: 'prepare.py', defines: SCRIPT },
    { file: 'evaluate.py', defines: SCRIPT },
    { file: 'inference.py', defines: SERVING_FUNCTIONS },
    ...(sklearn
      ? [
          { file: 'train.py', defines: SCRIPT },
          { file: 'predictor.py', defines: SERVING_FUNCTIONS },
        ]
      : []),
  ];
}

/** Every problem of the models' code, each prefixed with its field path; empty when all is well. */
export function modelCodeProblems(models: readonly ModelCodeInput[], baseDir: string): string[] {
  return models.flatMap((model, i) => problemsOfModel(model, `models[${i}]`, baseDir));
}

function problemsOfModel(model: ModelCodeInput, at: string, baseDir: string): string[] {
  const field = `${at}.training.package`;
  const pkg = model.training.package ?? model.name.replace(/-/g, '_');
  const codeDir = path.resolve(baseDir, model.training.codeDirectory);
  const shown = (...parts: string[]) => path.relative(baseDir, path.join(codeDir, ...parts)) || '.';
  const sklearn = 'framework' in model.container && model.container.framework === 'sklearn';

  const pkgDir = path.join(codeDir, pkg);
  if (!isDirectory(pkgDir)) {
    return [
      `${field}: the training pipeline runs the package ${shown(pkg)}/, which does not exist; create it (npm run new-model -- ${model.name}) or set training.codeDirectory and training.package`,
    ];
  }
  const problems: string[] = [];
  const archive = [`${pkg}/`, `${pkg}_inference.py`, ...(sklearn ? [`${pkg}_predictor.py`] : []), `${SHARED_PACKAGE}/`];
  const archiveText = `${archive.slice(0, -1).join(', ')} and ${archive[archive.length - 1]}`;

  const required = ['__init__.py', ...entryPointFiles(sklearn).map((e) => e.file), 'contract.json'].filter(
    (file) => !existsSync(path.join(pkgDir, file)),
  );
  if (required.length > 0) {
    problems.push(
      `${field}: ${shown(pkg)}/ lacks ${required.join(', ')}, which the ${sklearn ? 'sklearn' : 'xgboost'} pipeline needs; copy ${required.length === 1 ? 'it' : 'them'} from ml/${sklearn ? 'upsell' : 'churn'}/ and adapt`,
    );
  }
  for (const shim of ['inference', ...(sklearn ? ['predictor'] : [])]) {
    const file = `${pkg}_${shim}.py`;
    if (!existsSync(path.join(codeDir, file))) {
      problems.push(
        `${field}: ${shown(file)} does not exist; the serving container loads it (SAGEMAKER_PROGRAM): add it beside ${pkg}/, re-exporting ${pkg}.${shim}'s model_fn, input_fn, predict_fn and output_fn`,
      );
    }
  }

  for (const entry of entryPointFiles(sklearn)) {
    const file = path.join(pkgDir, entry.file);
    if (!existsSync(file)) continue;
    const missing = missingDefinitions(readFileSync(file, 'utf8'), entry.defines);
    if (missing.length > 0) {
      const what =
        entry.defines === SCRIPT
          ? 'no main: define `def main(...)` or an `if __name__ == "__main__":` block'
          : `no ${missing.map((m) => `\`def ${m}\``).join(', ')} at the top level`;
      problems.push(`${field}: ${shown(pkg, entry.file)} has ${what}; the pipeline runs it`);
    }
  }

  problems.push(...contractProblems(model, at, field, path.join(pkgDir, 'contract.json'), shown(pkg, 'contract.json')));

  const files = [
    ...pythonFiles(pkgDir),
    ...[`${pkg}_inference.py`, `${pkg}_predictor.py`].map((f) => path.join(codeDir, f)).filter(existsSync),
  ];
  const reported = new Set<string>();
  for (const file of files) {
    for (const module of importedModules(readFileSync(file, 'utf8'))) {
      const problem = importProblem(module, { codeDir, pkg, archiveText, source: shown(path.relative(codeDir, file)) });
      if (problem && !reported.has(problem)) {
        reported.add(problem);
        problems.push(`${field}: ${problem}`);
      }
    }
  }
  return problems;
}

interface ImportContext {
  readonly codeDir: string;
  readonly pkg: string;
  readonly archiveText: string;
  /** The importing file as the message shows it. */
  readonly source: string;
}

/** Why an absolute import would fail in SageMaker, or undefined when it resolves. */
function importProblem(module: string, context: ImportContext): string | undefined {
  const { codeDir, pkg, source } = context;
  const [top, ...rest] = module.split('.');
  if (top === pkg || top === SHARED_PACKAGE) {
    const root = path.join(codeDir, top);
    if (!isDirectory(root)) {
      return `${source} imports "${module}", but ${path.basename(codeDir)}/${top}/ does not exist; add the shared package or remove the import`;
    }
    const target = path.join(root, ...rest);
    if (rest.length > 0 && !existsSync(`${target}.py`) && !isDirectory(target)) {
      return `${source} imports "${module}", which has no ${top}/${rest.join('/')}.py; add it or fix the import`;
    }
    if (rest.some((part) => TEST_MODULE.test(part))) {
      return `${source} imports "${module}", which the code archive leaves out as test code (tests/, test_*.py, *_test.py, conftest.py); rename the module`;
    }
    return undefined;
  }
  if (top === `${pkg}_inference` || top === `${pkg}_predictor`) return undefined;
  if (PYTHON_STDLIB_MODULES.has(top) || SKLEARN_IMAGE_LIBRARIES.includes(top)) return undefined;
  const holds = `the code archive of ${pkg} (it holds ${context.archiveText})`;
  if (isDirectory(path.join(codeDir, top)) || existsSync(path.join(codeDir, `${top}.py`))) {
    return `${source} imports "${top}", which is not in ${holds}; import from ${pkg} instead`;
  }
  return `${source} imports "${top}", which neither ${holds}, the standard library nor the ${IMAGE_NAME} (${SKLEARN_IMAGE_LIBRARIES.join(', ')}) provides; vendor it into ${pkg}/ or remove the import`;
}

/** Problems of contract.json and of the monitored features it names. */
function contractProblems(model: ModelCodeInput, at: string, field: string, file: string, shown: string): string[] {
  if (!existsSync(file)) return [];
  let contract: unknown;
  try {
    contract = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    return [`${field}: ${shown} is not valid JSON (${(error as Error).message}); fix it`];
  }
  const columns = (contract as { request_columns?: unknown } | null)?.request_columns;
  if (
    !Array.isArray(columns) ||
    columns.length === 0 ||
    !columns.every((c): c is string => typeof c === 'string' && c.length > 0)
  ) {
    return [
      `${field}: ${shown} needs "request_columns", a non-empty array of column names (the raw request columns in order)`,
    ];
  }
  if (model.featureGroup) return [];
  return (model.monitoring?.features ?? []).flatMap((feature, j) =>
    columns.includes(feature)
      ? []
      : [
          `${at}.monitoring.features[${j}]: "${feature}" is not a request column of ${shown}; expected one of ${columns.join(', ')}`,
        ],
  );
}

/** The functions of `defines` that the source does not define at the top level (`main`: nor a main block). */
function missingDefinitions(source: string, defines: readonly string[]): string[] {
  return defines.filter((name) => {
    if (new RegExp(`^def ${name}\\s*\\(`, 'm').test(source)) return false;
    return !(name === 'main' && /^if __name__ == (['"])__main__\1\s*:/m.test(source));
  });
}

/**
 * The modules of the absolute imports of a Python source (`import a.b, c as d`, `from a.b import x`), indented
 * ones (inside functions or try blocks) included; relative imports and lines inside triple-quoted strings are not.
 */
export function importedModules(source: string): string[] {
  const modules: string[] = [];
  let inString: string | undefined;
  for (const line of source.split(/\r?\n/)) {
    if (inString === undefined) {
      const from = /^\s*from\s+([A-Za-z_][\w.]*)\s+import\b/.exec(line);
      const plain = /^\s*import\s+([^#;]+)/.exec(line);
      if (from) modules.push(from[1]);
      else if (plain) {
        for (const part of plain[1].replace(/[()\\]/g, '').split(',')) {
          const name = part.trim().split(/\s+/)[0];
          if (name && /^[A-Za-z_][\w.]*$/.test(name)) modules.push(name);
        }
      }
    }
    // track triple-quoted strings (docstrings) so that an example in one is not read as an import
    for (const quote of line.match(/"""|'''/g) ?? []) {
      if (inString === undefined) inString = quote;
      else if (inString === quote) inString = undefined;
    }
  }
  return modules;
}

/** The .py files under a folder, without caches. */
function pythonFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.name !== '__pycache__')
    .flatMap((entry) => {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) return pythonFiles(full);
      return entry.name.endsWith('.py') ? [full] : [];
    })
    .sort();
}

function isDirectory(p: string): boolean {
  return existsSync(p) && statSync(p).isDirectory();
}
