/**
 * `--key=value` options of a benchmark script over its documented defaults: a key not among the defaults is
 * refused with the list of known ones, and a number must be an integer (booleans take `--key` or `--key=true`).
 */
export function parseOptions<T extends Record<string, string | number | boolean>>(argv: readonly string[], defaults: T): T {
  const out: Record<string, string | number | boolean> = { ...defaults };
  for (const arg of argv) {
    const m = /^--([\w-]+)(?:=(.*))?$/.exec(arg);
    if (!m || !(m[1] in defaults)) {
      throw new Error(`unknown argument ${arg}; known: ${Object.keys(defaults).map((k) => `--${k}`).join(', ')}`);
    }
    const [, key, value] = m;
    const kind = typeof defaults[key];
    if (kind === 'boolean') out[key] = value === undefined || value === 'true';
    else if (kind === 'number') {
      if (value === undefined || !Number.isInteger(Number(value))) throw new Error(`--${key} must be an integer, got ${value}`);
      out[key] = Number(value);
    } else out[key] = value ?? '';
  }
  return out as T;
}
