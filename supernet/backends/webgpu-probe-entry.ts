/**
 * Child-process entry of the adapter probe: tries the routes until a hardware adapter answers, prints one JSON line (ProbeReport) on stdout.
 * Dawn and the drivers print their own diagnostics on stderr; the parent keeps them as the reason.
 * @module
 */
import { adapterRoutes, describeAdapter, loadDawn, requestAdapter } from './webgpu-adapter.ts';
import type { ProbeReport } from './webgpu-probe.ts';

const report: ProbeReport = { routes: [] };
try {
  const dawn = await loadDawn();
  for (const route of adapterRoutes()) {
    try {
      const { adapter } = await requestAdapter(dawn, route);
      const info = adapter === null ? null : describeAdapter(adapter, route);
      report.routes.push({ route, adapter: info });
      if (info !== null && !info.isSoftware) break; // the first hardware adapter wins
    } catch (e) {
      report.routes.push({ route, adapter: null, error: (e as Error).message });
    }
  }
} catch (e) {
  report.error = (e as Error).message;
}
process.stdout.write(`${JSON.stringify(report)}\n`);
process.exit(0);
