import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT } from '../support/platform';

/*
 * A fork edits config/platform.json (and its feature-groups lock); only the fork suite (test/fork/) follows it.
 * Any other test that read those files would break the fork's `npm test`, so this scan keeps them out.
 */

/** Ways a test reads the shipped config: by path, or through the loader's default (no `config:` override). */
const READS = [
  /(?:readFileSync|existsSync|readFeatureGroupLock|readModelLock|path\.(?:join|resolve))\([^)]*['"`](?:\.\/)?config\/(?:platform\.json|feature-groups\.lock\.json|models\.lock\.json)['"`]/,
  /\bloadConfig\(\s*\{[^}]*\bconfig\s*:\s*['"`](?:\.\/)?config\/platform\.json['"`]/,
  /REPO_ROOT,\s*['"`]config['"`]/,
  /\bloadConfig\((?![^)]*\bconfig\s*:)[^)]*REPO_ROOT/,
];

function typescriptFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : typescriptFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

function readers(): string[] {
  return typescriptFiles(path.join(REPO_ROOT, 'test'))
    .map((file) => path.relative(REPO_ROOT, file).split(path.sep).join('/'))
    .filter((file) => !file.startsWith('test/fork/'))
    .filter((file) => {
      const code = readFileSync(path.join(REPO_ROOT, file), 'utf8')
        // comments may name the file; only code reads it
        .replace(/\/\*[\s\S]*?\*\//g, '')
        .replace(/^\s*\/\/.*$/gm, '');
      return READS.some((pattern) => pattern.test(code));
    });
}

test('GIVEN the test files THEN only the fork suite reads config/platform.json or its lock', () => {
  // WHEN
  const found = readers();

  // THEN
  if (found.length > 0) {
    throw new Error(
      `these tests read config/platform.json or config/feature-groups.lock.json, which a fork edits: synthesize a fixture of test/support/fixtures.ts instead (synthAtStage(stage, shape), resolveFixture):\n${found.map((f) => `  - ${f}`).join('\n')}`,
    );
  }
  expect(found).toEqual([]);
});

test('GIVEN code that reads the shipped config, and code that only names it THEN the scan finds only the first', () => {
  // GIVEN
  const code = "const config = loadConfig({ maturity: '5' }, REPO_ROOT);";
  const byPath = "readFileSync(path.join(REPO_ROOT, 'config', 'platform.json'), 'utf8')";
  const named = "loadConfig({ config: 'config/platform.json' }, REPO_ROOT)";
  const withOwnFile = "loadConfig({ config: 'platform.json' }, dir)";
  const mentioned = "expect(lockCommand('config/platform.json')).toBe('npm run feature-groups:lock')";

  // THEN
  expect(READS.some((pattern) => pattern.test(code))).toBe(true);
  expect(READS.some((pattern) => pattern.test(byPath))).toBe(true);
  expect(READS.some((pattern) => pattern.test(named))).toBe(true);
  expect(READS.some((pattern) => pattern.test(withOwnFile))).toBe(false);
  expect(READS.some((pattern) => pattern.test(mentioned))).toBe(false);
});
