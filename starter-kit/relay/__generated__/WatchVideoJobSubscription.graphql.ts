/**
 * @generated SignedSource<<18e4efc06cdd3e7de88718640b2bfa35>>
 * @lightSyntaxTransform
 */

/* tslint:disable */
/* eslint-disable */
// @ts-nocheck

import type { ConcreteRequest } from 'relay-runtime';
export type VideoJobErrorCode = "GENERATION_FAILED" | "INSUFFICIENT_CREDITS" | "UPSTREAM_EXPIRED" | "UPSTREAM_REJECTED" | "UPSTREAM_UNAUTHORIZED" | "UPSTREAM_UNAVAILABLE" | "%future added value";
export type VideoJobStatus = "CANCELLED" | "COMPLETED" | "FAILED" | "PENDING" | "PROCESSING" | "QUEUED" | "%future added value";
export type WatchVideoJobSubscription$variables = {
  id: string;
};
export type WatchVideoJobSubscription$data = {
  readonly videoJob: {
    readonly error: {
      readonly code: VideoJobErrorCode;
      readonly message: string;
    } | null | undefined;
    readonly id: string;
    readonly progress: number;
    readonly status: VideoJobStatus;
    readonly version: number;
    readonly videoUrl: string | null | undefined;
  };
};
export type WatchVideoJobSubscription = {
  response: WatchVideoJobSubscription$data;
  variables: WatchVideoJobSubscription$variables;
};

const node: ConcreteRequest = (function(){
var v0 = [
  {
    "defaultValue": null,
    "kind": "LocalArgument",
    "name": "id"
  }
],
v1 = [
  {
    "alias": null,
    "args": [
      {
        "kind": "Variable",
        "name": "id",
        "variableName": "id"
      }
    ],
    "concreteType": "VideoJob",
    "kind": "LinkedField",
    "name": "videoJob",
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
      },
      {
        "alias": null,
        "args": null,
        "kind": "ScalarField",
        "name": "progress",
        "storageKey": null
      },
      {
        "alias": null,
        "args": null,
        "kind": "ScalarField",
        "name": "videoUrl",
        "storageKey": null
      },
      {
        "alias": null,
        "args": null,
        "concreteType": "VideoJobError",
        "kind": "LinkedField",
        "name": "error",
        "plural": false,
        "selections": [
          {
            "alias": null,
            "args": null,
            "kind": "ScalarField",
            "name": "code",
            "storageKey": null
          },
          {
            "alias": null,
            "args": null,
            "kind": "ScalarField",
            "name": "message",
            "storageKey": null
          }
        ],
        "storageKey": null
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
    "name": "WatchVideoJobSubscription",
    "selections": (v1/*:: as any*/),
    "type": "Subscription",
    "abstractKey": null
  },
  "kind": "Request",
  "operation": {
    "argumentDefinitions": (v0/*:: as any*/),
    "kind": "Operation",
    "name": "WatchVideoJobSubscription",
    "selections": (v1/*:: as any*/)
  },
  "params": {
    "cacheID": "f85e30f455ef617740c34719e337e414",
    "id": null,
    "metadata": {},
    "name": "WatchVideoJobSubscription",
    "operationKind": "subscription",
    "text": "subscription WatchVideoJobSubscription(\n  $id: ID!\n) {\n  videoJob(id: $id) {\n    id\n    version\n    status\n    progress\n    videoUrl\n    error {\n      code\n      message\n    }\n  }\n}\n"
  }
};
})();

(node as any).hash = "94ca9343fd58a673632b2396a8e08c54";

export default node;
