import { signedInAdminAccess } from './admin/appRoles';

/** The portal's pages, addressed by the URL's hash so a reload or a shared link keeps the page. */
export type Page = 'roles' | 'requests' | 'approve' | 'settings';

export const PAGES: Array<{ page: Page; title: string }> = [
  { page: 'roles', title: 'My roles' },
  { page: 'requests', title: 'My requests' },
  { page: 'approve', title: 'Approve requests' },
  { page: 'settings', title: 'Role settings' },
];

export function pageFromHash(hash: string): Page {
  const name = hash.replace(/^#\/?/, '');
  return PAGES.find((p) => p.page === name)?.page ?? 'roles';
}

/** The page links; the current one carries aria-current so screen readers announce it. */
export function Nav({ current }: { current: Page }) {
  return (
    <nav aria-label="Pages" class="pages">
      <ul>
        {PAGES.filter((p) => p.page !== 'settings' || signedInAdminAccess()).map((p) => (
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
