import { signedInAdminAccess } from './admin/appRoles';

/** The portal's pages, addressed by the URL's hash so a reload or a shared link keeps the page. */
export type Page = 'roles' | 'requests' | 'approve' | 'settings' | 'admin-assignments';

/** `admin`: shown only to PIM.Admin and PIM.Auditor (the API refuses everyone else anyway). */
export const PAGES: Array<{ page: Page; title: string; admin?: true }> = [
  { page: 'roles', title: 'My roles' },
  { page: 'requests', title: 'My requests' },
  { page: 'approve', title: 'Approve requests' },
  { page: 'settings', title: 'Role settings', admin: true },
  { page: 'admin-assignments', title: 'Admin: Assignments', admin: true },
];

const visible = () => PAGES.filter((p) => !p.admin || signedInAdminAccess());

export function pageFromHash(hash: string): Page {
  const name = hash.replace(/^#\/?/, '');
  return PAGES.find((p) => p.page === name)?.page ?? 'roles';
}

/** The page links; the current one carries aria-current so screen readers announce it. */
export function Nav({ current }: { current: Page }) {
  return (
    <nav aria-label="Pages" class="pages">
      <ul>
        {visible().map((p) => (
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
