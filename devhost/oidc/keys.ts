import { randomUUID } from 'node:crypto';
import { link, mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { type CryptoKey, calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type JWK } from 'jose';

/** An RS256 key pair: the private half signs tokens, `publicJwk` is its entry in the JWKS. */
export interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  /** Public members only (kty, n, e) plus kid, use and alg. */
  publicJwk: JWK;
}

/**
 * The key kept in `file` (a private JWK), made and saved there first if there is none. Without a
 * file the key lives only in memory. Saving is create-only, so two devhosts starting at once
 * with one key folder end up sharing one key instead of overwriting each other's.
 */
export async function loadOrCreateSigningKey(file: string | undefined): Promise<SigningKey> {
  if (file) {
    const saved = await readKeyFile(file);
    if (saved) return saved;
  }
  const { privateKey } = await generateKeyPair('RS256', { modulusLength: 2048, extractable: true });
  const { n, e, d, p, q, dp, dq, qi } = await exportJWK(privateKey);
  // The kid is the key's RFC 7638 thumbprint: stable, and different for every key.
  const kid = await calculateJwkThumbprint({ kty: 'RSA', n: String(n), e: String(e) });
  const privateJwk: JWK = { kty: 'RSA', n, e, d, p, q, dp, dq, qi, kid, use: 'sig', alg: 'RS256' };
  return file ? saveUnlessPresent(file, privateJwk) : toSigningKey(privateJwk, undefined);
}

async function readKeyFile(file: string): Promise<SigningKey | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw badKeyFile(file, 'it is not JSON');
  }
  // The first devhost versions wrapped the JWK as { kid, privateJwk, publicJwk }.
  const jwk = isRecord(parsed) && isRecord(parsed.privateJwk) ? parsed.privateJwk : parsed;
  if (!isRecord(jwk) || jwk.kty !== 'RSA' || typeof jwk.d !== 'string' || typeof jwk.kid !== 'string') {
    throw badKeyFile(file, 'it is not a private RSA JWK with a kid');
  }
  return toSigningKey(jwk as JWK, file);
}

/** Saves the key unless the file exists by now; then the key already there wins. */
async function saveUnlessPresent(file: string, privateJwk: JWK): Promise<SigningKey> {
  await mkdir(dirname(file), { recursive: true });
  // Written whole under a temporary name, then linked into place: a crash never leaves half a key,
  // and link() refuses to replace a key another process saved first.
  const temporary = `${file}.${randomUUID()}.tmp`;
  await writeFile(temporary, JSON.stringify(privateJwk, null, 2), { mode: 0o600 });
  try {
    await link(temporary, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const theirs = await readKeyFile(file);
    if (theirs) return theirs;
    throw error;
  } finally {
    await unlink(temporary);
  }
  return toSigningKey(privateJwk, file);
}

async function toSigningKey(privateJwk: JWK, file: string | undefined): Promise<SigningKey> {
  const kid = String(privateJwk.kid);
  let privateKey: CryptoKey | Uint8Array;
  try {
    privateKey = await importJWK({ ...privateJwk, alg: 'RS256' }, 'RS256');
  } catch (error) {
    if (!file) throw error;
    throw badKeyFile(file, (error as Error).message);
  }
  // A symmetric key imports as bytes; the RSA check when reading makes this unreachable.
  if (privateKey instanceof Uint8Array) throw new Error('The OpenID issuer needs an RSA signing key.');
  // Why: only the public members are copied, so nothing private can reach the JWKS.
  const publicJwk: JWK = { kty: 'RSA', n: String(privateJwk.n), e: String(privateJwk.e), kid, use: 'sig', alg: 'RS256' };
  return { kid, privateKey, publicJwk };
}

function badKeyFile(file: string, reason: string): Error {
  return new Error(
    `The OpenID issuer's key file ${file} cannot be used (${reason}). ` +
      'Delete it to have a new key made; tokens signed with the old key will stop verifying.',
  );
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
