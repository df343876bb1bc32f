"""The GraphQL API on Starlette, its auth, context and dataloaders, and the command line."""
