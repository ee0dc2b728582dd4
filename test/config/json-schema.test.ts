import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { renderConfigJsonSchema } from '../../lib/config/json-schema';
import { REPO_ROOT } from '../support/platform';

test('docs/config.schema.json is up to date with the zod schema (run `npm run config:schema`)', () => {
  const checkedIn = readFileSync(path.join(REPO_ROOT, 'docs', 'config.schema.json'), 'utf8');
  expect(checkedIn).toEqual(renderConfigJsonSchema());
});

test('the JSON Schema rejects unknown keys and requires project and environments', () => {
  const schema = JSON.parse(renderConfigJsonSchema());
  expect(schema.additionalProperties).toBe(false);
  expect(schema.required).toEqual(expect.arrayContaining(['project', 'environments']));
});
