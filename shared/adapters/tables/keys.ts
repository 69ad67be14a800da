/**
 * Every PartitionKey and RowKey the app writes, built in one place. Table keys may not hold
 * / \ # ? or control characters, so free text is escaped first.
 */
export function escapeKey(value: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what Table keys forbid.
  return value.replace(/[%/\\#?\u0000-\u001f\u007f]/g, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** Row key that sorts by time, then by id, for append-only logs. */
export function timeOrderedKey(isoTime: string, id: string): string {
  return `${isoTime}_${id}`;
}

export const keys = {
  policy: (roleDefinitionId: string) => ({ partitionKey: 'DirectoryRole', rowKey: escapeKey(roleDefinitionId) }),
  policyPartition: 'DirectoryRole',
  audit: (isoTime: string, id: string) => ({ partitionKey: isoTime.slice(0, 10), rowKey: timeOrderedKey(isoTime, id) }),
  /** One partition per (kind, principal, role, scope): its slot row, schedules and requests. */
  slotPartition: (kind: string, principalId: string, roleDefinitionId: string, scopeId: string) =>
    escapeKey(`${kind}|${principalId}|${roleDefinitionId}|${scopeId}`),
  slotRow: 'slot',
  scheduleRow: (id: string) => `schedule|${escapeKey(id)}`,
  requestRow: (id: string) => `request|${escapeKey(id)}`,
  approvalRow: (id: string) => `approval|${escapeKey(id)}`,
};
