"""torchvision.transforms.v2: only its `functional` module is imported (see the package docstring)."""
