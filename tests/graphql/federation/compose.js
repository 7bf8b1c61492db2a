// Compose imagegate's subgraph SDL (argv[2]) with a tiny second subgraph that references
// Image by digest; print the supergraph, or the composition errors and exit 1.
const fs = require("fs");
const { composeServices } = require("@apollo/composition");
const { parse } = require("graphql");

const ours = fs.readFileSync(process.argv[2], "utf8");
const deployments = `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])

  type Image @key(fields: "digest") {
    digest: String!
    deployments: [Deployment!]!
  }

  type Deployment {
    cluster: String!
    image: Image!
  }

  type Query {
    deployments: [Deployment!]!
  }
`;
const result = composeServices([
  { name: "imagegate", typeDefs: parse(ours), url: "http://imagegate.invalid/graphql" },
  { name: "deployments", typeDefs: parse(deployments), url: "http://deployments.invalid/graphql" },
]);
if (result.errors && result.errors.length) {
  console.error(JSON.stringify(result.errors.map((e) => e.message), null, 2));
  process.exit(1);
}
process.stdout.write(result.supergraphSdl);
