import { LayoutTarget, type LayoutTargetOptions } from './layout/layout-target.ts';
import type { Reference } from './reference.ts';
import { RegistryTarget, type RegistryTargetOptions } from './registry/registry-target.ts';
import type { Target } from './target.ts';

export type OpenTargetOptions = RegistryTargetOptions & LayoutTargetOptions;

/** The Target a parsed reference points into: a registry repository or a layout directory. */
export function openTarget(reference: Reference, options: OpenTargetOptions = {}): Target {
  if (reference.kind === 'layout') return new LayoutTarget(reference.path, options);
  return new RegistryTarget(reference.registry, reference.repository, options);
}
