// Apollo Client 4 with its persisted-queries link, as a mobile app sets it up, against the URL
// and member token given as arguments. Prints one JSON object: per client, each HTTP request it
// sent (method, whether the text went along, the hash) with the answer, and each query's data.
// tests/test_apollo_client.py runs it and checks what the server saw and answered.
import { createHash } from "node:crypto";

import { ApolloClient, HttpLink, InMemoryCache, gql } from "@apollo/client";
import { PersistedQueryLink } from "@apollo/client/link/persisted-queries";

const [url, token] = process.argv.slice(2);

const sha256 = (text) => createHash("sha256").update(text).digest("hex");

function client(options) {
  const requests = [];
  // fetch as the app would use it, with each exchange written down.
  const recordingFetch = async (input, init = {}) => {
    const target = new URL(typeof input === "string" ? input : input.url);
    const sent = init.body ? JSON.parse(init.body) : Object.fromEntries(target.searchParams);
    const extensions =
      typeof sent.extensions === "string" ? JSON.parse(sent.extensions) : sent.extensions;
    const response = await fetch(input, init);
    const answer = await response.clone().json();
    requests.push({
      method: init.method ?? "GET",
      withText: typeof sent.query === "string",
      hash: extensions?.persistedQuery?.sha256Hash ?? null,
      status: response.status,
      errorCodes: (answer.errors ?? []).map((error) => error.extensions?.code),
    });
    return response;
  };
  const link = new PersistedQueryLink({ sha256, ...options }).concat(
    new HttpLink({ uri: url, headers: { authorization: `Bearer ${token}` }, fetch: recordingFetch }),
  );
  return { apollo: new ApolloClient({ link, cache: new InMemoryCache() }), requests };
}

const ME = gql`
  query Me {
    me {
      displayName
      pointsBalance
    }
  }
`;
const REWARDS = gql`
  query Rewards($first: Int!) {
    rewards(first: $first) {
      edges {
        node {
          id
          name
        }
      }
    }
  }
`;

async function twice(options, query, variables) {
  const { apollo, requests } = client(options);
  const data = [];
  for (let i = 0; i < 2; i++) {
    const result = await apollo.query({ query, variables, fetchPolicy: "network-only" });
    data.push(result.data);
  }
  return { requests, data };
}

const post = await twice({}, ME, {});
const get = await twice({ useGETForHashedQueries: true }, REWARDS, { first: 5 });
console.log(JSON.stringify({ post, get }));
