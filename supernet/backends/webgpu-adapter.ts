/**
 * Finding a WebGPU adapter through Dawn's Node binding (npm `webgpu`, an optional dependency): the ways to
 * reach one, tried in order, with the environment each needs, and what an adapter says about itself.
 * Used both in-process (to activate one) and by the probe child (to look without loading drivers here).
 * @module
 */
import { existsSync } from 'node:fs';

/** One way to reach an adapter: Dawn toggles, the WebGPU feature level, and environment the drivers read. */
export interface AdapterRoute {
  name: 'vulkan' | 'vulkan-nvidia-icd' | 'opengl';
  dawn: string[];
  featureLevel: 'core' | 'compatibility';
  env: Record<string, string>;
}

export interface AdapterInfo {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** A CPU rasteriser (Mesa llvmpipe/lavapipe, SwiftShader): correct but slow; `auto` never picks it. */
  isSoftware: boolean;
  route: AdapterRoute['name'];
}

// Where GPU containers (e.g. NVIDIA's container toolkit) put the driver manifests the loaders do not search.
const NVIDIA_VULKAN_ICD = '/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json';
const NVIDIA_EGL_VENDOR = '/usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json';
const SOFTWARE = /llvmpipe|lavapipe|softpipe|swiftshader|swrast|software rasterizer|basic render/i;

/** Vulkan first (the native path on Linux GPUs), then OpenGL ES-compatible mode over EGL (Mesa, NVIDIA EGL). */
export function adapterRoutes(env: NodeJS.ProcessEnv = process.env): AdapterRoute[] {
  const routes: AdapterRoute[] = [{ name: 'vulkan', dawn: [], featureLevel: 'core', env: {} }];
  if (env.VK_DRIVER_FILES === undefined && env.VK_ICD_FILENAMES === undefined && existsSync(NVIDIA_VULKAN_ICD)) {
    routes.push({ name: 'vulkan-nvidia-icd', dawn: [], featureLevel: 'core', env: { VK_DRIVER_FILES: NVIDIA_VULKAN_ICD, VK_ICD_FILENAMES: NVIDIA_VULKAN_ICD } });
  }
  // Without a display, Mesa's EGL needs the surfaceless platform (else eglInitialize fails: NOT_INITIALIZED).
  const gl: Record<string, string> = { EGL_PLATFORM: env.EGL_PLATFORM ?? 'surfaceless' };
  if (env.__EGL_VENDOR_LIBRARY_FILENAMES === undefined && existsSync(NVIDIA_EGL_VENDOR)) gl.__EGL_VENDOR_LIBRARY_FILENAMES = NVIDIA_EGL_VENDOR;
  routes.push({ name: 'opengl', dawn: ['backend=opengl'], featureLevel: 'compatibility', env: gl });
  return routes;
}

/**
 * Sets, in this process's real environment, what any route's drivers read and the user has not set. Must run on
 * the main thread before worker threads start: a worker thread's process.env is its own copy, which the drivers
 * (getenv in C) never see. Harmless without a GPU: only EGL and the Vulkan loader read these.
 */
export function prepareAdapterEnvironment(env: NodeJS.ProcessEnv = process.env): void {
  for (const route of adapterRoutes(env)) {
    for (const [k, v] of Object.entries(route.env)) if (env[k] === undefined) env[k] = v;
  }
}

export interface DawnGpu {
  requestAdapter(options?: Record<string, unknown>): Promise<DawnAdapter | null>;
  getPreferredCanvasFormat?(): string;
  readonly wgslLanguageFeatures?: unknown;
}
export interface DawnAdapter {
  readonly info?: { vendor?: string; architecture?: string; device?: string; description?: string; isFallbackAdapter?: boolean };
}
export interface DawnBinding { create(flags: string[]): DawnGpu; globals: Record<string, unknown> }

export async function loadDawn(): Promise<DawnBinding> {
  try {
    return (await import('webgpu')) as unknown as DawnBinding;
  } catch (e) {
    throw new Error(`the optional dependency "webgpu" (Dawn's Node binding) does not load: ${(e as Error).message.split('\n')[0]}`);
  }
}

/** Sets the route's environment (read by the drivers when Dawn opens them) and asks Dawn for an adapter. */
export async function requestAdapter(dawn: DawnBinding, route: AdapterRoute): Promise<{ gpu: DawnGpu; adapter: DawnAdapter | null }> {
  Object.assign(process.env, route.env);
  const gpu = dawn.create(route.dawn);
  const adapter = await gpu.requestAdapter(adapterOptions(route));
  return { gpu, adapter };
}

export function adapterOptions(route: AdapterRoute, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { powerPreference: 'high-performance', ...extra,
    ...(route.featureLevel === 'compatibility' ? { featureLevel: 'compatibility', compatibilityMode: true } : {}) };
}

export function describeAdapter(adapter: DawnAdapter, route: AdapterRoute): AdapterInfo {
  const i = adapter.info ?? {};
  const info = {
    vendor: i.vendor ?? '', architecture: i.architecture ?? '', device: i.device ?? '', description: i.description ?? '',
  };
  const isSoftware = i.isFallbackAdapter === true || SOFTWARE.test(Object.values(info).join(' '));
  return { ...info, isSoftware, route: route.name };
}

/** One line for logs: "NVIDIA hopper (NVIDIA H200, Vulkan ...) via vulkan" or "... [software]". */
export function adapterLabel(a: AdapterInfo): string {
  const who = [a.vendor, a.architecture].filter(Boolean).join(' ') || a.device || 'unknown adapter';
  const what = [a.device, a.description].filter((s) => s !== '' && s !== who).join(', ');
  return `${who}${what ? ` (${what})` : ''} via ${a.route}${a.isSoftware ? ' [software]' : ''}`;
}
