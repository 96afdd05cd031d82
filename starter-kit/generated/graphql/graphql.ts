/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';
/** What to generate. Every rule is checked before anything is stored or sent. */
export type CreateVideoInput = {
  /** http(s) URL or data: URI of WAV or MP3 audio, 3 to 30 s, at most 15 MB. A URL is checked like `image`. Not with audioFile. */
  audio?: string | null | undefined;
  /** The audio as a file (multipart request): WAV or MP3, 3 to 30 s, at most 15 MB. Not with audio. */
  audioFile?: File | null | undefined;
  /** Seconds of video: 5, 10 or 15. */
  duration?: number;
  /** Let Segmind expand the prompt into a more detailed one before generating. */
  enablePromptExpansion?: boolean;
  /** The same key again returns the same job and never submits a second time. */
  idempotencyKey?: string | null | undefined;
  /** http(s) URL, or data: URI (base64) of a JPEG, PNG, WEBP or BMP image. A URL must be reachable by the gateway, which reads its first bytes before storing the job. Give exactly one of image and imageFile. */
  image?: string | null | undefined;
  /** The image as a file (multipart request): JPEG, PNG, WEBP or BMP, at most 10 MB. Give exactly one of image and imageFile. */
  imageFile?: File | null | undefined;
  /** Multi-shot segmentation; only takes effect with enablePromptExpansion. */
  multiShots?: boolean;
  /** 0 to 500 characters. */
  negativePrompt?: string;
  /** 1 to 1500 characters. */
  prompt: string;
  /** Size of the video. */
  resolution?: VideoResolution;
  /** 0 to 2147483647; null picks one at random. */
  seed?: number | null | undefined;
  /** Statuses besides the terminal ones that also get a webhook, e.g. [QUEUED, PROCESSING]; not PENDING, which createVideo itself answers with. Only with webhookUrl. */
  webhookEvents?: Array<VideoJobStatus> | null | undefined;
  /** http(s) URL the gateway POSTs the job to, signed per Standard Webhooks with the owner's `Viewer.webhookSecret`, when it ends (COMPLETED, FAILED, CANCELLED) and at each status in webhookEvents. It must resolve to a public address (checked now and at each delivery). */
  webhookUrl?: string | null | undefined;
};

/** Why a job FAILED; VideoJobError.message gives the details. */
export type VideoJobErrorCode =
  /** Segmind failed the generation (content-policy blocks included); the message carries Segmind's text. Not worth retrying as is: show the message and let the person change the prompt or image. */
  | 'GENERATION_FAILED'
  /** The gateway's Segmind account is out of credits (HTTP 406). Retryable once the operator has added credits. */
  | 'INSUFFICIENT_CREDITS'
  /** Segmind no longer knows the request (HTTP 404 for its id): its records expire 1 h after submission. Retryable: create the job again (it may be billed again). */
  | 'UPSTREAM_EXPIRED'
  /** Segmind refused the job on submit (HTTP 400, 403, 404 for the model, 410 retired model) or refused to report on it. Not retryable: the same request fails the same way; tell the operator. */
  | 'UPSTREAM_REJECTED'
  /** Segmind refused the gateway's API key (HTTP 401). Retryable once an operator has fixed the key; show the person a service problem, not their mistake. */
  | 'UPSTREAM_UNAUTHORIZED'
  /** Segmind kept failing (429, 5xx, network errors) until retries ran out, or the submit's outcome is unknown and it was not resent. Retryable later by creating the job again; when the message says the outcome is unknown, the first attempt may still have been billed. */
  | 'UPSTREAM_UNAVAILABLE';

/** Forward only: PENDING -> QUEUED -> PROCESSING -> COMPLETED | FAILED; a step may be skipped. PENDING -> CANCELLED when cancelVideoJob comes before the job is sent. */
export type VideoJobStatus =
  /** Cancelled with cancelVideoJob before anything was sent to Segmind: never sent, never billed. Terminal. */
  | 'CANCELLED'
  /** Finished: videoUrl is set. Terminal. */
  | 'COMPLETED'
  /** Ended without a video: error says why. Terminal. */
  | 'FAILED'
  /** Stored by the gateway; not yet accepted by Segmind. Cancellable until its submit starts. */
  | 'PENDING'
  /** Segmind is generating the video. */
  | 'PROCESSING'
  /** Accepted by Segmind (upstreamRequestId is set), waiting to start. */
  | 'QUEUED';

/** Size of the output video (MP4, H.264, 30 fps). */
export type VideoResolution =
  /** 1280x720. */
  | 'RES_720P'
  /** 1920x1080. */
  | 'RES_1080P';

export type CreateVideoMutationVariables = Exact<{
  input: CreateVideoInput;
}>;


export type CreateVideoMutation = { createVideo:
    | { __typename: 'CreateVideoSuccess', job: { id: string, version: number, status: VideoJobStatus, progress: number, estimatedFinishAt: string | null, videoUrl: string | null, error: { code: VideoJobErrorCode, message: string } | null } }
    | { __typename: 'QuotaExceededError', message: string, quota: string, limit: number, retryAfterSeconds: number | null }
    | { __typename: 'ValidationError', message: string, issues: Array<{ field: string, message: string }> }
   };

export type JobStatusFragment = { id: string, version: number, status: VideoJobStatus, progress: number, estimatedFinishAt: string | null, videoUrl: string | null, error: { code: VideoJobErrorCode, message: string } | null };

export type VideoJobsQueryVariables = Exact<{
  first?: number | null | undefined;
  after?: string | null | undefined;
  status?: Array<VideoJobStatus> | VideoJobStatus | null | undefined;
}>;


export type VideoJobsQuery = { videoJobs: { edges: Array<{ cursor: string, node: { prompt: string, createdAt: string, id: string, version: number, status: VideoJobStatus, progress: number, estimatedFinishAt: string | null, videoUrl: string | null, error: { code: VideoJobErrorCode, message: string } | null } }>, pageInfo: { hasNextPage: boolean, endCursor: string | null } } };

export type WatchVideoJobSubscriptionVariables = Exact<{
  id: string | number;
  afterVersion?: number | null | undefined;
}>;


export type WatchVideoJobSubscription = { videoJob: { id: string, version: number, status: VideoJobStatus, progress: number, estimatedFinishAt: string | null, videoUrl: string | null, error: { code: VideoJobErrorCode, message: string } | null } };

export const JobStatusFragmentDoc = {"kind":"Document","definitions":[{"kind":"FragmentDefinition","name":{"kind":"Name","value":"JobStatus"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"VideoJob"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"version"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"progress"}},{"kind":"Field","name":{"kind":"Name","value":"estimatedFinishAt"}},{"kind":"Field","name":{"kind":"Name","value":"videoUrl"}},{"kind":"Field","name":{"kind":"Name","value":"error"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]}}]} as unknown as DocumentNode<JobStatusFragment, unknown>;
export const CreateVideoDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"CreateVideo"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"CreateVideoInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"createVideo"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"CreateVideoSuccess"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"job"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"JobStatus"}}]}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Error"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"message"}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ValidationError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"issues"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"QuotaExceededError"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"quota"}},{"kind":"Field","name":{"kind":"Name","value":"limit"}},{"kind":"Field","name":{"kind":"Name","value":"retryAfterSeconds"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"JobStatus"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"VideoJob"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"version"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"progress"}},{"kind":"Field","name":{"kind":"Name","value":"estimatedFinishAt"}},{"kind":"Field","name":{"kind":"Name","value":"videoUrl"}},{"kind":"Field","name":{"kind":"Name","value":"error"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]}}]} as unknown as DocumentNode<CreateVideoMutation, CreateVideoMutationVariables>;
export const VideoJobsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"VideoJobs"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"status"}},"type":{"kind":"ListType","type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"VideoJobStatus"}}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"videoJobs"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}},{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}},{"kind":"Argument","name":{"kind":"Name","value":"status"},"value":{"kind":"Variable","name":{"kind":"Name","value":"status"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"cursor"}},{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"JobStatus"}},{"kind":"Field","name":{"kind":"Name","value":"prompt"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"pageInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"hasNextPage"}},{"kind":"Field","name":{"kind":"Name","value":"endCursor"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"JobStatus"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"VideoJob"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"version"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"progress"}},{"kind":"Field","name":{"kind":"Name","value":"estimatedFinishAt"}},{"kind":"Field","name":{"kind":"Name","value":"videoUrl"}},{"kind":"Field","name":{"kind":"Name","value":"error"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]}}]} as unknown as DocumentNode<VideoJobsQuery, VideoJobsQueryVariables>;
export const WatchVideoJobDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"subscription","name":{"kind":"Name","value":"WatchVideoJob"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"afterVersion"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"videoJob"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}},{"kind":"Argument","name":{"kind":"Name","value":"afterVersion"},"value":{"kind":"Variable","name":{"kind":"Name","value":"afterVersion"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"JobStatus"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"JobStatus"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"VideoJob"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"version"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"progress"}},{"kind":"Field","name":{"kind":"Name","value":"estimatedFinishAt"}},{"kind":"Field","name":{"kind":"Name","value":"videoUrl"}},{"kind":"Field","name":{"kind":"Name","value":"error"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]}}]} as unknown as DocumentNode<WatchVideoJobSubscription, WatchVideoJobSubscriptionVariables>;