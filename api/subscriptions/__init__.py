"""Live updates: GraphQL subscriptions over WebSocket (graphql-transport-ws), fed by Redis."""
