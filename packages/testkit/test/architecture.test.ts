import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The layering rules of ../shared/STYLE.md, enforced: a package imports only the workspace
 * packages its package.json declares, the dependency graph has no cycles, no file deep-imports
 * another package, and pure packages touch no I/O, clocks, timers or global randomness.
 */
const ROOT = new URL('../../../', import.meta.url).pathname;
const PACKAGES = join(ROOT, 'packages');
const PURE = new Set(['base', 'model', 'codec', 'expressions', 'protocol', 'raft', 'linearizability']);
/** node modules a pure package may use: computation only, no I/O. */
const PURE_NODE_MODULES_ALLOWED = new Set(['node:crypto']);
/** The one sanctioned reader of the wall clock: the `systemClock` that drivers inject. */
const SANCTIONED_FILES = new Set(['base/src/clock.ts']);
const FORBIDDEN_IN_PURE = [/\bDate\.now\(/, /\bMath\.random\(/, /\bsetTimeout\(/, /\bsetInterval\(/, /\bprocess\.(env|argv)\b/];

function sourceFiles(directory: string): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(directory)) {
    const path = join(directory, entry);
    if (statSync(path).isDirectory()) files.push(...sourceFiles(path));
    else if (path.endsWith('.ts')) files.push(path);
  }
  return files;
}

function importsOf(text: string): string[] {
  const found: string[] = [];
  for (const match of text.matchAll(/(?:import|export)[^'";]*?from\s+'([^']+)'|import\s*\(\s*'([^']+)'\s*\)/g)) {
    found.push((match[1] ?? match[2]) as string);
  }
  return found;
}

const packages = readdirSync(PACKAGES).filter((name) => statSync(join(PACKAGES, name, 'package.json'), { throwIfNoEntry: false }));

function declaredDependencies(name: string): Set<string> {
  const manifest = JSON.parse(readFileSync(join(PACKAGES, name, 'package.json'), 'utf8'));
  return new Set(Object.keys({ ...manifest.dependencies }));
}

describe('package architecture', () => {
  it('imports only declared workspace packages, through their public surface', () => {
    const violations: string[] = [];
    for (const name of packages) {
      const declared = declaredDependencies(name);
      for (const file of sourceFiles(join(PACKAGES, name, 'src'))) {
        for (const specifier of importsOf(readFileSync(file, 'utf8'))) {
          if (!specifier.startsWith('@shoal/')) continue;
          const [scope, target, ...rest] = specifier.split('/');
          const packageName = `${scope}/${target}`;
          if (packageName === `@shoal/${name}`) violations.push(`${file}: imports its own package`);
          if (!declared.has(packageName)) violations.push(`${file}: ${specifier} is not a declared dependency`);
          if (rest.length > 0 && !(packageName === '@shoal/storage' && rest.join('/') === 'compliance')) {
            violations.push(`${file}: deep import ${specifier}`);
          }
        }
      }
    }
    expect(violations).toEqual([]);
  });

  it('has no dependency cycles', () => {
    const graph = new Map(
      packages.map((name) => [name, [...declaredDependencies(name)].filter((d) => d.startsWith('@shoal/')).map((d) => d.slice('@shoal/'.length))]),
    );
    const state = new Map<string, 'visiting' | 'done'>();
    const cycles: string[] = [];
    const visit = (name: string, path: string[]) => {
      if (state.get(name) === 'done') return;
      if (state.get(name) === 'visiting') {
        cycles.push([...path, name].join(' -> '));
        return;
      }
      state.set(name, 'visiting');
      for (const next of graph.get(name) ?? []) visit(next, [...path, name]);
      state.set(name, 'done');
    };
    for (const name of graph.keys()) visit(name, []);
    expect(cycles).toEqual([]);
  });

  it('keeps pure packages free of I/O, clocks, timers and global randomness', () => {
    const violations: string[] = [];
    for (const name of packages.filter((p) => PURE.has(p))) {
      for (const file of sourceFiles(join(PACKAGES, name, 'src'))) {
        if (SANCTIONED_FILES.has(file.slice(PACKAGES.length + 1))) continue;
        const text = readFileSync(file, 'utf8');
        for (const specifier of importsOf(text)) {
          if (specifier.startsWith('node:') && !PURE_NODE_MODULES_ALLOWED.has(specifier)) violations.push(`${file}: imports ${specifier}`);
        }
        for (const pattern of FORBIDDEN_IN_PURE) if (pattern.test(text)) violations.push(`${file}: uses ${pattern}`);
      }
    }
    expect(violations).toEqual([]);
  });
});
