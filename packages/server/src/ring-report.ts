import type { ClusterLayout } from '@shoal/placement';

/** What `npm run admin` learns from one node's replica service (see StorageNode.status). */
export interface ReportedNode {
  node: number;
  az: string;
  groups: { group: number; role: string; leader: number; term: number; commit: number; applied: number }[];
}

const hex = (token: bigint) => token.toString(16).padStart(16, '0');

/**
 * The ring as an operator reads it: each partition's token range, its replicas with their AZs
 * (the leader starred), its term and commit index, and replicas that lag or are unreachable.
 */
export function renderRing(layout: ClusterLayout, reported: ReadonlyMap<number, ReportedNode | undefined>): string {
  const azOf = new Map(layout.nodes.map((node) => [node.id, node.az]));
  const lines: string[] = [];
  const up = layout.nodes.filter((node) => reported.get(node.id) !== undefined).length;
  lines.push(`ring: ${layout.map.partitions.length} partitions (map version ${layout.map.version}), ${layout.nodes.length} nodes in ${new Set(azOf.values()).size} AZs, ${up} reachable`);
  lines.push(`nodes: ${layout.nodes.map((node) => `${node.id}@${node.az}${reported.get(node.id) ? '' : ' (down)'}`).join('  ')}`);
  lines.push(`metadata group: voters ${layout.metadataVoters.join(', ')}`);
  lines.push('');
  lines.push('partition  tokens                               replicas (* leader)              term  commit  lagging');
  const groups: { id: number; label: string; replicas: number[]; tokens: string }[] = [
    { id: 0, label: 'metadata', replicas: layout.metadataVoters, tokens: '-' },
    ...layout.map.partitions.map((partition) => ({ id: partition.id, label: String(partition.id), replicas: partition.replicas, tokens: `${hex(partition.start)}-${hex(partition.end - 1n)}` })),
  ];
  for (const group of groups) {
    const states = group.replicas.map((node) => ({ node, state: reported.get(node)?.groups.find((candidate) => candidate.group === group.id) }));
    const leader = states.find(({ state }) => state?.role === 'leader');
    const commit = leader?.state?.commit ?? Math.max(0, ...states.map(({ state }) => state?.commit ?? 0));
    const replicas = states.map(({ node, state }) => `${node}${state?.role === 'leader' ? '*' : ''}(${azOf.get(node) ?? '?'})`).join(' ');
    const lagging = states.filter(({ state }) => !state || state.applied < commit).map(({ node, state }) => (state ? `${node}:${commit - state.applied}` : `${node}:down`));
    lines.push(
      `${group.label.padEnd(10)} ${group.tokens.padEnd(36)} ${replicas.padEnd(32)} ${String(leader?.state?.term ?? '-').padStart(4)}  ${String(commit).padStart(6)}  ${lagging.join(' ') || '-'}`,
    );
  }
  return lines.join('\n');
}
