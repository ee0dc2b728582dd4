import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { buildSync } from 'esbuild';
import { RUNTIME_PROVIDED_MODULES } from '../../lib/constructs/platform-function';
import { REPO_ROOT } from '../support/platform';

const BUNDLE_DIR = path.join(REPO_ROOT, 'test', 'integration', '.bundle');

/**
 * Bundles `lambda/<name>/handler.ts` as the platform deploys it (minified, the AWS SDK left to the runtime, here
 * node_modules) and loads it: the integration tests run the code that ships, not the sources.
 */
export function bundledHandler<T>(name: string): T {
  mkdirSync(BUNDLE_DIR, { recursive: true });
  const outfile = path.join(BUNDLE_DIR, `${name}.js`);
  buildSync({
    entryPoints: [path.join(REPO_ROOT, 'lambda', name, 'handler.ts')],
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    minify: true,
    sourcemap: true,
    external: [...RUNTIME_PROVIDED_MODULES],
    outfile,
    logLevel: 'error',
  });
  return require(outfile).handler as T;
}
