// Node's Worker cannot load .ts files directly: register tsx inside the thread, then load the real entry.
import { register } from 'tsx/esm/api';
register();
await import('./prep-worker.ts');
