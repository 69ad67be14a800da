import { parseArgs, type ParsedCommand, USAGE, UsageError } from './args';
import { activate, deactivate } from './commands/activate';
import { alerts } from './commands/alerts';
import { audit } from './commands/audit';
import { login, logout, whoami } from './commands/login';
import { policy } from './commands/policy';
import { approvals, decide, requests } from './commands/requests';
import { review, reviews } from './commands/reviews';
import { roles } from './commands/roles';
import { CliError } from './errors';
import { createOutput, type Output } from './output';

type Command = (cmd: ParsedCommand, out: Output) => Promise<void>;

const COMMANDS: Record<string, Command> = {
  login,
  logout,
  whoami,
  roles,
  activate,
  deactivate,
  requests,
  approvals,
  approve: decide,
  deny: decide,
  policy,
  reviews,
  review,
  audit,
  alerts,
  help: async (_cmd, out) => out.result({ usage: USAGE }, USAGE),
};

/** Runs one `pim` command; resolves to the process exit code. */
export async function run(argv: readonly string[]): Promise<number> {
  const json = argv.includes('--json');
  const out = createOutput(json);
  try {
    const cmd = parseArgs(argv);
    const name = cmd.options.help ? 'help' : (cmd.command[0] ?? 'help');
    const command = COMMANDS[name];
    if (!command) throw new UsageError(`Unknown command '${name}'.`);
    await command(cmd, out);
    return 0;
  } catch (error) {
    const failure = error instanceof CliError ? error : error instanceof UsageError ? new CliError(`${error.message}\n\n${USAGE}`, 2, 'Usage') : undefined;
    if (!failure) {
      process.stderr.write(`pim: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      return 1;
    }
    // With --json the error is also machine-readable, on stdout where the answer would be.
    if (json) process.stdout.write(`${JSON.stringify({ error: { code: failure.code ?? 'Error', message: failure.message, exitCode: failure.exitCode } })}\n`);
    process.stderr.write(`pim: ${failure.message}\n`);
    return failure.exitCode;
  }
}

if (require.main === module) {
  void run(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
