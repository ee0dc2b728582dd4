import { DEFAULT_CONFIG_PATH } from '../../lib/vocabulary';

/** `--config <file>` and a repeatable `--<flag> <name>` of the lock commands, or the usage problem as a string. */
export function parseLockArgs(
  argv: readonly string[],
  flag: string,
): { readonly config: string; readonly names: string[] } | string {
  let config = DEFAULT_CONFIG_PATH;
  const names: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = argv[i + 1];
    if ((arg === '--config' || arg === flag) && (value === undefined || value.startsWith('--'))) {
      return `${arg} needs a value`;
    }
    if (arg === '--config') config = value as string;
    else if (arg === flag) names.push(value as string);
    else return `unknown argument ${JSON.stringify(arg)}`;
    i++;
  }
  return { config, names };
}
