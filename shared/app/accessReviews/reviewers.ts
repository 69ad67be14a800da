import type { ReviewerRule } from '../../domain/accessReviews';
import type { Target } from '../../domain/target';
import type { Directory } from '../../ports/directory';

/**
 * The user ids one reviewer rule names, as of now: a named user (if they exist), a group's
 * members (nested included) or owners, the reviewed group's owners, or the principal's manager.
 * A self-review names the principal.
 */
export async function resolveRule(deps: { directory: Directory }, rule: ReviewerRule, item: { target: Target; principalId: string | null }): Promise<string[]> {
  const { directory } = deps;
  switch (rule.type) {
    case 'self':
      return item.principalId ? [item.principalId] : [];
    case 'user':
      return (await directory.getPrincipal(rule.userId))?.kind === 'user' ? [rule.userId] : [];
    case 'groupMembers':
      return directory.groupMemberIds(rule.groupId);
    case 'groupOwners':
      return directory.listGroupRelation(rule.groupId, 'owner');
    case 'scopeOwners':
      return item.target.kind === 'group' ? directory.listGroupRelation(item.target.groupId, 'owner') : [];
    case 'manager': {
      if (!item.principalId) return [];
      const manager = await directory.managerOf(item.principalId);
      return manager ? [manager] : [];
    }
    default: {
      const never: never = rule;
      throw new Error(`Unknown reviewer rule ${JSON.stringify(never)}`);
    }
  }
}

/**
 * Who reviews one item: the rules' people without the principal (Why: nobody reviews their own
 * access, except in a self-review), else the fallback rules' people. Rules that do not depend on
 * the item are resolved once per instance (`cache`).
 */
export async function reviewersOf(
  deps: { directory: Directory },
  rules: { reviewers: ReviewerRule[]; fallback: ReviewerRule[] },
  item: { target: Target; principalId: string },
  cache: Map<string, Promise<string[]>>,
): Promise<string[]> {
  if (rules.reviewers.length === 0) return [item.principalId];
  const resolve = async (list: ReviewerRule[]) => {
    const ids = new Set<string>();
    for (const rule of list) {
      const perItem = rule.type === 'manager' || rule.type === 'self';
      const key = JSON.stringify(rule);
      let found: Promise<string[]>;
      if (perItem) found = resolveRule(deps, rule, item);
      else {
        found = cache.get(key) ?? resolveRule(deps, rule, item);
        cache.set(key, found);
      }
      for (const id of await found) if (id.toLowerCase() !== item.principalId.toLowerCase()) ids.add(id.toLowerCase());
    }
    return [...ids];
  };
  const people = await resolve(rules.reviewers);
  return people.length > 0 ? people : resolve(rules.fallback);
}
