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
  const last = props.actionHeader ?? 'Action';
  const headers = [...(select ? ['Select'] : []), 'Role or group', 'Scope', 'Membership', 'Start', 'End', last];
  // Why the wrapper and data-label: at phone width each row is shown as a card (styles.css), so
  // its buttons are on screen rather than off to the right of a sideways-scrolling table.
  return (
    <div class="stack-narrow">
      <TableSection id={props.id} title={props.title} empty={props.empty} count={props.rows.length} headers={headers}>
        {props.rows.map((row) => (
          <tr key={row.key}>
            {select && (
              <td data-label="Select">
                <input type="checkbox" class="row-pick" aria-label={`Select ${row.name} (${row.scope})`} checked={select.picked.has(row.key)} onChange={(e) => select.toggle(row, e.currentTarget.checked)} />
              </td>
            )}
            <th scope="row">{row.name}</th>
            <td data-label="Scope">{row.scope}</td>
            <td data-label="Membership">{row.membership}</td>
            <td data-label="Start">{row.start ? when(row.start) : '—'}</td>
            <td data-label="End">{row.end ? when(row.end) : 'Permanent'}</td>
            <td data-label={last}>{props.action(row)}</td>
          </tr>
        ))}
      </TableSection>
    </div>
  );
}
