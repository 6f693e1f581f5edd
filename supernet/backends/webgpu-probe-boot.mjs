// The adapter probe runs in a child process (a driver that crashes or bloats stays there): tsx, then the entry.
import { register } from 'tsx/esm/api';
register();
await import('./webgpu-probe-entry.ts');
