/**
 * JSON in the layout biome gives config files (biome.json: 2-space indent, line width 120): objects one key a
 * line, an array of plain values on one line when it fits in the line width, otherwise one element a line; a
 * trailing newline. Writing the config this way keeps `npm run lint` clean with no formatting run afterwards.
 */
const LINE_WIDTH = 120;
const INDENT = '  ';

export function formatJson(value: unknown): string {
  return `${format(value, '', 0)}\n`;
}

/** `prefix` is how many characters precede the value on its line (indentation, key). */
function format(value: unknown, indent: string, prefix: number): string {
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    const plain = value.every((v) => v === null || typeof v !== 'object');
    const inline = `[${value.map((v) => JSON.stringify(v)).join(', ')}]`;
    // the closing bracket is followed by a comma in most places: count it, as biome does
    if (plain && prefix + inline.length + 1 <= LINE_WIDTH) return inline;
    const inner = indent + INDENT;
    return `[\n${value.map((v) => `${inner}${format(v, inner, inner.length)}`).join(',\n')}\n${indent}]`;
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    if (entries.length === 0) return '{}';
    const inner = indent + INDENT;
    const lines = entries.map(([key, v]) => {
      const head = `${inner}${JSON.stringify(key)}: `;
      return `${head}${format(v, inner, head.length)}`;
    });
    return `{\n${lines.join(',\n')}\n${indent}}`;
  }
  return JSON.stringify(value);
}
