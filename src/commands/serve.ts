/**
 * `superserve serve`: flags -> ServeConfig -> createServer; runs until SIGTERM/SIGINT (graceful: every
 * accepted request is answered, exit 0; a second signal exits at once). Start-up failures exit 1; a busy
 * port does so at once, before anything heavy loads.
 * @module
 */
import { installSignalHandlers } from '../http/serve.ts';
import { parseServeConfig, SERVE_USAGE } from '../server/config.ts';
import { assertPortFree, grpcListenError } from '../server/port-probe.ts';
import { runCommand } from './args.ts';

export function run(argv: string[]): Promise<number> {
  return runCommand('serve', async () => {
    const { help, config } = parseServeConfig(argv);
    if (help) { console.log(SERVE_USAGE); return 0; }
    const log = (m: string): void => console.error(`[superserve] ${m}`);
    await assertPortFree(config.host, config.port);
    const grpcPort = config.grpcPort;
    if (grpcPort !== undefined) await assertPortFree(config.host, grpcPort).catch((e: Error) => { throw grpcListenError(config.host, grpcPort, e); });
    const tracing = config.otlpEndpoint === undefined ? undefined
      : await (await import('../tracing/tracer.ts')).startTracing({ endpoint: config.otlpEndpoint, serviceName: process.env.OTEL_SERVICE_NAME || 'superserve' });
    if (tracing) log(`traces: OTLP/HTTP to ${config.otlpEndpoint}`);
    // Loaded only now: the model side and the protocol stacks take seconds to import.
    const { createServer } = await import('../server/create-server.ts');
    const server = await createServer(config, log);
    const close = async (): Promise<void> => {
      await server.close();
      await tracing?.shutdown().catch((e: Error) => log(`traces: last export failed: ${e.message}`));
    };
    installSignalHandlers({ close, log });
    if (config.authTokensFile !== undefined) process.on('SIGHUP', () => void server.reloadTokens());
    await server.ready;
    await new Promise<never>(() => {}); // runs until a signal handler exits the process
    return 0;
  });
}
