/* eslint-disable */
import * as types from './graphql.js';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "mutation CreateVideo($input: CreateVideoInput!) {\n  createVideo(input: $input) {\n    __typename\n    ... on CreateVideoSuccess {\n      job {\n        ...JobStatus\n      }\n    }\n    ... on Error {\n      message\n    }\n    ... on ValidationError {\n      issues {\n        field\n        message\n      }\n    }\n    ... on QuotaExceededError {\n      quota\n      limit\n      retryAfterSeconds\n    }\n  }\n}": typeof types.CreateVideoDocument,
    "fragment JobStatus on VideoJob {\n  id\n  version\n  status\n  progress\n  estimatedFinishAt\n  videoUrl\n  error {\n    code\n    message\n  }\n}": typeof types.JobStatusFragmentDoc,
    "query VideoJobs($first: Int, $after: String, $status: [VideoJobStatus!]) {\n  videoJobs(first: $first, after: $after, status: $status) {\n    edges {\n      cursor\n      node {\n        ...JobStatus\n        prompt\n        createdAt\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}": typeof types.VideoJobsDocument,
    "subscription WatchVideoJob($id: ID!, $afterVersion: Int) {\n  videoJob(id: $id, afterVersion: $afterVersion) {\n    ...JobStatus\n  }\n}": typeof types.WatchVideoJobDocument,
};
const documents: Documents = {
    "mutation CreateVideo($input: CreateVideoInput!) {\n  createVideo(input: $input) {\n    __typename\n    ... on CreateVideoSuccess {\n      job {\n        ...JobStatus\n      }\n    }\n    ... on Error {\n      message\n    }\n    ... on ValidationError {\n      issues {\n        field\n        message\n      }\n    }\n    ... on QuotaExceededError {\n      quota\n      limit\n      retryAfterSeconds\n    }\n  }\n}": types.CreateVideoDocument,
    "fragment JobStatus on VideoJob {\n  id\n  version\n  status\n  progress\n  estimatedFinishAt\n  videoUrl\n  error {\n    code\n    message\n  }\n}": types.JobStatusFragmentDoc,
    "query VideoJobs($first: Int, $after: String, $status: [VideoJobStatus!]) {\n  videoJobs(first: $first, after: $after, status: $status) {\n    edges {\n      cursor\n      node {\n        ...JobStatus\n        prompt\n        createdAt\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}": types.VideoJobsDocument,
    "subscription WatchVideoJob($id: ID!, $afterVersion: Int) {\n  videoJob(id: $id, afterVersion: $afterVersion) {\n    ...JobStatus\n  }\n}": types.WatchVideoJobDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation CreateVideo($input: CreateVideoInput!) {\n  createVideo(input: $input) {\n    __typename\n    ... on CreateVideoSuccess {\n      job {\n        ...JobStatus\n      }\n    }\n    ... on Error {\n      message\n    }\n    ... on ValidationError {\n      issues {\n        field\n        message\n      }\n    }\n    ... on QuotaExceededError {\n      quota\n      limit\n      retryAfterSeconds\n    }\n  }\n}"): (typeof documents)["mutation CreateVideo($input: CreateVideoInput!) {\n  createVideo(input: $input) {\n    __typename\n    ... on CreateVideoSuccess {\n      job {\n        ...JobStatus\n      }\n    }\n    ... on Error {\n      message\n    }\n    ... on ValidationError {\n      issues {\n        field\n        message\n      }\n    }\n    ... on QuotaExceededError {\n      quota\n      limit\n      retryAfterSeconds\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "fragment JobStatus on VideoJob {\n  id\n  version\n  status\n  progress\n  estimatedFinishAt\n  videoUrl\n  error {\n    code\n    message\n  }\n}"): (typeof documents)["fragment JobStatus on VideoJob {\n  id\n  version\n  status\n  progress\n  estimatedFinishAt\n  videoUrl\n  error {\n    code\n    message\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query VideoJobs($first: Int, $after: String, $status: [VideoJobStatus!]) {\n  videoJobs(first: $first, after: $after, status: $status) {\n    edges {\n      cursor\n      node {\n        ...JobStatus\n        prompt\n        createdAt\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}"): (typeof documents)["query VideoJobs($first: Int, $after: String, $status: [VideoJobStatus!]) {\n  videoJobs(first: $first, after: $after, status: $status) {\n    edges {\n      cursor\n      node {\n        ...JobStatus\n        prompt\n        createdAt\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "subscription WatchVideoJob($id: ID!, $afterVersion: Int) {\n  videoJob(id: $id, afterVersion: $afterVersion) {\n    ...JobStatus\n  }\n}"): (typeof documents)["subscription WatchVideoJob($id: ID!, $afterVersion: Int) {\n  videoJob(id: $id, afterVersion: $afterVersion) {\n    ...JobStatus\n  }\n}"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;