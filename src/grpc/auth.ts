/**
 * Bearer-token authentication of gRPC calls: the `authorization: Bearer <token>` metadata entry, checked
 * like HTTP's header. Every method of a wrapped service needs it except those listed as open (ServerLive
 * and ServerReady; grpc.health.v1 is never wrapped). A refused call, unary or streaming, ends
 * UNAUTHENTICATED "unauthorized" before its handler runs, whatever was wrong.
 * @module
 */
import { status, type Metadata, type ServiceDefinition, type UntypedServiceImplementation } from '@grpc/grpc-js';
import { bearerToken, type TokenStore } from '../auth/tokens.ts';

export const OPEN_INFERENCE_METHODS: readonly string[] = ['ServerLive', 'ServerReady'];

const UNAUTHENTICATED = { code: status.UNAUTHENTICATED, details: 'unauthorized' };

export function tokenOf(metadata: Metadata): string | undefined {
  const v = metadata.get('authorization')[0];
  return typeof v === 'string' ? bearerToken(v) : undefined;
}

type AnyCall = { metadata: Metadata; emit(event: 'error', e: unknown): boolean };
type AnyHandler = (call: AnyCall, callback?: (err: unknown) => void) => void;

export function requireGrpcToken(impl: UntypedServiceImplementation, definition: ServiceDefinition, tokens: Pick<TokenStore, 'verify'>,
  open: readonly string[] = OPEN_INFERENCE_METHODS): UntypedServiceImplementation {
  const out: UntypedServiceImplementation = {};
  for (const [name, handler] of Object.entries(impl)) {
    if (open.includes(name)) { out[name] = handler; continue; }
    const m = definition[name];
    const takesCallback = m === undefined || !m.responseStream; // unary and client-streaming answer through a callback
    const inner = handler as unknown as AnyHandler;
    out[name] = ((call: AnyCall, callback?: (err: unknown) => void) => {
      if (tokens.verify(tokenOf(call.metadata))) { inner(call, callback); return; }
      if (takesCallback) callback!(UNAUTHENTICATED);
      else call.emit('error', UNAUTHENTICATED); // server-streaming and bidi calls end with the error status
    }) as unknown as typeof handler;
  }
  return out;
}
