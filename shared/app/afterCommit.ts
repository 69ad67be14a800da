/**
 * A step that runs after a change is committed and whose failure must not fail the request:
 * the stored change is the decision of record, and the reconcile timer finishes the step (a
 * grant at start, a revoke past end). The caller is told it succeeded, so the failure is
 * logged with the request id, for an operator to follow a grant or removal that lagged.
 */
export async function afterCommit<T>(correlationId: string, step: string, work: () => Promise<T>): Promise<T | undefined> {
  try {
    return await work();
  } catch (error) {
    console.warn(`Request ${correlationId}: ${step} failed after the change was stored; the reconcile timer will finish it. ${error instanceof Error ? error.message : String(error)}`);
    return undefined;
  }
}
