import type { Row } from './model';

const when = (iso?: string) => (iso ? new Date(iso).toLocaleString() : 'Permanent');

/** One table of assignments; `action` renders the row's button, if it has one. */
export function RoleTable(props: { title: string; id: string; rows: Row[]; empty: string; action: (row: Row) => preact.ComponentChildren }) {
  return (
    <section aria-labelledby={props.id}>
      <h2 id={props.id}>{props.title}</h2>
      {props.rows.length === 0 ? (
        <p>{props.empty}</p>
      ) : (
        // Why tabindex: at phone width the table scrolls sideways, and keyboard users must reach it.
        <div class="table-wrap" tabIndex={0} role="region" aria-labelledby={props.id}>
          <table>
            <thead>
              <tr>
                <th scope="col">Role or group</th>
                <th scope="col">Scope</th>
                <th scope="col">Membership</th>
                <th scope="col">Start</th>
                <th scope="col">End</th>
                <th scope="col">Action</th>
              </tr>
            </thead>
            <tbody>
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
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
