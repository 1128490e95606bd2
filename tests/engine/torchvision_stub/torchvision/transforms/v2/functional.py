"""torchvision.transforms.v2.functional: imported at module level by transformers' image
processors (Qwen2-VL's among them); any use raises (see the package docstring)."""

from torchvision import WHY


def __getattr__(name: str):
    if name.startswith("__"):
        raise AttributeError(name)
    raise AttributeError(f"torchvision.transforms.v2.functional.{name}: {WHY}")
