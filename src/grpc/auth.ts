/**
 * Bearer-token authentication of gRPC calls: the `authorization: Bearer <token>` metadata entry, checked
 * like HTTP's header. Every method of a wrapped service needs it except those listed as open (ServerLive
 * and ServerReady; grpc.health.v1 is never wrapped). A refused call ends UNAUTHENTICATED "unauthorized",
 * whatever was wrong.
 * @module
 */
import { status, type Metadata, type UntypedServiceImplementation } from '@grpc/grpc-js';
import { bearerToken, type TokenStore } from '../auth/tokens.ts';

export const OPEN_INFERENCE_METHODS: readonly string[] = ['ServerLive', 'ServerReady'];

export function tokenOf(metadata: Metadata): string | undefined {
  const v = metadata.get('authorization')[0];
  return typeof v === 'string' ? bearerToken(v) : undefined;
}

export function requireGrpcToken(impl: UntypedServiceImplementation, tokens: Pick<TokenStore, 'verify'>,
  open: readonly string[] = OPEN_INFERENCE_METHODS): UntypedServiceImplementation {
  const out: UntypedServiceImplementation = {};
  for (const [name, handler] of Object.entries(impl)) {
    if (open.includes(name)) { out[name] = handler; continue; }
    const unary = handler as (call: { metadata: Metadata }, callback: (err: unknown) => void) => void;
    out[name] = ((call: { metadata: Metadata }, callback: (err: unknown) => void) => {
      if (!tokens.verify(tokenOf(call.metadata))) { callback({ code: status.UNAUTHENTICATED, details: 'unauthorized' }); return; }
      unary(call, callback);
    }) as typeof handler;
  }
  return out;
}
