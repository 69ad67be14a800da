import type { Api } from '../api';
import type { AdminAccess } from './appRoles';

export function AccessReviews({ access }: { api: Api; access: AdminAccess }) {
  return access ? <p>…</p> : <p>Access reviews are managed by PIM administrators (PIM.Admin) and read by auditors (PIM.Auditor).</p>;
}
