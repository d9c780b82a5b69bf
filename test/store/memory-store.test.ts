import { registry } from '../../src/resources/all.ts';
import { MemoryStore } from '../../src/store/memory-store.ts';
import { storeContract } from './contract.ts';

storeContract('memory', () => ({
  async create(options) {
    return new MemoryStore({ registry, maxResourceBytes: options?.maxResourceBytes ?? 1024 * 1024, retainedEvents: 2 });
  },
  async compactHistory() {
    // retainedEvents: 2 keeps only the last few events; nothing else to do.
  },
}));
