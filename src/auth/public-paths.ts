/**
 * Which HTTP paths answer without a token: the health probes always, plus `--public-paths`. An entry opens
 * the path itself and everything below it (`/dashboard` opens `/dashboard/events`, not `/dashboardx`).
 * @module
 */
export const HEALTH_PATHS: readonly string[] = ['/v2/health/live', '/v2/health/ready'];

export function parsePublicPaths(raw: string | undefined): string[] {
  if (raw === undefined) return [];
  return raw.split(',').map((p) => p.trim()).filter(Boolean).map((p) => {
    if (!p.startsWith('/') || /[\s?#*]/.test(p)) throw new Error(`--public-paths: "${p}" is not a path like /metrics (no wildcards: a path opens everything below it)`);
    return p.length > 1 && p.endsWith('/') ? p.slice(0, -1) : p;
  });
}

export function isPublicPath(path: string, open: readonly string[]): boolean {
  if (HEALTH_PATHS.includes(path)) return true;
  for (const p of open) if (p === '/' || path === p || path.startsWith(`${p}/`)) return true;
  return false;
}
