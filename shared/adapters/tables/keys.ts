/**
 * Every PartitionKey and RowKey the app writes, built in one place. Table keys may not hold
 * / \ # ? or control characters, so free text is escaped first.
 */
export function escapeKey(value: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what Table keys forbid.
  return value.replace(/[%/\\#?\u0000-\u001f\u007f]/g, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

export const keys = {
  policy: (roleDefinitionId: string) => ({ partitionKey: 'DirectoryRole', rowKey: escapeKey(roleDefinitionId) }),
  policyPartition: 'DirectoryRole',
  /**
   * The audit hash chain: every record and the chain head in one partition, so a record and the
   * head that points at it commit in one transaction. Record row keys are the zero-padded seq, so
   * rows list in chain order (and digits sort before 'head').
   */
  audit: {
    partition: 'chain',
    head: { partitionKey: 'chain', rowKey: 'head' },
    record: (seq: number) => ({ partitionKey: 'chain', rowKey: String(seq).padStart(12, '0') }),
  },
  /** One partition per (kind, principal, role, scope): its slot row, schedules and requests. */
  slotPartition: (kind: string, principalId: string, roleDefinitionId: string, scopeId: string) =>
    escapeKey(`${kind}|${principalId}|${roleDefinitionId}|${scopeId}`),
  slotRow: 'slot',
  scheduleRow: (id: string) => `schedule|${escapeKey(id)}`,
  requestRow: (id: string) => `request|${escapeKey(id)}`,
  approvalRow: (id: string) => `approval|${escapeKey(id)}`,
};
