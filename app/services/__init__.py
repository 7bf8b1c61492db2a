"""Use cases: add an image, import a feed, check an image, save a policy. Services own the
transactions; the API and the CLI call them and nothing below them."""
