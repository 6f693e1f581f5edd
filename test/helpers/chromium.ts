/**
 * The system's Chromium for browser tests and the dashboard bench, driven by playwright-core (which never
 * downloads a browser). SUPERSERVE_CHROMIUM names the binary; else the usual Debian/Ubuntu paths.
 * @module
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/usr/bin/google-chrome-stable'];

/** Without the background-networking flags a headless Chromium on a closed network floods refused connections. */
export const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync',
];

/** The Chromium binary, or null after a loud SKIP line. */
export function chromiumOrSkip(): string | null {
  const env = process.env.SUPERSERVE_CHROMIUM;
  const found = env ? (existsSync(env) ? env : null) : CANDIDATES.find((p) => existsSync(p)) ?? null;
  if (found === null) console.warn(`\n!!! SKIPPED: no Chromium at ${env ?? CANDIDATES.join(', ')} (install Debian's chromium or set SUPERSERVE_CHROMIUM) !!!\n`);
  return found;
}

export interface Browser { context: BrowserContext; close(): Promise<void> }

/** Headless Chromium with a fresh profile directory (removed on close). */
export async function launchChromium(executablePath: string, viewport = { width: 1280, height: 800 }): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'superserve-chromium-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath, headless: true, viewport, args: CHROMIUM_ARGS });
  return {
    context,
    async close() { await context.close(); rmSync(profile, { recursive: true, force: true }); },
  };
}
