import { hasScope, type Viewer } from '../../domain/access.js';

/**
 * The one place that decides whose jobs a viewer sees: its own owner's; an admin every owner's, or one
 * owner's when it names one. Returns the owner to filter on, or undefined for no filter.
 */
export function visibleOwner(viewer: Viewer, requestedOwner?: string | null): string | undefined {
  if (!hasScope(viewer, 'admin')) return viewer.owner;
  return requestedOwner ?? undefined;
}

/** Whether the viewer may see this job: another owner's job must look exactly like one that does not exist. */
export function canSee(viewer: Viewer, job: { owner: string }): boolean {
  const owner = visibleOwner(viewer);
  return owner === undefined || owner === job.owner;
}
