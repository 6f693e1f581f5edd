/**
 * The service definitions from the project's .proto files (proto/), loaded at run time with
 * @grpc/proto-loader (no code generation): the V2 inference service with Triton's extensions, and the
 * standard gRPC health service. Also gives typed client constructors for tests, scripts and benchmarks.
 * @module
 */
import { fileURLToPath } from 'node:url';
import { loadPackageDefinition, type GrpcObject, type ServiceClientConstructor, type ServiceDefinition } from '@grpc/grpc-js';
import { loadSync, type Options } from '@grpc/proto-loader';

export const PROTO_DIR = fileURLToPath(new URL('../../proto/', import.meta.url));

/** How messages look in JS: field names as in the .proto, int64 as numbers, enums as names, defaults filled in. */
export const LOADER_OPTIONS: Options = { keepCase: true, longs: Number, enums: String, defaults: true, oneofs: true };

export const INFERENCE_SERVICE = 'inference.GRPCInferenceService';
export const HEALTH_SERVICE = 'grpc.health.v1.Health';

interface Loaded { inference: ServiceClientConstructor; health: ServiceClientConstructor }
let loaded: Loaded | undefined;

function load(): Loaded {
  if (loaded) return loaded;
  const defs = loadSync(['grpc_service.proto', 'health.proto'], { ...LOADER_OPTIONS, includeDirs: [PROTO_DIR] });
  const pkg = loadPackageDefinition(defs);
  const at = (path: string): ServiceClientConstructor => path.split('.').reduce<GrpcObject>((o, k) => o[k] as GrpcObject, pkg) as unknown as ServiceClientConstructor;
  loaded = { inference: at(INFERENCE_SERVICE), health: at(HEALTH_SERVICE) };
  return loaded;
}

export const inferenceServiceDefinition = (): ServiceDefinition => load().inference.service;
export const healthServiceDefinition = (): ServiceDefinition => load().health.service;
/** Client constructors: `new (inferenceClient())('127.0.0.1:8081', credentials.createInsecure())`. */
export const inferenceClient = (): ServiceClientConstructor => load().inference;
export const healthClient = (): ServiceClientConstructor => load().health;
