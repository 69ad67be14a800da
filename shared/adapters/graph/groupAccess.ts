import { conditionNotSupported } from '../../domain/condition';
import { asGroup, type GroupTarget, targetKey } from '../../domain/target';
import type { AccessTarget, Grant } from '../../ports/access';
import type { Directory, GroupRelation } from '../../ports/directory';

/**
 * Group membership and ownership as an access target (PIM for Groups): the group's members and
 * owners in Microsoft Entra ID, through Graph. Graph has no id for a membership, so a grant's id
 * is `{groupId}_{accessId}_{principalId}`, stable for the same principal and access.
 */
export function groupAccess(directory: Directory): AccessTarget {
  return {
    async grant(principalId, target, options) {
      const group = asGroup(target);
      // Why: a membership or ownership carries no ABAC condition; adding the member without it would give more than asked.
      if (options?.condition) throw conditionNotSupported(group.kind);
      const { created } = await directory.addToGroup(group.groupId, group.accessId, principalId);
      return { ...grantOf(group.groupId, group.accessId, principalId), created };
    },

    async revoke(principalId, target) {
      const group = asGroup(target);
      await directory.removeFromGroup(group.groupId, group.accessId, principalId);
    },

    async listGrants(filter) {
      const wanted = filter?.targets?.map(asGroup);
      if (filter?.principalId) {
        const principalId = filter.principalId;
        const grants = (await directory.relationsOf(principalId)).map((r) => grantOf(r.groupId, r.relation, principalId));
        if (!wanted) return grants;
        const keys = new Set(wanted.map(targetKey));
        return grants.filter((g) => keys.has(targetKey(g.target)));
      }
      if (wanted) {
        // One listing per group and access, however often the caller names it.
        const distinct = [...new Map(wanted.map((t) => [targetKey(t), t])).values()];
        const lists = await Promise.all(
          distinct.map(async (t) => (await directory.listGroupRelation(t.groupId, t.accessId)).map((principalId) => grantOf(t.groupId, t.accessId, principalId))),
        );
        return lists.flat();
      }
      // Why: listing every group's members and owners would walk the whole directory.
      throw new Error('Group grants must be listed per principal or per group: pass principalId or targets.');
    },
  };
}

function grantOf(groupId: string, accessId: GroupRelation, principalId: string): Grant {
  const target: GroupTarget = { kind: 'group', groupId, accessId };
  return { id: `${groupId}_${accessId}_${principalId}`, principalId, target };
}
