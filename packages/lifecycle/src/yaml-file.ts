import { parseYamlWithSchema } from '@sealpack/policy';
import type { z } from 'zod';
import { LifecycleError } from './errors.ts';

/**
 * A YAML (or JSON) file checked against a schema (environments, retention, and the CLI's
 * sealpack.yaml): a fault is an INVALID_CONFIG naming `file:line:column`, as policy files do.
 */
export function parseYamlFile<T extends z.ZodType>(schema: T, text: string, file: string): z.infer<T> {
  return parseYamlWithSchema(schema, text, file, (fault) => new LifecycleError('INVALID_CONFIG', fault.message));
}
