import { existsSync, readFileSync } from 'node:fs';
import type { z } from 'zod';

/** A lock file as read: its path as the user sees it, its content when it is valid, and what is wrong with it. */
export interface ReadLockFile<T> {
  /** The path as messages name it. */
  readonly path: string;
  /** The config file the lock belongs to, when not the default one. */
  readonly configPath?: string;
  /** @default - no lock yet (a fresh fork) or an unreadable one */
  readonly lock?: T;
  /** @default - none */
  readonly problems?: readonly string[];
}

/**
 * Reads a committed lock file (the feature-group lock, the models lock). A missing file is no problem (a fresh
 * fork); invalid JSON or content is, named by field, with the command that rewrites it.
 */
export function readLockFile<T>(
  file: string,
  displayPath: string,
  schema: z.ZodType<T>,
  command: string,
  configPath?: string,
): ReadLockFile<T> {
  if (!existsSync(file)) return { path: displayPath, configPath };
  const fix = `restore it from version control or rerun ${command}`;
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    return {
      path: displayPath,
      configPath,
      problems: [`${displayPath}: not valid JSON: ${(error as Error).message}; ${fix}`],
    };
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    return {
      path: displayPath,
      configPath,
      problems: parsed.error.issues.map(
        (issue) => `${displayPath} ${issue.path.join('.') || '(root)'}: ${issue.message}; ${fix}`,
      ),
    };
  }
  return { path: displayPath, lock: parsed.data, configPath };
}
