"""The GraphQL gateway: schema, types, dataloaders, context, permissions and limits."""

from app.api.graphql.endpoint import GraphQLEndpoint
from app.api.graphql.schema import make_schema, schema

__all__ = ["GraphQLEndpoint", "make_schema", "schema"]
