import { graphql } from 'relay-runtime';

/** The first page of jobs; usePaginationFragment on the fragment below loads the next ones. */
export const videoJobListQuery = graphql`
  query VideoJobListQuery {
    ...VideoJobList_query
  }
`;

/** Jobs as a Relay connection, newest first: @connection keeps the pages in one list in the store. */
export const videoJobListFragment = graphql`
  fragment VideoJobList_query on Query
  @refetchable(queryName: "VideoJobListPaginationQuery")
  @argumentDefinitions(count: { type: "Int", defaultValue: 10 }, cursor: { type: "String" }) {
    videoJobs(first: $count, after: $cursor) @connection(key: "VideoJobList_videoJobs") {
      edges {
        node {
          id
          status
          prompt
          createdAt
        }
      }
    }
  }
`;
