import { type AccessItem, myAccess } from '../access';
import { connect } from '../api';
import type { ParsedCommand } from '../args';
import { type Output, table } from '../output';

/** `pim roles`: eligible and active roles and groups of the signed-in identity. */
export async function roles(cmd: ParsedCommand, out: Output): Promise<void> {
  const items = await myAccess(connect(cmd.global.url));
  const rows = (state: AccessItem['state']) =>
    items
      .filter((i) => i.state === state)
      .map((i) => [i.name, i.kind === 'group' ? `group ${i.scope}` : `role ${i.scope}`, i.memberType ?? 'Direct', state === 'active' ? (i.assignmentType ?? '') : '', i.endDateTime ?? 'permanent']);
  const section = (title: string, state: AccessItem['state']) => {
    const body = table(['NAME', 'KIND/SCOPE', 'MEMBERSHIP', state === 'active' ? 'TYPE' : '', 'END'], rows(state));
    return `${title}\n${body || '  (none)'}`;
  };
  out.result({ eligible: items.filter((i) => i.state === 'eligible'), active: items.filter((i) => i.state === 'active') }, `${section('Eligible', 'eligible')}\n\n${section('Active', 'active')}`);
}
