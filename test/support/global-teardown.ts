import { rmSync } from 'node:fs';

/** Removes the run directory of global-setup.ts, with every cloud assembly and temporary folder in it. */
export default function globalTeardown(): void {
  const runDir = process.env.MLOPS_TEST_RUN_DIR;
  if (runDir) rmSync(runDir, { recursive: true, force: true });
}
