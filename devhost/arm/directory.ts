/**
 * What ARM asks Microsoft Entra ID about a principal: its type (ARM refuses a role assignment
 * to a principal the directory does not know) and the groups it is in (`assignedTo()` lists
 * assignments through groups too).
 */
export interface PrincipalDirectory {
  /** 'User' or 'Group'; undefined when the directory has no such principal; null when no directory answers. */
  principalType(id: string): Promise<'User' | 'Group' | undefined | null>;
  /** The groups the principal is in, directly or through other groups. */
  groupsOf(id: string): Promise<string[]>;
}

/**
 * The directory as devhost's Graph stand-in holds it, asked over HTTP at `graphUrl` (the same
 * host's /.devhost/graph/v1.0). Without a Graph stand-in there, no principal is refused and
 * none is in a group.
 */
export function graphStandInDirectory(graphUrl: () => string | undefined): PrincipalDirectory {
  const get = async (path: string): Promise<{ status: number; body: Record<string, unknown> | undefined }> => {
    const base = graphUrl();
    if (!base) return { status: 0, body: undefined };
    try {
      const res = await fetch(`${base}${path}`);
      const text = await res.text();
      return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : undefined };
    } catch {
      return { status: 0, body: undefined };
    }
  };
  const isGraphNotFound = (answer: { status: number; body: Record<string, unknown> | undefined }) => answer.status === 404 && answer.body?.error !== undefined;
  return {
    async principalType(id) {
      const answer = await get(`/directoryObjects/${encodeURIComponent(id)}`);
      if (answer.status === 200) return answer.body?.['@odata.type'] === '#microsoft.graph.group' ? 'Group' : 'User';
      return isGraphNotFound(answer) ? undefined : null;
    },
    async groupsOf(id) {
      for (const set of ['users', 'groups']) {
        const answer = await get(`/${set}/${encodeURIComponent(id)}/transitiveMemberOf?$select=id`);
        if (answer.status === 200) return ((answer.body?.value as Array<{ id?: string }> | undefined) ?? []).map((g) => g.id ?? '').filter(Boolean);
      }
      return [];
    },
  };
}
