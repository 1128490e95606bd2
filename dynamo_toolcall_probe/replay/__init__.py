"""Dynamo's real frontend on CPU with our replay worker: scripted tokens through real parsers.

Nothing here imports dynamo in the calling process; only `replay.worker`, which runs as its own
process, does.
"""
