import { mayReadAdminPages } from './admin/appRoles';

/** The portal's pages, addressed by the URL's hash so a reload or a shared link keeps the page. */
export type Page = 'roles' | 'requests' | 'approve' | 'review-access' | 'settings' | 'audit' | 'alerts' | 'admin-assignments' | 'admin-reviews';

/** `only`: the page is offered to users whose token passes (the API still decides what they may do). */
export const PAGES: Array<{ page: Page; title: string; only?: (token: string) => boolean }> = [
  { page: 'roles', title: 'My roles' },
  { page: 'requests', title: 'My requests' },
  { page: 'approve', title: 'Approve requests' },
  { page: 'review-access', title: 'Review access' },
  { page: 'settings', title: 'Role settings', only: mayReadAdminPages },
  { page: 'audit', title: 'Audit history', only: mayReadAdminPages },
  { page: 'alerts', title: 'Security alerts', only: mayReadAdminPages },
  { page: 'admin-assignments', title: 'Admin: Assignments', only: mayReadAdminPages },
  { page: 'admin-reviews', title: 'Admin: Access reviews', only: mayReadAdminPages },
];

/** The hash's parts: the page's name, then what it opens (e.g. `#/review-access/{definitionId}/{instanceId}`). */
function hashParts(hash: string): string[] {
  return hash
    .replace(/^#\/?/, '')
    .split('/')
    .map((p) => {
      try {
        return decodeURIComponent(p);
      } catch {
        return p;
      }
    });
}

export function pageFromHash(hash: string): Page {
  const name = hashParts(hash)[0];
  return PAGES.find((p) => p.page === name)?.page ?? 'roles';
}

/** What follows the page's name in the hash (empty parts dropped): the ids a mailed link names. */
export function hashArgs(hash: string): string[] {
  return hashParts(hash).slice(1).filter((p) => p !== '');
}

/** The page links; the current one carries aria-current so screen readers announce it. */
export function Nav({ current, token }: { current: Page; token: string }) {
  return (
    <nav aria-label="Pages" class="pages">
      <ul>
        {PAGES.filter((p) => !p.only || p.only(token)).map((p) => (
          <li key={p.page}>
            <a href={`#/${p.page}`} aria-current={p.page === current ? 'page' : undefined}>
              {p.title}
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}
