// @sealpack/oci-client/layout: an OCI image layout directory as a Target, and its tar form.
export { LayoutTarget, type LayoutTargetOptions } from '../layout/layout-target.ts';
export { archiveLayout, extractLayoutArchive } from '../layout/layout-archive.ts';
