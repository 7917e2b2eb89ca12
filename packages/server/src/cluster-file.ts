/** One process `npm run cluster` started, as listed in DATA/cluster.json. */
export interface ClusterProcess {
  pid: number;
  role: 'storage' | 'gateway';
  /** Storage nodes: the node id and AZ. */
  id?: number;
  az?: string;
  /** storage: raft, replica; gateway: http. */
  ports: Record<string, number>;
  /** The command line that starts the process again (from the repository root). */
  command: string[];
}

export interface ClusterFile {
  url: string;
  cwd: string;
  layout: string;
  processes: ClusterProcess[];
}
