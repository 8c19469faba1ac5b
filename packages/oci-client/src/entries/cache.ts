// @sealpack/oci-client/cache: file digests remembered across runs (git-index style), and the hash
// pass they save.
export { defaultDigestCachePath, FileDigestCache, fileIdentity, type DigestCache, type FileIdentity } from '../digest-cache.ts';
export { describeFile, type DescribeFileOptions } from '../content.ts';
