"""torchvision.transforms.functional as transformers' image_utils imports it."""

from torchvision import unavailable

pil_to_tensor = unavailable("transforms.functional.pil_to_tensor")
