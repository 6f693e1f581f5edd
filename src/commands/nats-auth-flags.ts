/**
 * The NATS credential and TLS flags shared by `serve` (the router) and `worker`, with environment
 * equivalents (for containers: the values are file paths, e.g. mounted Secrets).
 * @module
 */
import type { NatsAuthConfig } from '../worker/nats-auth.ts';
import { UsageError } from './args.ts';

export const NATS_AUTH_FLAGS = {
  'nats-token-file': { type: 'string' },
  'nats-user': { type: 'string' },
  'nats-password-file': { type: 'string' },
  'nats-creds': { type: 'string' },
  'nats-tls-ca': { type: 'string' },
  'nats-tls-cert': { type: 'string' },
  'nats-tls-key': { type: 'string' },
} as const;

export const NATS_AUTH_USAGE = `  --nats-token-file FILE       authenticate to NATS with the token in FILE        ($SUPERSERVE_NATS_TOKEN_FILE)
  --nats-user U --nats-password-file FILE   ... with a user and the password in FILE ($SUPERSERVE_NATS_USER, _PASSWORD_FILE)
  --nats-creds FILE            ... with a NATS .creds file (JWT + NKey)         ($SUPERSERVE_NATS_CREDS)
  --nats-tls-ca FILE           connect over TLS, trusting this CA               ($SUPERSERVE_NATS_TLS_CA)
  --nats-tls-cert/--nats-tls-key FILE  client certificate for mutual TLS        ($SUPERSERVE_NATS_TLS_CERT, _TLS_KEY)`;

type Values = Partial<Record<keyof typeof NATS_AUTH_FLAGS, string | boolean | undefined>>;

export function parseNatsAuthFlags(values: Values, env: NodeJS.ProcessEnv = process.env): NatsAuthConfig {
  const pick = (flag: keyof typeof NATS_AUTH_FLAGS, name: string): string | undefined => {
    const v = values[flag] ?? env[`SUPERSERVE_${name}`];
    if (v === undefined || v === '') return undefined;
    return String(v);
  };
  const cfg: NatsAuthConfig = {};
  const set = <K extends keyof NatsAuthConfig>(k: K, v: string | undefined) => { if (v !== undefined) cfg[k] = v; };
  set('tokenFile', pick('nats-token-file', 'NATS_TOKEN_FILE'));
  set('user', pick('nats-user', 'NATS_USER'));
  set('passwordFile', pick('nats-password-file', 'NATS_PASSWORD_FILE'));
  set('credsFile', pick('nats-creds', 'NATS_CREDS'));
  set('tlsCa', pick('nats-tls-ca', 'NATS_TLS_CA'));
  set('tlsCert', pick('nats-tls-cert', 'NATS_TLS_CERT'));
  set('tlsKey', pick('nats-tls-key', 'NATS_TLS_KEY'));
  const kinds = [cfg.tokenFile, cfg.user, cfg.credsFile].filter((x) => x !== undefined).length;
  if (kinds > 1) throw new UsageError('give one NATS credential: --nats-token-file, --nats-user (with --nats-password-file) or --nats-creds');
  if ((cfg.user === undefined) !== (cfg.passwordFile === undefined)) throw new UsageError('--nats-user and --nats-password-file go together');
  if ((cfg.tlsCert === undefined) !== (cfg.tlsKey === undefined)) throw new UsageError('--nats-tls-cert and --nats-tls-key go together');
  return cfg;
}
