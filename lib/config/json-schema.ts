import { configJsonSchema } from './schema';

/** The JSON Schema file content for docs/config.schema.json, stable byte for byte. */
export function renderConfigJsonSchema(): string {
  const schema = {
    ...configJsonSchema(),
    title: 'MLOps maturity platform config',
  };
  return `${JSON.stringify(schema, null, 2)}\n`;
}
