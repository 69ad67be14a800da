import { mayReadAdminPages } from './admin/appRoles';

/** The portal's pages, addressed by the URL's hash so a reload or a shared link keeps the page. */
export type Page = 'roles' | 'requests' | 'approve' | 'settings' | 'audit' | 'admin-assignments';

/** `only`: the page is offered to users whose token passes (the API still decides what they may do). */
export const PAGES: Array<{ page: Page; title: string; only?: (token: string) => boolean }> = [
  { page: 'roles', title: 'My roles' },
  { page: 'requests', title: 'My requests' },
  { page: 'approve', title: 'Approve requests' },
  { page: 'settings', title: 'Role settings', only: mayReadAdminPages },
  { page: 'audit', title: 'Audit history', only: mayReadAdminPages },
  { page: 'admin-assignments', title: 'Admin: Assignments', only: mayReadAdminPages },
];

export function pageFromHash(hash: string): Page {
  const name = hash.replace(/^#\/?/, '');
  return PAGES.find((p) => p.page === name)?.page ?? 'roles';
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
