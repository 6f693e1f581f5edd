/**
 * gRPC test harness: the HTTP app and the gRPC server over one FakeService (shared metrics and
 * statistics), a client, and builders that put one neutral request on both wires.
 * @module
 */
import { credentials, type Client, type Metadata, type ServiceError as GrpcError } from '@grpc/grpc-js';
import { startGrpcServer, type GrpcServerOptions } from '../../src/grpc/server.ts';
import { healthClient, inferenceClient } from '../../src/grpc/proto.ts';
import { toParameters, type GrpcInferRequest } from '../../src/grpc/messages.ts';
import { writeBytesElements } from '../../src/protocol/raw-tensors.ts';
import { harness, type Harness } from '../http/helpers.ts';

export interface GrpcHarness extends Harness {
  port: number;
  client: Client & Record<string, Function>;
  health: Client & Record<string, Function>;
  /** The server's graceful close (clients stay open). */
  closeServer(): Promise<void>;
  close(): Promise<void>;
}

export async function grpcHarness(overrides: Partial<GrpcServerOptions> = {}, httpOverrides: Parameters<typeof harness>[0] = {}): Promise<GrpcHarness> {
  const h = harness(httpOverrides);
  const server = await startGrpcServer({
    service: h.service, statistics: h.statistics, limits: { defaultSloMs: 100, maxSloMs: 1000 },
    port: 0, host: '127.0.0.1', log: (_m, err) => h.logged.push(err), ...overrides,
  });
  const address = `127.0.0.1:${server.port}`;
  const client = new (inferenceClient())(address, credentials.createInsecure()) as GrpcHarness['client'];
  const health = new (healthClient())(address, credentials.createInsecure()) as GrpcHarness['health'];
  return {
    ...h, port: server.port, client, health,
    closeServer: () => server.close(),
    close: async () => { client.close(); health.close(); await server.close(); },
  };
}

export interface CallResult { err?: GrpcError; res?: any; trailers?: Metadata }

/** A unary call that resolves with the error or the response (never rejects). */
export function call(client: Client & Record<string, Function>, method: string, req: unknown, opts: { deadline?: Date } = {}): Promise<CallResult> {
  return new Promise((resolve) => {
    client[method]!(req, opts, (err: GrpcError | null, res: unknown) => resolve(err ? { err } : { res }));
  });
}

/** One request, wire-neutral: FP32 values or encoded images per input. */
export interface Spec {
  parameters?: Record<string, number | boolean | string>;
  inputs: Array<{ name: string; datatype: string; shape: number[]; fp32?: number[]; images?: Uint8Array[] }>;
  outputs?: Array<{ name: string; parameters?: Record<string, number | boolean | string> }>;
}

export function httpBody(spec: Spec): Record<string, unknown> {
  return {
    ...(spec.parameters ? { parameters: spec.parameters } : {}),
    inputs: spec.inputs.map((i) => ({ name: i.name, datatype: i.datatype, shape: i.shape, data: i.fp32 ?? i.images!.map((b) => Buffer.from(b).toString('base64')) })),
    ...(spec.outputs ? { outputs: spec.outputs } : {}),
  };
}

/** The gRPC form: typed contents, or raw_input_contents when `raw`. */
export function grpcRequest(spec: Spec, raw: boolean, model = 'ofa-fake'): Partial<GrpcInferRequest> {
  return {
    model_name: model,
    parameters: toParameters(spec.parameters ?? {}),
    inputs: spec.inputs.map((i) => ({
      name: i.name, datatype: i.datatype, shape: i.shape, parameters: {},
      ...(raw ? {} : { contents: i.fp32 ? { fp32_contents: i.fp32 } : { bytes_contents: i.images! } }),
    })),
    outputs: (spec.outputs ?? []).map((o) => ({ name: o.name, parameters: toParameters(o.parameters ?? {}) })),
    raw_input_contents: raw ? spec.inputs.map((i) => (i.fp32 ? new Uint8Array(new Float32Array(i.fp32).buffer) : writeBytesElements(i.images!))) : [],
  };
}
