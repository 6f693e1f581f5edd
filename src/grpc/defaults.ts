/**
 * gRPC defaults that flag parsing needs without loading @grpc/grpc-js.
 * @module
 */

/** The KServe V2 / Triton gRPC port (Triton's default is 8001; 8081 sits beside our HTTP 8080). */
export const DEFAULT_GRPC_PORT = 8081;
