/**
 * @generated SignedSource<<6098e7e56710b395455cdd0081b51517>>
 * @lightSyntaxTransform
 */

/* tslint:disable */
/* eslint-disable */
// @ts-nocheck

import type { ConcreteRequest } from 'relay-runtime';
export type VideoJobStatus = "CANCELLED" | "COMPLETED" | "FAILED" | "PENDING" | "PROCESSING" | "QUEUED" | "%future added value";
export type VideoResolution = "RES_1080P" | "RES_720P" | "%future added value";
export type CreateVideoInput = {
  audio?: string | null | undefined;
  audioFile?: File | null | undefined;
  duration?: number;
  enablePromptExpansion?: boolean;
  idempotencyKey?: string | null | undefined;
  image?: string | null | undefined;
  imageFile?: File | null | undefined;
  multiShots?: boolean;
  negativePrompt?: string;
  prompt: string;
  resolution?: VideoResolution;
  seed?: number | null | undefined;
  webhookEvents?: ReadonlyArray<VideoJobStatus> | null | undefined;
  webhookUrl?: string | null | undefined;
};
export type CreateVideoMutation$variables = {
  input: CreateVideoInput;
};
export type CreateVideoMutation$data = {
  readonly createVideo: {
    readonly __typename: string;
    readonly issues?: ReadonlyArray<{
      readonly field: string;
      readonly message: string;
    }>;
    readonly job?: {
      readonly id: string;
      readonly status: VideoJobStatus;
      readonly version: number;
    };
    readonly message?: string;
  };
};
export type CreateVideoMutation = {
  response: CreateVideoMutation$data;
  variables: CreateVideoMutation$variables;
};

const node: ConcreteRequest = (function(){
var v0 = [
  {
    "defaultValue": null,
    "kind": "LocalArgument",
    "name": "input"
  }
],
v1 = {
  "alias": null,
  "args": null,
  "kind": "ScalarField",
  "name": "message",
  "storageKey": null
},
v2 = [
  {
    "alias": null,
    "args": [
      {
        "kind": "Variable",
        "name": "input",
        "variableName": "input"
      }
    ],
    "concreteType": null,
    "kind": "LinkedField",
    "name": "createVideo",
    "plural": false,
    "selections": [
      {
        "alias": null,
        "args": null,
        "kind": "ScalarField",
        "name": "__typename",
        "storageKey": null
      },
      {
        "kind": "InlineFragment",
        "selections": [
          {
            "alias": null,
            "args": null,
            "concreteType": "VideoJob",
            "kind": "LinkedField",
            "name": "job",
            "plural": false,
            "selections": [
              {
                "alias": null,
                "args": null,
                "kind": "ScalarField",
                "name": "id",
                "storageKey": null
              },
              {
                "alias": null,
                "args": null,
                "kind": "ScalarField",
                "name": "version",
                "storageKey": null
              },
              {
                "alias": null,
                "args": null,
                "kind": "ScalarField",
                "name": "status",
                "storageKey": null
              }
            ],
            "storageKey": null
          }
        ],
        "type": "CreateVideoSuccess",
        "abstractKey": null
      },
      {
        "kind": "InlineFragment",
        "selections": [
          (v1/*:: as any*/)
        ],
        "type": "Error",
        "abstractKey": "__isError"
      },
      {
        "kind": "InlineFragment",
        "selections": [
          {
            "alias": null,
            "args": null,
            "concreteType": "ValidationIssue",
            "kind": "LinkedField",
            "name": "issues",
            "plural": true,
            "selections": [
              {
                "alias": null,
                "args": null,
                "kind": "ScalarField",
                "name": "field",
                "storageKey": null
              },
              (v1/*:: as any*/)
            ],
            "storageKey": null
          }
        ],
        "type": "ValidationError",
        "abstractKey": null
      }
    ],
    "storageKey": null
  }
];
return {
  "fragment": {
    "argumentDefinitions": (v0/*:: as any*/),
    "kind": "Fragment",
    "metadata": null,
    "name": "CreateVideoMutation",
    "selections": (v2/*:: as any*/),
    "type": "Mutation",
    "abstractKey": null
  },
  "kind": "Request",
  "operation": {
    "argumentDefinitions": (v0/*:: as any*/),
    "kind": "Operation",
    "name": "CreateVideoMutation",
    "selections": (v2/*:: as any*/)
  },
  "params": {
    "cacheID": "f469720068e519b5854815926a0a02f5",
    "id": null,
    "metadata": {},
    "name": "CreateVideoMutation",
    "operationKind": "mutation",
    "text": "mutation CreateVideoMutation(\n  $input: CreateVideoInput!\n) {\n  createVideo(input: $input) {\n    __typename\n    ... on CreateVideoSuccess {\n      job {\n        id\n        version\n        status\n      }\n    }\n    ... on Error {\n      __isError: __typename\n      message\n    }\n    ... on ValidationError {\n      issues {\n        field\n        message\n      }\n    }\n  }\n}\n"
  }
};
})();

(node as any).hash = "e3cf3715b8cb43322df8bfeeb73ab729";

export default node;
