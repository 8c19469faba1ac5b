import type { Digest } from '../digest.ts';
import type { Descriptor } from '../schemas.ts';
import { updateFallbackIndex, type TaggedManifestStore, type UpdateOptions } from './referrers-tag-schema.ts';

interface Queue {
  add: Descriptor[];
  remove: Digest[];
  waiters: Array<{ resolve: () => void; reject: (error: unknown) => void }>;
}

/**
 * Coalesces this process's changes to one subject's fallback index: while one read-merge-write
 * runs, further changes wait and then go in together. Each update costs a few round trips and
 * confirmation waits, so 200 referrers attached by one copy cost a handful of updates, not 200.
 */
export class ReferrersIndexWriter {
  private readonly store: TaggedManifestStore;
  private readonly options: UpdateOptions;
  private readonly queues = new Map<Digest, Queue>();
  private readonly running = new Set<Digest>();

  constructor(store: TaggedManifestStore, options: UpdateOptions = {}) {
    this.store = store;
    this.options = options;
  }

  update(subject: Digest, change: { add?: Descriptor[]; remove?: Digest[] }): Promise<void> {
    return new Promise((resolve, reject) => {
      let queue = this.queues.get(subject);
      if (queue === undefined) {
        queue = { add: [], remove: [], waiters: [] };
        this.queues.set(subject, queue);
      }
      queue.add.push(...(change.add ?? []));
      queue.remove.push(...(change.remove ?? []));
      queue.waiters.push({ resolve, reject });
      if (!this.running.has(subject)) void this.drain(subject);
    });
  }

  private async drain(subject: Digest): Promise<void> {
    this.running.add(subject);
    try {
      for (let batch = this.queues.get(subject); batch !== undefined; batch = this.queues.get(subject)) {
        this.queues.delete(subject);
        // Within one batch the later of an add and a remove of the same digest wins.
        const removed = new Set<string>(batch.remove);
        const add = batch.add.filter((d) => !removed.has(d.digest));
        try {
          await updateFallbackIndex(this.store, subject, { add, remove: batch.remove.filter((d) => !add.some((a) => a.digest === d)) }, this.options);
          for (const waiter of batch.waiters) waiter.resolve();
        } catch (error) {
          for (const waiter of batch.waiters) waiter.reject(error);
        }
      }
    } finally {
      this.running.delete(subject);
    }
  }
}
