import { graphql } from 'relay-runtime';

/** The job now, then after every change; each update is merged into the store's record of the job by its id. */
export const watchVideoJobSubscription = graphql`
  subscription WatchVideoJobSubscription($id: ID!) {
    videoJob(id: $id) {
      id
      version
      status
      progress
      videoUrl
      error {
        code
        message
      }
    }
  }
`;
