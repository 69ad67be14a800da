import type { Row } from './model';
import { TableSection } from './PageParts';

const when = (iso?: string) => (iso ? new Date(iso).toLocaleString() : 'Permanent');

/** Rows the user may pick (for activating several at once): which are picked, and how to pick one. */
export interface Selection {
  picked: ReadonlySet<string>;
  toggle: (row: Row, on: boolean) => void;
}

/**
 * One table of assignments; `action` renders the row's last cell (its buttons, or for expired
 * rows how it ended), under the header `actionHeader`.
 */
export function RoleTable(props: { title: string; id: string; rows: Row[]; empty: string; action: (row: Row) => preact.ComponentChildren; actionHeader?: string; select?: Selection }) {
  const { select } = props;
  const headers = [...(select ? ['Select'] : []), 'Role or group', 'Scope', 'Membership', 'Start', 'End', props.actionHeader ?? 'Action'];
  return (
    <TableSection id={props.id} title={props.title} empty={props.empty} count={props.rows.length} headers={headers}>
      {props.rows.map((row) => (
        <tr key={row.key}>
          {select && (
            <td>
              <input type="checkbox" class="row-pick" aria-label={`Select ${row.name} (${row.scope})`} checked={select.picked.has(row.key)} onChange={(e) => select.toggle(row, e.currentTarget.checked)} />
            </td>
          )}
          <th scope="row">{row.name}</th>
          <td>{row.scope}</td>
          <td>{row.membership}</td>
          <td>{row.start ? when(row.start) : '—'}</td>
          <td>{row.end ? when(row.end) : 'Permanent'}</td>
          <td>{props.action(row)}</td>
        </tr>
      ))}
    </TableSection>
  );
}
