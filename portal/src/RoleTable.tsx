import type { Row } from './model';
import { TableSection } from './PageParts';

const when = (iso?: string) => (iso ? new Date(iso).toLocaleString() : 'Permanent');

/** One table of assignments; `action` renders the row's button, if it has one. */
export function RoleTable(props: { title: string; id: string; rows: Row[]; empty: string; action: (row: Row) => preact.ComponentChildren }) {
  return (
    <TableSection id={props.id} title={props.title} empty={props.empty} count={props.rows.length} headers={['Role or group', 'Scope', 'Membership', 'Start', 'End', 'Action']}>
              {props.rows.map((row) => (
                <tr key={row.key}>
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
