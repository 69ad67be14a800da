import { parseArgs as nodeParseArgs } from 'node:util';

/** Options every command takes. */
export interface GlobalOptions {
  json: boolean;
  /** The service's base URL from --url (else PIM_URL, else the one stored at login). */
  url?: string;
}

export interface ParsedCommand {
  /** e.g. ["policy", "export"] or ["roles"]. */
  command: string[];
  /** Positional arguments after the command words. */
  args: string[];
  options: Record<string, string | string[] | boolean | undefined>;
  global: GlobalOptions;
}

/** Commands and how many words name them; the rest of the positionals are their arguments. */
const COMMANDS = ['login', 'logout', 'whoami', 'roles', 'activate', 'deactivate', 'requests', 'approvals', 'approve', 'deny', 'policy', 'reviews', 'review', 'audit', 'alerts', 'help'] as const;
/** Commands named by two words, and the second words they take (for the message when it is missing). */
const TWO_WORDS: Record<string, string> = { policy: 'export, diff or apply', review: 'decide', audit: 'export' };

const OPTIONS = {
  json: { type: 'boolean' },
  url: { type: 'string' },
  dev: { type: 'boolean' },
  'service-principal': { type: 'string' },
  tenant: { type: 'string' },
  'client-id': { type: 'string' },
  scope: { type: 'string', multiple: true },
  duration: { type: 'string' },
  start: { type: 'string' },
  reason: { type: 'string' },
  ticket: { type: 'string' },
  'ticket-system': { type: 'string' },
  owner: { type: 'boolean' },
  group: { type: 'string' },
  wait: { type: 'boolean' },
  timeout: { type: 'string' },
  'dry-run': { type: 'boolean' },
  all: { type: 'boolean' },
  definition: { type: 'string' },
  instance: { type: 'string' },
  decision: { type: 'string' },
  justification: { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
  format: { type: 'string' },
  output: { type: 'string', short: 'o' },
  help: { type: 'boolean', short: 'h' },
} as const;

export class UsageError extends Error {}

/** Splits argv (without node and the script) into the command, its arguments and options. */
export function parseArgs(argv: readonly string[]): ParsedCommand {
  let parsed: ReturnType<typeof nodeParseArgs<{ args: string[]; options: typeof OPTIONS; allowPositionals: true; strict: true }>>;
  try {
    parsed = nodeParseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const positionals = [...parsed.positionals];
  const first = positionals.shift() ?? 'help';
  if (!(COMMANDS as readonly string[]).includes(first)) throw new UsageError(`Unknown command '${first}'. Run 'pim help' for the list.`);
  const command = [first];
  const subcommands = TWO_WORDS[first];
  if (subcommands) {
    const second = positionals.shift();
    if (!second) throw new UsageError(`'pim ${first}' needs a subcommand: ${subcommands}.`);
    command.push(second);
  }
  const { json, url, ...options } = parsed.values;
  return { command, args: positionals, options, global: { json: json === true, ...(url ? { url } : {}) } };
}

/**
 * A duration as people type it ("2h", "90m", "1h30m", "1d") or as ISO 8601 ("PT2H"), as the
 * ISO 8601 duration the API takes.
 */
export function toIsoDuration(text: string): string {
  const t = text.trim();
  if (/^P(?:\d+D)?(?:T(?:\d+H)?(?:\d+M)?(?:\d+S)?)?$/i.test(t) && t.length > 1 && !/T$/i.test(t)) return t.toUpperCase();
  const m = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?$/i.exec(t);
  if (!m || t === '' || (!m[1] && !m[2] && !m[3])) throw new UsageError(`'${text}' is not a duration: write e.g. 2h, 30m, 1h30m or PT2H.`);
  const [days, hours, minutes] = [m[1], m[2], m[3]].map((v) => Number(v ?? 0)) as [number, number, number];
  if (days + hours + minutes === 0) throw new UsageError(`'${text}' is no time at all: give a duration such as 1h.`);
  const time = `${hours ? `${hours}H` : ''}${minutes ? `${minutes}M` : ''}`;
  return `P${days ? `${days}D` : ''}${time ? `T${time}` : ''}`;
}

/**
 * When an activation starts: now when not given, else an ISO 8601 time ("2026-12-01T08:00Z") or
 * a time from now ("+30m", "in 2h"), as the ISO time the API takes.
 */
export function toStartTime(text: string | undefined, now = Date.now()): string {
  if (text === undefined) return new Date(now).toISOString();
  const t = text.trim();
  const relative = /^(?:\+|in\s+)(.+)$/i.exec(t);
  if (relative?.[1]) return new Date(now + isoDurationMs(toIsoDuration(relative[1]))).toISOString();
  const at = Date.parse(t);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(t) || Number.isNaN(at)) throw new UsageError(`'${text}' is not a start time: write an ISO 8601 time such as 2026-12-01T08:00:00Z, or a time from now such as +30m or 'in 2h'.`);
  if (!/(?:Z|[+-]\d{2}:?\d{2})$/i.test(t)) throw new UsageError(`'${text}' has no time zone: end it with Z (UTC) or an offset such as +01:00.`);
  return new Date(at).toISOString();
}

/** An ISO 8601 duration of days, hours, minutes and seconds, in milliseconds. */
export function isoDurationMs(iso: string): number {
  const m = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/.exec(iso);
  const [d, h, min, s] = [m?.[1], m?.[2], m?.[3], m?.[4]].map((v) => Number(v ?? 0)) as [number, number, number, number];
  return (((d * 24 + h) * 60 + min) * 60 + s) * 1000;
}

/** The string value of an option (the last one when repeated), or undefined. */
export function stringOption(options: ParsedCommand['options'], name: string): string | undefined {
  const v = options[name];
  if (Array.isArray(v)) return v[v.length - 1];
  return typeof v === 'string' ? v : undefined;
}

/** Every value of a repeatable option, in order. */
export function listOption(options: ParsedCommand['options'], name: string): string[] {
  const v = options[name];
  return Array.isArray(v) ? v : typeof v === 'string' ? [v] : [];
}

/** An Azure (ARM) scope: a subscription or something in one, or a management group. */
export function isArmScope(scope: string): boolean {
  return /^\/subscriptions\/[^/]+/i.test(scope) || /^\/providers\/Microsoft\.Management\/managementGroups\/[^/]+/i.test(scope);
}

/** ARM scopes as PIM_AZURE_SCOPES holds them: separated by commas, semicolons or white space; the rest dropped. */
export function splitScopes(text: string | undefined): string[] {
  return (text ?? '')
    .split(/[\s,;]+/)
    .map((s) => s.replace(/\/+$/, ''))
    .filter((s) => s !== '' && isArmScope(s));
}

/**
 * Where `pim roles` looks for Azure roles: the ARM scopes given with --scope, else
 * PIM_AZURE_SCOPES, else the login's `scopes`; duplicates (any case) once.
 */
export function azureScopes(options: ParsedCommand['options'], env: NodeJS.ProcessEnv, stored: readonly string[] = []): string[] {
  const flags = listOption(options, 'scope').map((s) => s.replace(/\/+$/, '')).filter(isArmScope);
  const chosen = flags.length > 0 ? flags : splitScopes(env.PIM_AZURE_SCOPES).length > 0 ? splitScopes(env.PIM_AZURE_SCOPES) : stored.filter(isArmScope);
  return [...new Map(chosen.map((s) => [s.toLowerCase(), s])).values()];
}

export const USAGE = `pim: request, approve and govern just-in-time access

  pim login --dev <user> [--scope <arm scope>]...
                                              sign in to a local devhost as a demo user
                                              (ARM scopes given are stored for 'pim roles')
  pim login --dev --service-principal <name>  sign in to devhost as a demo service principal
  pim login --tenant <id> --client-id <id> --scope <api scope>
                                              sign in to Entra ID with a device code
  pim logout | whoami
  pim roles [--scope <arm scope>]...          what you are eligible for and what is active
                                              (Azure roles at the ARM scopes given, else
                                              PIM_AZURE_SCOPES, else the login's "scopes")
  pim activate <role|group> --reason <text> [--duration 2h] [--start +30m|<ISO time>]
               [--scope /] [--owner] [--ticket N --ticket-system S] [--wait [--timeout 30m]]
  pim activate <azure role|GUID> --scope /subscriptions/.../resourceGroups/rg --reason <text> [--wait]
  pim deactivate <role|group> [--scope /] [--owner]
  pim deactivate <azure role|GUID> --scope <arm scope>
  pim requests [--scope <arm scope>]...       your requests (Azure ones at the ARM scopes)
  pim approvals [--scope <arm scope>]...      requests waiting for your decision
  pim approve|deny <requestId> --reason <text>
  pim reviews [--all]                         your access reviews in progress and the items
                                              you have not decided (--all: decided ones too)
  pim review decide <decisionId> --decision approve|deny|dontknow [--justification <text>]
                    [--definition <id> --instance <id>]
  pim review decide --all --definition <id> --instance <id> --decision approve|deny|dontknow
                    [--justification <text>]   every item you review in that instance
  pim policy export <role> [file.yaml]        a role's settings as YAML
  pim policy export --group <id> [--owner] [file.yaml]
                                              a group's member (or owner) settings
  pim policy diff <file.yaml>                 what applying the file would change
  pim policy apply <file.yaml> [--dry-run]    change only the rules that differ
  pim audit export [--from <ISO time>] [--to <ISO time>] [--format jsonl|csv] [-o file]
                                              audit records with their hash-chain positions
                                              (admins, auditors); check the file with
                                              'npm run audit:verify -- --export <file>'
  pim alerts [--all]                          PIM security alerts with incidents, not dismissed
                                              (admins, auditors; --all: every alert)
  pim alerts show <alert>                     an alert's incidents (<alert>: its name, e.g.
                                              StaleSignInAlert, or its id)
  pim alerts refresh [<alert>] [--timeout 5m] rescan one alert or all, and wait for it (admins)
  pim alerts dismiss <alert>                  stop scanning it until a refresh (admins)

  --json      machine-readable output on stdout
  --url <u>   the PIM service (default: PIM_URL, else the one you signed in to)`;
