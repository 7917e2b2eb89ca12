import type { ConfigChange, Membership } from './types.js';

/** The membership after one single-server change (voters and learners each kept sorted). */
export function applyChange(membership: Membership, change: ConfigChange): Membership {
  const voters = membership.voters.filter((node) => node !== change.node);
  const learners = membership.learners.filter((node) => node !== change.node);
  if (change.kind === 'addLearner') learners.push(change.node);
  if (change.kind === 'promote') voters.push(change.node);
  return { voters: voters.sort((a, b) => a - b), learners: learners.sort((a, b) => a - b) };
}

/** A copy that later changes to the original do not reach (a snapshot's record of it). */
export function copyMembership(membership: Membership): Membership {
  return { voters: [...membership.voters], learners: [...membership.learners] };
}
