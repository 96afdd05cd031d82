/** Who is asking and what they may do: the vocabulary of contract section 5. */

/** `jobs:read`: queries and subscriptions; `jobs:write`: createVideo, cancelVideoJob; `admin`: every owner's jobs, tokens. */
export const scopes = ['jobs:read', 'jobs:write', 'admin'] as const;
export type Scope = (typeof scopes)[number];

/** The owner of every request when no token is required and none is given, and of jobs from before owners. */
export const localOwner = 'local';

/** Owner names: short, printable, safe in logs and URLs. */
export const ownerNamePattern = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;

/** A token's name is a note for operators, kept short for tables. */
export const tokenNameMaxLength = 100;

/** Who a request acts for. */
export interface Viewer {
  owner: string;
  scopes: readonly Scope[];
  /** The token presented; undefined in open mode without one. */
  tokenId: number | undefined;
}

/** `admin` includes both job scopes. */
export function hasScope(viewer: Viewer, scope: Scope): boolean {
  return viewer.scopes.includes(scope) || viewer.scopes.includes('admin');
}

/** What a request without a token acts as where no token is required. */
export const openViewer: Viewer = {
  owner: localOwner,
  scopes: ['jobs:read', 'jobs:write', 'admin'],
  tokenId: undefined,
};

/** An owner's quotas; null: no cap. */
export interface OwnerLimits {
  maxActiveJobs: number | null;
  jobsPerMinute: number | null;
  dailySpendUsd: number | null;
}

/** Which quota refused a job: the names clients see in `QuotaExceededError.quota`. */
export type QuotaName = keyof OwnerLimits;
