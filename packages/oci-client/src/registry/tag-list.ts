import { z } from 'zod';

/** distribution-spec "Listing Tags" response body; `tags` may be null for an empty repository. */
export const TagListSchema = z.looseObject({
  name: z.string(),
  tags: z.array(z.string()).nullable().optional(),
});
