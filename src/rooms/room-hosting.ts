/**
 * Which node hosts a room: the one place that decides it. Today every room lives on the leader, as
 * the design says; sharding rooms across nodes (e.g. by a ZooKeeper-kept assignment) changes only
 * this function and the host's loading of "its" rooms.
 */
export function hostOfRoom(_room: string | null, leaderId: string | null): string | null {
  return leaderId;
}
