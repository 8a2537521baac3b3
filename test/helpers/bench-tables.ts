/** Reads the tables the benchmarks print (bench/stats.ts `formatTable`): a title line, a header, a rule, then rows. */

/** The data rows of the table whose title starts with `prefix`, split into trimmed cells. */
export function tableRows(stdout: string, prefix: string): string[][] {
  const lines = stdout.split('\n');
  const start = lines.findIndex((l) => l.startsWith(prefix));
  if (start < 0) return [];
  const rows: string[][] = [];
  for (const line of lines.slice(start + 3)) {
    if (!line.startsWith('|')) break;
    rows.push(line.split('|').slice(1, -1).map((c) => c.trim()));
  }
  return rows;
}
