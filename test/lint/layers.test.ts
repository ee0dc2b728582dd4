import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

/**
 * The three layers of DESIGN.md section 5 are enforced by biome.json: `noRestrictedImports` per folder and
 * `noImportCycles` (type imports counted). These tests prove the rules bite, by linting a small project that
 * breaks each of them with the repository's own lint configuration. That the repository itself keeps them is
 * `npm run lint`'s job, which runs the same rules over the whole tree.
 */

const ROOT = path.resolve(__dirname, '..', '..');
const BIOME = path.join(ROOT, 'node_modules', '.bin', 'biome');
const LAYER_RULES = ['lint/style/noRestrictedImports', 'lint/suspicious/noImportCycles'];

interface Finding {
  readonly rule: string;
  /** Path relative to the linted folder. */
  readonly file: string;
  readonly line: number;
  readonly message: string;
}

/** A throwaway project under os.tmpdir() with the repository's lint rules and `files` (path -> source). */
function givenAProject(files: Readonly<Record<string, string>>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'layers-'));
  const config = JSON.parse(readFileSync(path.join(ROOT, 'biome.json'), 'utf8'));
  // Only the rules: no schema path, plugins or git ignore file to resolve outside the repository.
  delete config.$schema;
  delete config.plugins;
  config.vcs = { enabled: false };
  config.files = { includes: ['**'] };
  writeFileSync(path.join(dir, 'biome.json'), JSON.stringify(config));
  for (const [file, source] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), source);
  }
  return dir;
}

/** Lints `paths` in `dir` and returns the layer findings, read from the GitHub reporter's one line per finding. */
function lint(dir: string, paths: readonly string[] = ['.']): Finding[] {
  const result = spawnSync(BIOME, ['lint', '--reporter=github', '--max-diagnostics=none', ...paths], {
    cwd: dir,
    encoding: 'utf8',
  });
  if (result.error) throw result.error;
  const findings: Finding[] = [];
  for (const line of result.stdout.split('\n')) {
    const match = /^::error title=([^,]+),file=([^,]+),line=(\d+),.*?::(.*)$/.exec(line);
    if (!match || !LAYER_RULES.includes(match[1])) continue;
    findings.push({
      rule: match[1],
      file: path.relative(dir, path.resolve(dir, match[2])).split(path.sep).join('/'),
      line: Number(match[3]),
      message: match[4],
    });
  }
  return findings.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line);
}

const imports = (...specifiers: string[]) =>
  `${specifiers.map((s, i) => `import * as m${i} from '${s}';`).join('\n')}\nexport const all = [${specifiers.map((_, i) => `m${i}`).join(', ')}];\n`;

describe('the layers of lib/ (DESIGN.md section 5)', () => {
  test('an import across a layer boundary is reported, with the rule and the layer it breaks', () => {
    // GIVEN one file per layer that imports upward, and one construct file that imports only what it may
    const dir = givenAProject({
      'lib/constructs/upward.ts': imports('../config/schema', '../stacks/platform-stack', '../environment', '../app'),
      'lib/constructs/nested/upward.ts': imports('../../approve/approve', '../../../tools/approve/plan'),
      'lib/constructs/allowed.ts': imports(
        '../vocabulary',
        '../naming',
        '../feature-store/types',
        '../compliance/acknowledge',
        '../pipeline-definition',
        '../../lambda/retraining-trigger/config',
        './platform-role',
        'aws-cdk-lib',
      ),
      'lib/pipeline-definition/upward.ts': imports('../constructs/feature-group', '../config/schema', 'aws-cdk-lib'),
      'lib/config/upward.ts': imports(
        '../stacks/serving-stack',
        '../constructs/persona-roles',
        '../feature-store/schema-guard',
      ),
      'lib/feature-store/upward.ts': imports('../config/schema', '../vocabulary'),
      'lib/vocabulary.ts': imports('./naming'),
      'lib/naming.ts': imports('./config/loader'),
      'lambda/fn/handler.ts': imports('../../lib/naming', 'aws-cdk-lib', '../shared/retry', './policy'),
      'tools/cmd/cli.ts': imports(
        '../../lib/stacks/serving-stack',
        '../../lib/environment',
        '../../lib/constructs/model-endpoint',
        '../../lib/naming',
        '../../lib/config/loader',
        '../../lib/app',
        './job',
      ),
    });

    // WHEN it is linted with the repository's rules
    const findings = lint(dir);

    // THEN every upward import, and only those, is reported by noRestrictedImports
    expect(findings.map((f) => `${f.file}:${f.line} ${f.rule}`)).toEqual([
      'lambda/fn/handler.ts:1 lint/style/noRestrictedImports',
      'lambda/fn/handler.ts:2 lint/style/noRestrictedImports',
      'lib/config/upward.ts:1 lint/style/noRestrictedImports',
      'lib/config/upward.ts:2 lint/style/noRestrictedImports',
      'lib/constructs/nested/upward.ts:1 lint/style/noRestrictedImports',
      'lib/constructs/nested/upward.ts:2 lint/style/noRestrictedImports',
      'lib/constructs/upward.ts:1 lint/style/noRestrictedImports',
      'lib/constructs/upward.ts:2 lint/style/noRestrictedImports',
      'lib/constructs/upward.ts:3 lint/style/noRestrictedImports',
      'lib/constructs/upward.ts:4 lint/style/noRestrictedImports',
      'lib/feature-store/upward.ts:1 lint/style/noRestrictedImports',
      'lib/naming.ts:1 lint/style/noRestrictedImports',
      'lib/pipeline-definition/upward.ts:1 lint/style/noRestrictedImports',
      'lib/pipeline-definition/upward.ts:2 lint/style/noRestrictedImports',
      'lib/vocabulary.ts:1 lint/style/noRestrictedImports',
      'tools/cmd/cli.ts:1 lint/style/noRestrictedImports',
      'tools/cmd/cli.ts:2 lint/style/noRestrictedImports',
      'tools/cmd/cli.ts:3 lint/style/noRestrictedImports',
    ]);
    // AND the message names the layer and points at the design
    const construct = findings.find((f) => f.file === 'lib/constructs/upward.ts');
    expect(construct?.message).toMatch(/^Layers \(docs: DESIGN\.md section 5\): lib\/constructs is a config-free/);
  });

  test('an import cycle is reported even when it is made of type-only imports', () => {
    // GIVEN two modules that import each other's types, as step.ts and values.ts once did
    const dir = givenAProject({
      'lib/pipeline-definition/step.ts':
        "import type { Value } from './values';\nexport interface Step { v?: Value }\n",
      'lib/pipeline-definition/values.ts': "import type { Step } from './step';\nexport interface Value { s?: Step }\n",
    });

    // WHEN it is linted
    const findings = lint(dir);

    // THEN both ends of the cycle are reported
    expect(findings.map((f) => `${f.file} ${f.rule}`)).toEqual([
      'lib/pipeline-definition/step.ts lint/suspicious/noImportCycles',
      'lib/pipeline-definition/values.ts lint/suspicious/noImportCycles',
    ]);
  });
});
