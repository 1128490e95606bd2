"""dynamo-toolcall-probe: find out where a broken tool call on NVIDIA Dynamo comes from.

Importing the package is cheap on purpose: no dynamo, torch, transformers or engine is imported
here or by `dynamo-probe --help`; heavy modules load inside the functions that need them.
"""

__version__ = "0.1.0"
