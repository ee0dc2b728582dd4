import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

const BIOME = path.resolve(__dirname, '..', '..', 'node_modules', '.bin', 'biome');

/**
 * `value` as JSON in the layout `npm run lint` expects for `file` (short arrays on one line), so a file a test
 * writes is committed as written, with no formatting run afterwards.
 */
export function formatJson(file: string, value: unknown): string {
  const result = spawnSync(BIOME, ['format', `--stdin-file-path=${file}`], {
    input: `${JSON.stringify(value, null, 2)}\n`,
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`biome could not format ${file}: ${result.stderr}`);
  return result.stdout;
}
