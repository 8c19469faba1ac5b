import type { ContentSource } from './content.ts';
import type { Descriptor } from './schemas.ts';
import type { PushOptions, Target } from './target.ts';

/**
 * Optional abilities a Target may have beyond the interface, asked for structurally (as oras-go
 * asks for `registry.Mounter` or `registry.ReferrerLister`), so generic code such as copy never
 * needs to know which concrete store it holds.
 */

/** Where a target lives when it is a registry repository. */
export interface RepositoryAddress {
  readonly registry: string;
  readonly repository: string;
}

/**
 * distribution-spec "Mounting a blob from another repository": a blob another repository of the
 * same registry holds arrives without its bytes. `mounted` cost no transfer, `present` was there
 * already, `uploaded` was sent because the registry would not mount.
 */
export interface BlobMounter extends RepositoryAddress {
  pushMounting(descriptor: Descriptor, content: ContentSource, fromRepository: string, options?: PushOptions): Promise<'mounted' | 'present' | 'uploaded'>;
}

/**
 * A store that records referrers in tag-schema indexes (distribution-spec "Referrers Tag Schema")
 * can queue those updates during a bulk write and settle them once: many referrers of one subject
 * then cost one index write instead of one each.
 */
export interface ReferrersBatcher {
  pushDeferringReferrers(descriptor: Descriptor, content: ContentSource, options?: PushOptions & { tag?: string }): Promise<void>;
  flushReferrers(): Promise<void>;
}

/** A store that reads referrers from tag-schema indexes, so its tag list shows which subjects have any. */
interface TagSchemaReferrersReader {
  readonly readsReferrersByTagSchema: boolean;
}

export function hasRepositoryAddress(target: object): target is RepositoryAddress {
  const t = target as Partial<RepositoryAddress>;
  return typeof t.registry === 'string' && typeof t.repository === 'string';
}

export function canMountBlobs(target: Target): target is Target & BlobMounter {
  return hasRepositoryAddress(target) && typeof (target as Partial<BlobMounter>).pushMounting === 'function';
}

export function batchesReferrers(target: Target): target is Target & ReferrersBatcher {
  const t = target as Partial<ReferrersBatcher>;
  return typeof t.pushDeferringReferrers === 'function' && typeof t.flushReferrers === 'function';
}

export function readsReferrersByTagSchema(target: object): boolean {
  return (target as Partial<TagSchemaReferrersReader>).readsReferrersByTagSchema === true;
}
