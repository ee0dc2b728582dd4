import { ConfigError } from '../../lib/config/loader';

/** The problems of the ConfigError that `action` throws; fails the test if it throws nothing or something else. */
export function problemsOf(action: () => unknown): readonly string[] {
  try {
    action();
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError, but the config was accepted');
}
