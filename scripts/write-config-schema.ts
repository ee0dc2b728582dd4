import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { renderConfigJsonSchema } from '../lib/config/json-schema';

// `npm run config:schema`: regenerates docs/config.schema.json from the zod schema.
const target = path.resolve(__dirname, '..', 'docs', 'config.schema.json');
writeFileSync(target, renderConfigJsonSchema());
process.stdout.write(`wrote ${path.relative(process.cwd(), target)}\n`);
