"""Talking to a Dynamo frontend over HTTP exactly as a user's client does."""
