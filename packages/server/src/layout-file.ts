import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { layoutFromJson, layoutToJson, type ClusterLayout } from '@shoal/placement';

/** Where a cluster's data directory keeps its layout (nodes, metadata group, partition map). */
export const LAYOUT_FILE = 'cluster-layout.json';

/** The name of the `index`-th AZ of a region: us-east-1a, us-east-1b, ... */
export function zoneName(region: string, index: number): string {
  return `${region}${String.fromCharCode(97 + index)}`;
}

/**
 * The layout in DATA/cluster-layout.json: made by `create` at the first start and written there,
 * read back at every later one (so that a restart finds its replicas). It must describe `nodes`.
 */
export function loadOrCreateLayout(dataDir: string, nodes: number, create: () => ClusterLayout): ClusterLayout {
  const file = join(dataDir, LAYOUT_FILE);
  const layout = existsSync(file) ? layoutFromJson(readFileSync(file, 'utf8')) : create();
  if (layout.nodes.length !== nodes) throw new Error(`${file} describes ${layout.nodes.length} nodes, not ${nodes}`);
  mkdirSync(dataDir, { recursive: true });
  writeLayout(file, layout);
  return layout;
}

/** Replaces a layout file whole (written aside, then renamed over it), so a crash leaves the old or the new one. */
export function writeLayout(file: string, layout: ClusterLayout): void {
  writeFileSync(`${file}.new`, layoutToJson(layout));
  renameSync(`${file}.new`, file);
}
