/**
 * The dashboard's static files, read once: the page, its scripts and style from ./static, and uPlot from the
 * installed npm package (no CDN, no build step). report.ts inlines the same files into report.html.
 * @module
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

export interface Asset { text: string; type: string }

const STATIC_DIR = join(import.meta.dirname, 'static');
const requireFromHere = createRequire(import.meta.url);

const JS = 'text/javascript; charset=utf-8';
const CSS = 'text/css; charset=utf-8';

function read(path: string, type: string): Asset {
  return { text: readFileSync(path, 'utf8'), type };
}

function loadAssets() {
  return {
    page: read(join(STATIC_DIR, 'index.html'), 'text/html; charset=utf-8'),
    files: {
      'uplot.js': read(requireFromHere.resolve('uplot/dist/uPlot.iife.min.js'), JS),
      'uplot.css': read(requireFromHere.resolve('uplot/dist/uPlot.min.css'), CSS),
      'charts.js': read(join(STATIC_DIR, 'charts.js'), JS),
      'live.js': read(join(STATIC_DIR, 'live.js'), JS),
      'report.js': read(join(STATIC_DIR, 'report.js'), JS),
      'style.css': read(join(STATIC_DIR, 'style.css'), CSS),
    } as Record<string, Asset | undefined>,
  };
}

/** Loaded on first use, so importing the module costs nothing. */
let cached: ReturnType<typeof loadAssets> | undefined;
export const DASHBOARD_ASSETS = {
  get page(): Asset { return (cached ??= loadAssets()).page; },
  get files(): Record<string, Asset | undefined> { return (cached ??= loadAssets()).files; },
};
