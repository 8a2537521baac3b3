/**
 * The dependency graph between the top-level folders of a source tree, read from its `import` and `export ... from`
 * statements (dynamic `import()` included), and the cycles in it. A file directly under the root is a unit of its
 * own (`config.ts`), a folder is one unit with everything beneath it (`index/`). TypeScript's own pre-processor
 * finds the specifiers, so that comments and strings that look like imports are not counted.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';

/** One edge between units, with the file imports that make it (`index/a.ts -> retriever/b.ts`). */
export interface FolderEdge {
  from: string;
  to: string;
  imports: string[];
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** The unit a path under `root` belongs to. */
function unitOf(root: string, path: string): string {
  const parts = relative(root, path).split(sep);
  return parts.length > 1 ? `${parts[0]}/` : parts[0]!;
}

/** Every edge between different units of the tree at `root`; imports leaving the tree are ignored. */
export function folderEdges(root: string): FolderEdge[] {
  const edges = new Map<string, FolderEdge>();
  for (const file of sourceFiles(root)) {
    const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    for (const { fileName } of importedFiles) {
      if (!fileName.startsWith('.')) continue;
      const target = resolve(dirname(file), fileName.replace(/\.js$/, '.ts'));
      if (!target.startsWith(root + sep)) continue;
      const from = unitOf(root, file);
      const to = unitOf(root, target);
      if (from === to) continue;
      const key = `${from} ${to}`;
      const edge = edges.get(key) ?? { from, to, imports: [] };
      edge.imports.push(`${relative(root, file)} -> ${relative(root, target)}`);
      edges.set(key, edge);
    }
  }
  return [...edges.values()];
}

/** The groups of units that reach one another (strongly connected components of more than one unit), by Tarjan. */
export function cycles(edges: FolderEdge[]): string[][] {
  const next = new Map<string, string[]>();
  for (const { from, to } of edges) next.set(from, [...(next.get(from) ?? []), to]);
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const groups: string[][] = [];
  const visit = (unit: string) => {
    index.set(unit, index.size);
    low.set(unit, index.get(unit)!);
    stack.push(unit);
    onStack.add(unit);
    for (const to of next.get(unit) ?? []) {
      if (!index.has(to)) {
        visit(to);
        low.set(unit, Math.min(low.get(unit)!, low.get(to)!));
      } else if (onStack.has(to)) {
        low.set(unit, Math.min(low.get(unit)!, index.get(to)!));
      }
    }
    if (low.get(unit) !== index.get(unit)) return;
    const group: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      group.push(member);
    } while (member !== unit);
    if (group.length > 1) groups.push(group.sort());
  };
  for (const unit of new Set(edges.flatMap((e) => [e.from, e.to]))) if (!index.has(unit)) visit(unit);
  return groups;
}

/** A readable account of a cycle: each edge inside it with the imports that make it. */
export function describeCycle(group: string[], edges: FolderEdge[]): string {
  const inside = new Set(group);
  return edges.filter((e) => inside.has(e.from) && inside.has(e.to))
    .map((e) => `${e.from} -> ${e.to}\n    ${e.imports.join('\n    ')}`).join('\n');
}
