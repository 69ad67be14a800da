/**
 * `npm run token -- alice --mfa [--acrs c1] [--arm]`: prints an access token for a demo user,
 * issued by a running devhost (`npm start`); `--arm` makes it one for the ARM surface (Azure
 * Resource Manager's audience). Only devhost issues these; the production app has no such route.
 */
const args = process.argv.slice(2);
const user = args.find((a) => !a.startsWith('--'));
const acrsAt = args.indexOf('--acrs');
const acrs = acrsAt >= 0 ? (args[acrsAt + 1] ?? '').split(',').filter(Boolean) : [];
const base = process.env.DEVHOST_URL ?? `http://localhost:${process.env.DEVHOST_PORT ?? '7071'}`;

async function main(): Promise<void> {
  if (!user) {
    console.error('usage: npm run token -- <user alias or UPN> [--mfa] [--acrs c1,c2] [--arm]');
    process.exit(2);
  }
  const res = await fetch(`${base}/.devhost/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ user, mfa: args.includes('--mfa'), acrs, ...(args.includes('--arm') ? { audience: 'arm' } : {}) }),
  });
  const body = (await res.json()) as { access_token?: string; error?: { message: string } };
  if (!res.ok || !body.access_token) {
    console.error(body.error?.message ?? `devhost answered ${res.status}`);
    process.exit(1);
  }
  process.stdout.write(`${body.access_token}\n`);
}

main().catch((error: unknown) => {
  console.error(`Is devhost running at ${base}? ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
