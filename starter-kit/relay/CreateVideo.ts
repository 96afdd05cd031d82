import { graphql } from 'relay-runtime';

/** A new job, or why none was made: `... on Error` reaches the message of every error type, later ones too. */
export const createVideoMutation = graphql`
  mutation CreateVideoMutation($input: CreateVideoInput!) {
    createVideo(input: $input) {
      __typename
      ... on CreateVideoSuccess {
        job {
          id
          version
          status
        }
      }
      ... on Error {
        message
      }
      ... on ValidationError {
        issues {
          field
          message
        }
      }
    }
  }
`;
