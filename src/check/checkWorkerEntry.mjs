// Starts a check worker from the TypeScript sources (tsx compiles them as they load); a built
// package starts the compiled checkWorker.js directly.
import { register } from 'tsx/esm/api';

register();
await import('./checkWorker.ts');
