/**
 * How the router and the workers authenticate to NATS: one of a token, a user and password, or a `.creds`
 * file (JWT + NKey), each read from a FILE so no secret sits in argv or the environment's values; and TLS
 * (a CA to trust the server, optionally a client certificate and key for mutual TLS). The secrets go into
 * nats.js connection options only; messages name files and flags, never their contents, and a URL is
 * logged without any user:password part.
 * @module
 */
import { readFile } from 'node:fs/promises';
import { credsAuthenticator, ErrorCode, type ConnectionOptions, type NatsError } from 'nats';

export interface NatsAuthConfig {
  tokenFile?: string;
  user?: string;
  passwordFile?: string;
  credsFile?: string;
  tlsCa?: string;
  tlsCert?: string;
  tlsKey?: string;
}

export class NatsAuthError extends Error { override name = 'NatsAuthError'; }

/** The credential and TLS part of nats.js ConnectionOptions. Throws NatsAuthError on a missing or empty file. */
export async function natsConnectOptions(cfg: NatsAuthConfig = {}): Promise<Partial<ConnectionOptions>> {
  const secret = async (file: string, flag: string): Promise<string> => {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (e) {
      throw new NatsAuthError(`cannot read ${flag} ${file}: ${(e as NodeJS.ErrnoException).code ?? 'read error'}`);
    }
    const value = text.trim();
    if (value === '') throw new NatsAuthError(`${flag} ${file} is empty`);
    return value;
  };
  const opts: Partial<ConnectionOptions> = {};
  if (cfg.tokenFile !== undefined) opts.token = await secret(cfg.tokenFile, '--nats-token-file');
  if (cfg.user !== undefined) {
    opts.user = cfg.user;
    opts.pass = await secret(cfg.passwordFile!, '--nats-password-file');
  }
  if (cfg.credsFile !== undefined) opts.authenticator = credsAuthenticator(new TextEncoder().encode(await secret(cfg.credsFile, '--nats-creds')));
  if (cfg.tlsCa !== undefined || cfg.tlsCert !== undefined) {
    for (const [file, flag] of [[cfg.tlsCa, '--nats-tls-ca'], [cfg.tlsCert, '--nats-tls-cert'], [cfg.tlsKey, '--nats-tls-key']] as const) {
      if (file !== undefined) await secret(file, flag); // readable and non-empty: a clear error before nats.js reads it
    }
    opts.tls = {
      ...(cfg.tlsCa !== undefined ? { caFile: cfg.tlsCa } : {}),
      ...(cfg.tlsCert !== undefined ? { certFile: cfg.tlsCert, keyFile: cfg.tlsKey! } : {}),
    };
  }
  return opts;
}

/** `nats://user:secret@host:4222` -> `nats://host:4222` (for logs and errors). */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z]+:\/\/)[^@/\s]*@/i, '$1');
}

/** A clear, secret-free reason for a failed connect. */
export function connectFailure(e: unknown, url: string): string {
  const err = e as NatsError;
  const where = redactUrl(url);
  if (err.code === ErrorCode.AuthorizationViolation || err.code === ErrorCode.AuthenticationExpired || /authori[sz]ation|authentication/i.test(err.message ?? '')) {
    return `NATS at ${where} refused the credentials (authorization violation): check --nats-token-file, --nats-user/--nats-password-file or --nats-creds`;
  }
  return `cannot connect to NATS at ${where}: ${redactSecrets(err.message ?? String(e))}`;
}

function redactSecrets(message: string): string {
  return message.replace(/([a-z]+:\/\/)[^@/\s]*@/gi, '$1');
}
