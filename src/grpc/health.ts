/**
 * The standard gRPC health service (grpc.health.v1) over the model's readiness: `Check` answers SERVING
 * while the service is ready, NOT_SERVING before (and while draining); the empty service name and the
 * inference service's name are known, anything else is NOT_FOUND. `Watch` streams the status whenever it
 * changes; open watches end when the server closes.
 * @module
 */
import { status as grpcStatus, type sendUnaryData, type ServerUnaryCall, type ServerWritableStream, type UntypedServiceImplementation } from '@grpc/grpc-js';
import type { InferenceService } from '../serving/types.ts';
import { INFERENCE_SERVICE } from './proto.ts';

type ServingStatus = 'SERVING' | 'NOT_SERVING' | 'SERVICE_UNKNOWN';
interface HealthRequest { service: string }

const KNOWN = new Set(['', INFERENCE_SERVICE]);

export interface HealthImplementation {
  implementation: UntypedServiceImplementation;
  /** End every open Watch stream (their calls would otherwise hold a graceful shutdown open). */
  close(): void;
}

export function createHealth(service: InferenceService, pollMs = 1000): HealthImplementation {
  const now = (): ServingStatus => (service.isReady() ? 'SERVING' : 'NOT_SERVING');
  const watches = new Set<() => void>();
  return {
    implementation: {
      Check(call: ServerUnaryCall<HealthRequest, unknown>, callback: sendUnaryData<unknown>) {
        if (!KNOWN.has(call.request.service)) {
          callback({ code: grpcStatus.NOT_FOUND, details: `unknown service '${call.request.service}'` });
          return;
        }
        callback(null, { status: now() });
      },
      Watch(call: ServerWritableStream<HealthRequest, unknown>) {
        const known = KNOWN.has(call.request.service);
        let last: ServingStatus | undefined;
        const send = () => {
          const s = known ? now() : 'SERVICE_UNKNOWN';
          if (s !== last) { last = s; call.write({ status: s }); }
        };
        send();
        const timer = setInterval(send, pollMs);
        const stop = () => { clearInterval(timer); watches.delete(end); };
        const end = () => { stop(); call.end(); };
        watches.add(end);
        call.on('cancelled', stop);
      },
    },
    close() { for (const end of [...watches]) end(); },
  };
}
