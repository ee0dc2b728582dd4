import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

/**
 * One temporary directory per `npm test` run. CDK apps without an outdir write their cloud assembly under
 * os.tmpdir(), and some tests make their own temporary folders: pointing TMPDIR here (the test workers inherit
 * it) lets global-teardown.ts remove them all at once.
 */
export default function globalSetup(): void {
  const runDir = mkdtempSync(path.join(tmpdir(), 'mlops-platform-test-'));
  process.env.MLOPS_TEST_RUN_DIR = runDir;
  process.env.TMPDIR = runDir;
}
